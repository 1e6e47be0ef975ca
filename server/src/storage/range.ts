/**
 * HTTP Range helpers for the audio route (RFC 9110 §14): a single byte range only; a multi-range
 * or malformed header is ignored (the full body is sent with 200), as the RFC allows.
 */

export type RangeResult =
  { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseRangeHeader(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  const a = m[1] === '' ? undefined : Number(m[1]);
  const b = m[2] === '' ? undefined : Number(m[2]);
  if (
    (a !== undefined && !Number.isSafeInteger(a)) ||
    (b !== undefined && !Number.isSafeInteger(b))
  ) {
    return { kind: 'none' };
  }
  if (a === undefined) {
    // Suffix range: the last b bytes.
    if (b === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - b!), end: size - 1 };
  }
  if (b !== undefined && b < a) return { kind: 'none' };
  if (a >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start: a, end: Math.min(b ?? size - 1, size - 1) };
}

/** `Content-Range` value for a 206 (`bytes 0-99/1000`) or a 416 (`bytes *\/1000`). */
export function contentRange(size: number, range?: { start: number; end: number }): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
