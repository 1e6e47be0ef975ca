import {
  JobWhisperSettings,
  WHISPER_PROMPT_MAX_TOKENS,
  WhisperSettings,
  composeWhisperPrompt,
  estimateWhisperTokens,
} from './whisper';

describe('estimateWhisperTokens', () => {
  it('counts at least one token per word and per punctuation mark, more for long or accented words', () => {
    expect(estimateWhisperTokens('')).toBe(0);
    expect(estimateWhisperTokens('a b')).toBe(2);
    expect(estimateWhisperTokens('Dupont, SARL.')).toBe(3 + 2 + 2);
    expect(estimateWhisperTokens('ééééé')).toBeGreaterThan(estimateWhisperTokens('eeeee'));
  });
});

describe('composeWhisperPrompt', () => {
  it('puts the vocabulary first, as a list, then the admins’ prompt; no duplicates', () => {
    expect(
      composeWhisperPrompt({
        vocabulary: ['Marc Dupont', 'Boulangerie Dupont', 'marc dupont'],
        prompt: 'VPN, Outlook',
      }),
    ).toBe('Marc Dupont, Boulangerie Dupont. VPN, Outlook');
    expect(composeWhisperPrompt({ prompt: '  only this ' })).toBe('only this');
    expect(composeWhisperPrompt({})).toBe('');
  });

  it('stays within Whisper’s prompt, keeping the most specific terms first', () => {
    const vocabulary = Array.from({ length: 300 }, (_, i) => `Person Number${i}`);
    const out = composeWhisperPrompt({ vocabulary, prompt: 'glossary words here' });
    expect(estimateWhisperTokens(out)).toBeLessThanOrEqual(WHISPER_PROMPT_MAX_TOKENS);
    expect(out.startsWith('Person Number0, Person Number1,')).toBe(true);
    expect(out).not.toContain('Person Number299');
  });

  it('a live window keeps the end of the channel’s text after the names, at least half the budget', () => {
    const context = Array.from({ length: 400 }, (_, i) => `mot${i}`).join(' ');
    const out = composeWhisperPrompt({ vocabulary: ['Acme'], prompt: 'VPN', context });
    expect(out.startsWith('Acme. VPN mot')).toBe(true);
    expect(out.endsWith('mot399')).toBe(true);
    expect(out).not.toContain('mot0 ');
    expect(estimateWhisperTokens(out)).toBeLessThanOrEqual(WHISPER_PROMPT_MAX_TOKENS);
    // many names: the text still gets half, the names the rest
    const names = Array.from({ length: 300 }, (_, i) => `Person Number${i}`);
    const both = composeWhisperPrompt({ vocabulary: names, context });
    expect(both.startsWith('Person Number0,')).toBe(true);
    expect(both.endsWith('mot399')).toBe(true);
    const text = both.slice(both.indexOf('mot'));
    expect(estimateWhisperTokens(text)).toBeGreaterThanOrEqual(WHISPER_PROMPT_MAX_TOKENS / 2 - 2);
    expect(estimateWhisperTokens(both)).toBeLessThanOrEqual(WHISPER_PROMPT_MAX_TOKENS);
    // the text alone may use it all
    const alone = composeWhisperPrompt({ context });
    expect(estimateWhisperTokens(alone)).toBeGreaterThan(WHISPER_PROMPT_MAX_TOKENS - 3);
  });
});

describe('the settings schemas', () => {
  it('take null as "the worker’s own" and refuse unknown fields or bad values', () => {
    const none = {
      language: null,
      prompt: null,
      vad: null,
      vadSensitivity: null,
      temperatureInc: null,
      model: null,
    };
    expect(WhisperSettings.safeParse(none).success).toBe(true);
    expect(WhisperSettings.safeParse({ ...none, language: 'fr' }).success).toBe(true);
    expect(WhisperSettings.safeParse({ ...none, language: 'French' }).success).toBe(false);
    expect(WhisperSettings.safeParse({ ...none, vadSensitivity: 101 }).success).toBe(false);
    expect(WhisperSettings.safeParse({ ...none, model: '../../etc/passwd' }).success).toBe(false);
    expect(WhisperSettings.safeParse({ ...none, beam: 3 }).success).toBe(false);
  });

  it('a job’s settings are all optional, and fields a newer server adds are dropped', () => {
    // engine defaults to null (each worker's own engine), so jobs queued before it read the same
    expect(JobWhisperSettings.parse({})).toEqual({ engine: null });
    expect(JobWhisperSettings.parse({ language: 'fr', later: 1 })).toEqual({
      language: 'fr',
      engine: null,
    });
  });
});
