import { findRedactions, ibanValid, luhnValid, redact, REDACTION_MARKERS } from './redaction';

const CARD = REDACTION_MARKERS.card;
const IBAN = REDACTION_MARKERS.iban;
const SECRET = REDACTION_MARKERS.secret;

describe('checksums', () => {
  it('Luhn accepts test card numbers and refuses one changed digit', () => {
    for (const n of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '4539148803436467',
    ]) {
      expect(luhnValid(n)).toBe(true);
    }
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41111x1111111111')).toBe(false);
  });

  it('mod-97 accepts real IBAN examples, grouped or not, and refuses a typo', () => {
    expect(ibanValid('FR76 3000 6000 0112 3456 7890 189')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('de89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('FR76 3000 6000 0112 3456 7890 188')).toBe(false);
    expect(ibanValid('FR76')).toBe(false);
  });
});

describe('redact: card numbers', () => {
  it.each([
    [
      'Ma carte bancaire, c’est le 4111 1111 1111 1111, elle expire en mai.',
      `Ma carte bancaire, c’est le ${CARD}, elle expire en mai.`,
    ],
    [
      'My card number is 4539-1488-0343-6467 and it expires in May.',
      `My card number is ${CARD} and it expires in May.`,
    ],
    ['numéro 5555555555554444 merci', `numéro ${CARD} merci`],
    ['Amex 3782 822463 10005.', `Amex ${CARD}.`],
  ])('%s', (input, expected) => {
    expect(redact(input).text).toBe(expected);
  });

  it('leaves numbers that fail the Luhn check, phone numbers and short numbers alone', () => {
    for (const s of [
      'Le numéro de commande est 4111 1111 1111 1112.',
      'Rappelez-moi au 06 12 34 56 78.',
      'Ticket 123456, poste 201.',
      'Le dossier 2024-118 est clos.',
    ]) {
      expect(redact(s)).toEqual({ text: s, spans: [] });
    }
  });

  it('returns spans on the original text for highlighting', () => {
    const text = 'Carte 4111 1111 1111 1111 ok';
    const { spans } = redact(text);
    expect(spans).toEqual([{ kind: 'card', start: 6, end: 25, replacement: CARD }]);
    expect(text.slice(spans[0]!.start, spans[0]!.end)).toBe('4111 1111 1111 1111');
  });
});

describe('redact: IBANs', () => {
  it.each([
    ['Mon IBAN est FR76 3000 6000 0112 3456 7890 189 merci.', `Mon IBAN est ${IBAN} merci.`],
    ['IBAN: GB82 WEST 1234 5698 7654 32.', `IBAN: ${IBAN}.`],
    ['virement vers de89370400440532013000 demain', `virement vers ${IBAN} demain`],
  ])('%s', (input, expected) => {
    expect(redact(input).text).toBe(expected);
  });

  it('leaves an IBAN-shaped string with a wrong checksum', () => {
    const s = 'Référence FR76 3000 6000 0112 3456 7890 188 à vérifier.';
    expect(redact(s).text).toBe(s);
  });
});

describe('redact: secrets after trigger words', () => {
  it.each([
    ['Mon mot de passe est soleil123.', `Mon mot de passe est ${SECRET}.`],
    [
      'mon mot de passe c’est Bonjour2024! et mon identifiant jdupont',
      `mon mot de passe c’est ${SECRET} et mon identifiant jdupont`,
    ],
    ['Le code est 4 5 8 2, vous pouvez entrer.', `Le code est ${SECRET}, vous pouvez entrer.`],
    ['le code PIN c’est 1234', `le code PIN c’est ${SECRET}`],
    ['Le mot de passe du wifi : Chat-Noir-42.', `Le mot de passe du wifi : ${SECRET}.`],
    ['Votre code de vérification est 882 194.', `Votre code de vérification est ${SECRET}.`],
    ['mdp = azerty', `mdp = ${SECRET}`],
    ['My password is hunter2.', `My password is ${SECRET}.`],
    [
      'my password is Correct Horse Battery Staple and my login is bob',
      `my password is ${SECRET} and my login is bob`,
    ],
    ['The PIN is 0000, thanks.', `The PIN is ${SECRET}, thanks.`],
    ['PIN is 9876', `PIN is ${SECRET}`],
    ["OK so the code's 4471 then I press enter", `OK so the code's ${SECRET} then I press enter`],
    ['The verification code is: 551 203.', `The verification code is: ${SECRET}.`],
    ['the wifi code is Guest2024', `the wifi code is ${SECRET}`],
  ])('%s', (input, expected) => {
    expect(redact(input).text).toBe(expected);
  });

  it('does not fire on ordinary sentences or on postal/error codes', () => {
    for (const s of [
      'Le code postal est 38120.',
      'Quel est le problème avec votre imprimante ?',
      'J’ai oublié mon mot de passe.',
      'I forgot my password yesterday.',
      'Le code erreur est 0x80070005.',
      'The password reset email never arrived.',
    ]) {
      expect(redact(s)).toEqual({ text: s, spans: [] });
    }
  });

  it('redacts a card number given after a trigger as a card, and the rest of the clause as a secret', () => {
    const { text, spans } = redact('Le code est 4111 1111 1111 1111 bis.');
    expect(text).toBe(`Le code est ${CARD} ${SECRET}.`);
    expect(spans.map((s) => s.kind)).toEqual(['card', 'secret']);
  });
});

describe('redact: mixed', () => {
  it('finds several kinds in one text, in order, without overlaps', () => {
    const input =
      'Bonjour, ma carte est 4111 1111 1111 1111. Mon IBAN est FR76 3000 6000 0112 3456 7890 189. Et mon mot de passe est tigre77.';
    const found = findRedactions(input);
    expect(found.map((f) => f.kind)).toEqual(['card', 'iban', 'secret']);
    for (let i = 1; i < found.length; i += 1)
      expect(found[i]!.start).toBeGreaterThanOrEqual(found[i - 1]!.end);
    expect(redact(input).text).toBe(
      `Bonjour, ma carte est ${CARD}. Mon IBAN est ${IBAN}. Et mon mot de passe est ${SECRET}.`,
    );
  });

  it('is idempotent: redacting twice changes nothing more', () => {
    const once = redact('My password is hunter2 and my card 5555 5555 5555 4444.').text;
    expect(redact(once).text).toBe(once);
  });

  it('leaves an empty text empty', () => {
    expect(redact('')).toEqual({ text: '', spans: [] });
  });
});
