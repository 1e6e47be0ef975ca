import { contentRange, parseRangeHeader } from './range';

describe('parseRangeHeader', () => {
  it.each([
    [undefined, 1000, { kind: 'none' }],
    ['bytes=0-99', 1000, { kind: 'range', start: 0, end: 99 }],
    ['bytes=900-', 1000, { kind: 'range', start: 900, end: 999 }],
    ['bytes=-100', 1000, { kind: 'range', start: 900, end: 999 }],
    ['bytes=-5000', 1000, { kind: 'range', start: 0, end: 999 }],
    ['bytes=0-5000', 1000, { kind: 'range', start: 0, end: 999 }],
    ['bytes=1000-', 1000, { kind: 'unsatisfiable' }],
    ['bytes=-0', 1000, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-1', 1000, { kind: 'none' }],
    ['bytes=0-1,5-9', 1000, { kind: 'none' }],
    ['items=0-1', 1000, { kind: 'none' }],
    ['bytes=-', 1000, { kind: 'none' }],
  ])('%s of %d bytes', (header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });

  it('formats Content-Range', () => {
    expect(contentRange(1000, { start: 0, end: 99 })).toBe('bytes 0-99/1000');
    expect(contentRange(1000)).toBe('bytes */1000');
  });
});
