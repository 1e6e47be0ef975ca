import {
  applyGuards,
  collapseRepeatedPhrases,
  collapseRepeatedSegments,
  dropNonSpeech,
} from './guards';

describe('collapseRepeatedPhrases', () => {
  it('collapses a phrase looping 3+ times', () => {
    expect(collapseRepeatedPhrases('Thank you. Thank you. Thank you. Thank you.')).toBe(
      'Thank you.',
    );
    expect(
      collapseRepeatedPhrases(
        'I need help with the printer the printer the printer the printer please',
      ),
    ).toBe('I need help with the printer please');
    expect(collapseRepeatedPhrases('ok ok ok ok ok ok')).toBe('ok');
  });

  it('leaves natural repetition and normal text alone', () => {
    expect(collapseRepeatedPhrases('no, no, that is not it')).toBe('no, no, that is not it');
    expect(collapseRepeatedPhrases('the cat saw the dog')).toBe('the cat saw the dog');
  });
});

describe('collapseRepeatedSegments', () => {
  it('keeps at most two identical consecutive segments', () => {
    const seg = (i: number, text: string) => ({ startMs: i * 1000, endMs: i * 1000 + 900, text });
    const out = collapseRepeatedSegments([
      seg(0, 'Hello.'),
      seg(1, 'Thanks'),
      seg(2, 'thanks!'),
      seg(3, 'Thanks'),
      seg(4, 'Thanks'),
      seg(5, 'Bye'),
    ]);
    expect(out.map((s) => s.text)).toEqual(['Hello.', 'Thanks', 'thanks!', 'Bye']);
  });
});

describe('dropNonSpeech', () => {
  const speech = [{ startMs: 1000, endMs: 3000 }];
  it('drops segments mostly outside speech', () => {
    const out = dropNonSpeech(
      [
        { startMs: 1000, endMs: 2500, text: 'inside' },
        { startMs: 3500, endMs: 6000, text: 'in silence' },
        { startMs: 2500, endMs: 4000, text: 'a third inside' },
        { startMs: 2000, endMs: 2000, text: 'instant inside' },
        { startMs: 5000, endMs: 5000, text: 'instant outside' },
      ],
      speech,
      0.3,
    );
    expect(out.map((s) => s.text)).toEqual(['inside', 'a third inside', 'instant inside']);
  });
});

describe('applyGuards', () => {
  it('cleans loops, drops empty and non-speech segments', () => {
    const out = applyGuards(
      [
        { startMs: 0, endMs: 900, text: 'yes yes yes yes' },
        { startMs: 1000, endMs: 1500, text: '   ' },
        { startMs: 9000, endMs: 9500, text: 'ghost text' },
      ],
      [{ startMs: 0, endMs: 2000 }],
      { minSpeechRatio: 0.3 },
    );
    expect(out).toEqual([{ startMs: 0, endMs: 900, text: 'yes' }]);
  });
});
