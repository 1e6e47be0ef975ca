/**
 * Segment texts as the binding gives them: each segment's bytes decoded on its own, and the whole
 * output decoded once (both with the WHATWG UTF-8 decoder, as V8 does: one U+FFFD per invalid
 * sequence). French text split inside its multi-byte characters, and bytes that never form one.
 */
import { repairSegmentTexts } from './utf8';

const decode = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

/** The bytes cut at the given byte offsets, as the binding hands them over. */
function asBinding(bytes: Buffer, cuts: number[]): { whole: string; pieces: string[] } {
  const bounds = [0, ...cuts, bytes.length];
  const pieces = bounds.slice(1).map((end, i) => decode(bytes.subarray(bounds[i], end)));
  return { whole: decode(bytes), pieces };
}

/** Byte offset just inside the n-th occurrence of a multi-byte character (after its first byte). */
function inside(bytes: Buffer, char: string, nth = 0): number {
  const enc = Buffer.from(char, 'utf8');
  let at = -1;
  for (let i = 0; i <= nth; i++) at = bytes.indexOf(enc, at + 1);
  if (at < 0) throw new Error(`no ${char}`);
  return at + 1;
}

describe('segment text from the binding (UTF-8 repair)', () => {
  it('leaves valid text alone', () => {
    expect(repairSegmentTexts(' Bonjour à tous', [' Bonjour', ' à tous'])).toEqual({
      texts: [' Bonjour', ' à tous'],
      invalidDropped: 0,
    });
  });

  it('carries a French character split between two segments over to the next one', () => {
    const text = " J'ai un problème avec l'imprimante du deuxième étage, ça bloque à côté";
    const bytes = Buffer.from(text, 'utf8');
    const cuts = [
      inside(bytes, 'è'),
      inside(bytes, 'è', 1),
      inside(bytes, 'ç'),
      inside(bytes, 'ô'),
    ];
    const b = asBinding(bytes, cuts);
    expect(b.pieces.join('')).toContain('\uFFFD'); // what the popup showed
    const r = repairSegmentTexts(b.whole, b.pieces);
    expect(r.invalidDropped).toBe(0);
    expect(r.texts.join('')).toBe(text);
    expect(r.texts[0]).toBe(" J'ai un probl");
    expect(r.texts[1]).toBe("ème avec l'imprimante du deuxi");
    expect(r.texts[2]).toBe('ème étage, ');
    expect(r.texts[3]).toBe('ça bloque à c');
    expect(r.texts[4]).toBe('ôté');
  });

  it('carries a 3- and a 4-byte character split over several segments', () => {
    const text = ' Le devis : 120 € 👍 merci';
    const bytes = Buffer.from(text, 'utf8');
    const euro = bytes.indexOf(Buffer.from('€'));
    const thumb = bytes.indexOf(Buffer.from('👍'));
    // € cut after its first and second byte (a middle segment of one byte); 👍 after its third
    const b = asBinding(bytes, [euro + 1, euro + 2, thumb + 3]);
    const r = repairSegmentTexts(b.whole, b.pieces);
    expect(r).toEqual({
      texts: [' Le devis : 120 ', '', '€ ', '👍 merci'],
      invalidDropped: 0,
    });
  });

  it('drops and counts bytes that never form a character', () => {
    // "buka", a lone lead byte, " dobo": what the generated model wrote; a lone continuation
    // byte; an incomplete sequence at the very end
    const bytes = Buffer.concat([
      Buffer.from(' buka'),
      Buffer.from([0xc3]),
      Buffer.from(' dobo'),
      Buffer.from(' tr'),
      Buffer.from([0xa9]),
      Buffer.from('s fin'),
      Buffer.from([0xe2, 0x82]),
    ]);
    const b = asBinding(bytes, [6, 11, 14]);
    expect(b.pieces[0]).toBe(' buka\uFFFD');
    const r = repairSegmentTexts(b.whole, b.pieces);
    expect(r.texts).toEqual([' buka', ' dobo', ' tr', 's fin']);
    expect(r.invalidDropped).toBe(3);
    expect(r.texts.join('')).not.toContain('\uFFFD');
  });

  it('counts invalid bytes at a boundary once, and keeps a character formed there', () => {
    // segment 1 ends with a lone lead byte that the next segment does not continue; segment 2
    // ends with the first byte of é, segment 3 starts with its second
    const bytes = Buffer.concat([
      Buffer.from(' zepi'),
      Buffer.from([0xc3]),
      Buffer.from('fa caf'),
      Buffer.from([0xc3]),
      Buffer.from([0xa9]),
      Buffer.from(' noir'),
    ]);
    const b = asBinding(bytes, [6, 13]);
    const r = repairSegmentTexts(b.whole, b.pieces);
    expect(r).toEqual({ texts: [' zepi', 'fa caf', 'é noir'], invalidDropped: 1 });
  });

  it('still removes U+FFFD when the whole text does not line up with the segments', () => {
    expect(repairSegmentTexts('something else', [' a\uFFFDb', '\uFFFD'])).toEqual({
      texts: [' ab', ''],
      invalidDropped: 2,
    });
  });
});
