/// <reference types="jest" />
import { formatCount, formatDuration, formatTimer } from './format';

describe('wallboard formatting', () => {
  it('formats call timers as m:ss and h:mm:ss', () => {
    expect(formatTimer(0)).toBe('0:00');
    expect(formatTimer(7.9)).toBe('0:07');
    expect(formatTimer(245)).toBe('4:05');
    expect(formatTimer(3723)).toBe('1:02:03');
    expect(formatTimer(-3)).toBe('0:00');
  });

  it('shows unmeasured figures as a dash, never as zero', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatCount(undefined)).toBe('—');
    expect(formatCount(0)).toBe('0');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(200)).toBe('3 min 20');
    expect(formatDuration(7500)).toBe('2 h 05');
  });
});
