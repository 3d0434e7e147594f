import { describe, expect, it } from 'vitest';
import { formatDuration, parseBytes, parseDuration, parseDurationOrSeconds } from './durations.js';

describe('durations', () => {
  it('parses the units config files use', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('3d')).toBe(259_200_000);
    expect(parseDuration('0')).toBe(0);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', '5', 'm5', '5 minutes', '1h 30m', '-5m', '5x']) expect(parseDuration(bad), bad).toBeUndefined();
  });
  it('reads a bare number as seconds where a duration may be written so (config files, the CLI)', () => {
    expect(parseDurationOrSeconds('5')).toBe(5_000);
    expect(parseDurationOrSeconds(' 0.25 ')).toBe(250);
    expect(parseDurationOrSeconds('0')).toBe(0);
    expect(parseDurationOrSeconds('1m30s')).toBe(90_000);
    for (const bad of ['', '-5', '5 s', '.5', 'five']) expect(parseDurationOrSeconds(bad), bad).toBeUndefined();
  });
  it('formats back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
  it('parses sizes', () => {
    expect(parseBytes('1mb')).toBe(1_048_576);
    expect(parseBytes('512kb')).toBe(524_288);
    expect(parseBytes(100)).toBe(100);
    expect(parseBytes('lots')).toBeUndefined();
  });
});
