/**
 * whisper.cpp's tokens are bytes, and the binding (@fugood/whisper.node) turns each segment's bytes
 * into a string on its own, so a character whose bytes straddle two segments arrives as U+FFFD at
 * the end of one and the start of the next; bytes that never form a character arrive as U+FFFD
 * too. The binding also decodes the whole output at once (`result`), where a straddling character
 * is whole. From both, each segment's text: a straddling character carried over to the segment
 * where it ends, no U+FFFD, and the count of byte sequences that never formed a character.
 */
const REPLACEMENT = '\uFFFD';

export interface RepairedSegments {
  texts: string[];
  /** Invalid byte sequences dropped (each one U+FFFD in the binding's whole text). */
  invalidDropped: number;
}

function countReplacements(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === REPLACEMENT) n++;
  return n;
}

const withoutReplacements = (s: string) => s.split(REPLACEMENT).join('');

/** Segments' texts without U+FFFD, when they cannot be lined up with the whole text. */
function dropOnly(pieces: string[]): RepairedSegments {
  return {
    texts: pieces.map(withoutReplacements),
    invalidDropped: pieces.reduce((n, p) => n + countReplacements(p), 0),
  };
}

export function repairSegmentTexts(whole: string, pieces: string[]): RepairedSegments {
  if (!whole.includes(REPLACEMENT) && !pieces.some((p) => p.includes(REPLACEMENT)))
    return { texts: pieces.slice(), invalidDropped: 0 };
  const texts = pieces.map(() => '');
  let invalidDropped = 0;
  let at = 0; // position in `whole`
  // U+FFFDs of the segments since the last core: how many characters the gap in `whole` may hold
  let slack = 0;
  let lastWithCore = -1;
  // whole[at, gapEnd): what the segments showed as U+FFFD around a boundary; its characters go to
  // the segment where they end, its U+FFFDs are invalid bytes
  const takeGap = (gapEnd: number): string => {
    const gap = whole.slice(at, gapEnd);
    invalidDropped += countReplacements(gap);
    return withoutReplacements(gap);
  };
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    let a = 0;
    while (a < piece.length && piece[a] === REPLACEMENT) a++;
    let b = piece.length;
    while (b > a && piece[b - 1] === REPLACEMENT) b--;
    const core = piece.slice(a, b);
    slack += a;
    if (!core) continue;
    // the core decodes the same in both (UTF-8 resynchronises); of its places within the gap's
    // bound, the last (the gap holds only what straddled)
    let found = -1;
    for (let q = Math.min(whole.length - core.length, at + slack); q >= at; q--) {
      if (whole.startsWith(core, q)) {
        found = q;
        break;
      }
    }
    if (found < 0) return dropOnly(pieces);
    const carried = takeGap(found);
    invalidDropped += countReplacements(core);
    texts[i] = carried + withoutReplacements(core);
    at = found + core.length;
    slack = piece.length - b;
    lastWithCore = i;
  }
  const rest = takeGap(whole.length);
  if (rest) {
    // a character completed only after the last segment with text: nowhere else to put it
    const last = lastWithCore >= 0 ? lastWithCore : pieces.length - 1;
    if (last >= 0) texts[last] += rest;
  }
  return { texts, invalidDropped };
}
