import { describe, expect, it } from 'vitest';
import { wallMs } from './zoned-time.js';

/** The wall reading as Intl gives it, field by field (what wallMs remembers offsets of). */
function intlWall(at: number, tz: string): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const p: Record<string, number> = Object.fromEntries(f.formatToParts(at).filter((x) => x.type !== 'literal').map((x) => [x.type, Number(x.value)]));
  const n = (k: string) => p[k] ?? Number.NaN;
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second')) + (at - Math.floor(at / 1000) * 1000);
}

describe('wallMs', () => {
  it('agrees with Intl at every minute around the 2026 offset changes, in zones with hour, half-hour and odd offsets', () => {
    const around: [string, string][] = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Europe/London', '2026-03-29T01:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'], // half-hour change
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
      ['America/St_Johns', '2026-03-08T05:30:00Z'], // −3:30 → −2:30
      ['Asia/Kathmandu', '2026-06-01T00:00:00Z'], // +5:45, no change
      ['Asia/Shanghai', '2026-12-05T12:00:00Z'],
    ];
    for (const [tz, iso] of around) {
      const t = Date.parse(iso);
      for (let at = t - 2 * 3_600_000; at <= t + 2 * 3_600_000; at += 60_000) {
        for (const ms of [at, at + 59_999, at + 1_234]) expect(wallMs(ms, tz), `${tz} ${new Date(ms).toISOString()}`).toBe(intlWall(ms, tz));
      }
    }
  });

  it('agrees with Intl in a year before standard time zones, when offsets were local mean time', () => {
    // Amsterdam kept +0:19:32 until 1937; Shanghai's LMT +8:05:43 until 1901
    for (const [tz, iso] of [['Europe/Amsterdam', '1937-06-30T22:00:00Z'], ['Asia/Shanghai', '1900-12-31T15:00:00Z']] as const) {
      const t = Date.parse(iso);
      for (let at = t - 3_600_000; at <= t + 3_600_000; at += 37_000) expect(wallMs(at, tz), `${tz} ${new Date(at).toISOString()}`).toBe(intlWall(at, tz));
    }
  });
});
