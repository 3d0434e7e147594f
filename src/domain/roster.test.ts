import { describe, expect, it } from 'vitest';
import { dutySpanAt, MIN_ROTATION_MS, nextHandover, onDutyAt, shiftInstances, type RosterSpec, type ShiftSpec } from './roster.js';
import { zonedToUtc, wallMs } from './zoned-time.js';

const H = 3_600_000;
const D = 24 * H;
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const t = (iso: string) => Date.parse(iso);

function roster(timezone: string, shifts: ShiftSpec[], role = 'shift_lead'): RosterSpec {
  return { schedules: { [role]: { timezone, shifts } } };
}

function daily(timezone: string, at: string, from: string): RosterSpec {
  return roster(timezone, [{ days: [...ALL], start: at, end: at, rotation: { people: ['ann', 'bob'], every: D, from } }]);
}

describe('zoned time', () => {
  it('maps a local time that does not exist (spring gap) forward by the gap', () => {
    expect(zonedToUtc(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin')).toBe(t('2026-03-29T01:30:00Z')); // 03:30 CEST
    expect(zonedToUtc(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York')).toBe(t('2026-03-08T07:30:00Z')); // 03:30 EDT
  });

  it('maps a local time that happens twice (autumn) to its first occurrence', () => {
    expect(zonedToUtc(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Berlin')).toBe(t('2026-10-25T00:30:00Z')); // 02:30 CEST
    expect(zonedToUtc(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York')).toBe(t('2026-11-01T05:30:00Z')); // 01:30 EDT
  });

  it('reads the wall clock on both sides of a transition', () => {
    expect(wallMs(t('2026-11-01T05:30:00Z'), 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 1, 30));
    expect(wallMs(t('2026-11-01T06:30:00Z'), 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 1, 30));
    expect(wallMs(t('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 3, 0));
  });
});

describe('onDutyAt', () => {
  it('follows the shipped example: day and night shift leads rotating weekly in Asia/Shanghai', () => {
    const r = roster('Asia/Shanghai', [
      { name: 'day', days: [...ALL], start: '08:00', end: '20:00', rotation: { people: ['lin_wei', 'ana_costa'], every: 7 * D, from: '2026-01-05T08:00:00+08:00' } },
      { name: 'night', days: [...ALL], start: '20:00', end: '08:00', rotation: { people: ['ana_costa', 'lin_wei'], every: 7 * D, from: '2026-01-05T20:00:00+08:00' } },
    ]);
    expect(onDutyAt(r, 'shift_lead', t('2026-11-23T10:00:00Z'))).toEqual(['lin_wei']); // Mon 18:00, week 46
    expect(onDutyAt(r, 'shift_lead', t('2026-11-23T13:00:00Z'))).toEqual(['ana_costa']); // Mon 21:00, night
    expect(onDutyAt(r, 'shift_lead', t('2026-11-29T23:59:00Z'))).toEqual(['ana_costa']); // Mon 07:59, Sunday's night shift, week 46
    expect(onDutyAt(r, 'shift_lead', t('2026-11-30T00:00:00Z'))).toEqual(['ana_costa']); // Mon 08:00, week 47
    expect(onDutyAt(r, 'nobody_role', t('2026-11-30T00:00:00Z'))).toEqual([]);
  });

  it('a whole-day shift hands over when its rotation turns (08:00 local), not at midnight one behind', () => {
    const shipped: RosterSpec = {
      schedules: {
        supervisor: { timezone: 'Asia/Shanghai', shifts: [{ days: [...ALL], start: '00:00', end: '00:00', rotation: { people: ['grace_okafor', 'li_qiang'], every: D, from: '2026-01-05T08:00:00+08:00' } }] },
        it_ops: { timezone: 'Asia/Shanghai', shifts: [{ days: [...ALL], start: '00:00', end: '00:00', rotation: { people: ['omar_haddad', 'zhang_min'], every: 7 * D, from: '2026-01-05T09:00:00+08:00' } }] },
      },
    };
    expect(onDutyAt(shipped, 'supervisor', t('2026-01-04T23:59:00Z'))).toEqual(['li_qiang']); // 07:59 on the first day: the turn before
    expect(onDutyAt(shipped, 'supervisor', t('2026-01-05T00:00:00Z'))).toEqual(['grace_okafor']); // 08:00: the rotation's first turn
    expect(onDutyAt(shipped, 'supervisor', t('2026-01-05T15:59:00Z'))).toEqual(['grace_okafor']); // 23:59: still hers
    expect(onDutyAt(shipped, 'supervisor', t('2026-01-05T16:00:00Z'))).toEqual(['grace_okafor']); // midnight changes nothing
    expect(onDutyAt(shipped, 'supervisor', t('2026-01-06T00:00:00Z'))).toEqual(['li_qiang']); // 08:00 next day
    expect(onDutyAt(shipped, 'supervisor', t('2026-12-05T05:00:00Z'))).toEqual(['grace_okafor']); // day 334
    expect(onDutyAt(shipped, 'it_ops', t('2026-01-05T01:00:00Z'))).toEqual(['omar_haddad']); // 09:00 on the first day
    expect(nextHandover(shipped, 'supervisor', t('2026-12-05T05:00:00Z'))).toMatchObject({ at: t('2026-12-06T00:00:00Z'), from: ['grace_okafor'], to: ['li_qiang'] });
  });

  it('honours the days of a shift (a weekday shift leaves the weekend empty)', () => {
    const r = roster('Europe/Berlin', [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', rotation: { people: ['ann'], every: 7 * D, from: '2026-01-05T09:00:00+01:00' } }]);
    expect(onDutyAt(r, 'shift_lead', t('2026-11-27T10:00:00Z'))).toEqual(['ann']); // Friday 11:00
    expect(onDutyAt(r, 'shift_lead', t('2026-11-28T10:00:00Z'))).toEqual([]); // Saturday
    expect(onDutyAt(r, 'shift_lead', t('2026-11-27T16:00:00Z'))).toEqual([]); // Friday 17:00, ended
  });

  it('lists everyone of overlapping shifts', () => {
    const r = roster('UTC', [
      { days: [...ALL], start: '08:00', end: '16:00', rotation: { people: ['ann'], every: 7 * D, from: '2026-01-05T00:00:00Z' } },
      { days: [...ALL], start: '12:00', end: '20:00', rotation: { people: ['bob'], every: 7 * D, from: '2026-01-05T00:00:00Z' } },
    ]);
    expect(onDutyAt(r, 'shift_lead', t('2026-11-23T13:00:00Z'))).toEqual(['ann', 'bob']);
  });

  it('a group holds the shift together: everyone of it at once, all day, with no handover among them', () => {
    const r = roster('Asia/Shanghai', [{ days: [...ALL], start: '00:00', end: '00:00', rotation: { people: ['sara', 'tom'], every: D, from: '2026-01-05T00:00:00Z', together: true } }], 'standby_staff');
    for (const at of ['2026-11-23T01:00:00Z', '2026-11-23T23:00:00Z', '2026-11-24T12:00:00Z']) expect(onDutyAt(r, 'standby_staff', t(at))).toEqual(['sara', 'tom']);
    expect(nextHandover(r, 'standby_staff', t('2026-11-23T01:00:00Z'))).toBeUndefined();
  });

  it('rotates backwards from `from` as well', () => {
    const r = daily('UTC', '00:00', '2026-11-23T00:00:00Z');
    expect(onDutyAt(r, 'shift_lead', t('2026-11-22T12:00:00Z'))).toEqual(['bob']);
    expect(onDutyAt(r, 'shift_lead', t('2026-11-21T12:00:00Z'))).toEqual(['ann']);
  });

  describe('DST in Europe/Berlin', () => {
    it('a daily rotation hands over at 08:00 local on both sides of the spring change', () => {
      const r = daily('Europe/Berlin', '08:00', '2026-03-25T08:00:00+01:00');
      // 28 March 08:00 CET starts bob's day (k = 3); 29 March 08:00 CEST starts ann's (k = 4), only 23 h later.
      expect(onDutyAt(r, 'shift_lead', t('2026-03-28T07:00:00Z'))).toEqual(['bob']);
      expect(onDutyAt(r, 'shift_lead', t('2026-03-29T05:59:00Z'))).toEqual(['bob']);
      expect(onDutyAt(r, 'shift_lead', t('2026-03-29T06:00:00Z'))).toEqual(['ann']);
      expect(onDutyAt(r, 'shift_lead', t('2026-03-30T06:00:00Z'))).toEqual(['bob']);
      expect(nextHandover(r, 'shift_lead', t('2026-03-28T12:00:00Z'))).toEqual({ role: 'shift_lead', at: t('2026-03-29T06:00:00Z'), from: ['bob'], to: ['ann'] });
    });

    it('a daily rotation hands over at 08:00 local on both sides of the autumn change (a 25 h day)', () => {
      const r = daily('Europe/Berlin', '08:00', '2026-10-21T08:00:00+02:00');
      expect(onDutyAt(r, 'shift_lead', t('2026-10-25T06:59:00Z'))).toEqual(['bob']); // 07:59 CET
      expect(onDutyAt(r, 'shift_lead', t('2026-10-25T07:00:00Z'))).toEqual(['ann']); // 08:00 CET
      expect(nextHandover(r, 'shift_lead', t('2026-10-24T12:00:00Z'))?.at).toBe(t('2026-10-25T07:00:00Z'));
    });

    it('a shift starting at 02:30 on the spring day starts when the clocks read 03:30, leaving no gap', () => {
      const r = roster('Europe/Berlin', [
        { name: 'night', days: [...ALL], start: '18:00', end: '02:30', rotation: { people: ['nina'], every: 7 * D, from: '2026-01-05T18:00:00+01:00' } },
        { name: 'day', days: [...ALL], start: '02:30', end: '18:00', rotation: { people: ['dan'], every: 7 * D, from: '2026-01-05T02:30:00+01:00' } },
      ]);
      expect(onDutyAt(r, 'shift_lead', t('2026-03-29T01:15:00Z'))).toEqual(['nina']); // 03:15 CEST
      expect(onDutyAt(r, 'shift_lead', t('2026-03-29T01:30:00Z'))).toEqual(['dan']); // 03:30 CEST
      for (let at = t('2026-03-28T12:00:00Z'); at < t('2026-03-30T12:00:00Z'); at += 5 * 60_000) {
        expect(onDutyAt(r, 'shift_lead', at)).toHaveLength(1);
      }
    });
  });

  describe('DST in America/New_York', () => {
    it('the 01:30 that happens twice in autumn: a shift starting then starts at the first one and is not undone by the second', () => {
      const r = roster('America/New_York', [
        { name: 'evening', days: [...ALL], start: '17:00', end: '01:30', rotation: { people: ['eve'], every: 7 * D, from: '2026-01-05T17:00:00-05:00' } },
        { name: 'rest', days: [...ALL], start: '01:30', end: '17:00', rotation: { people: ['ray'], every: 7 * D, from: '2026-01-05T01:30:00-05:00' } },
      ]);
      expect(onDutyAt(r, 'shift_lead', t('2026-11-01T05:29:00Z'))).toEqual(['eve']); // 01:29 EDT
      expect(onDutyAt(r, 'shift_lead', t('2026-11-01T05:30:00Z'))).toEqual(['ray']); // 01:30 EDT
      expect(onDutyAt(r, 'shift_lead', t('2026-11-01T06:45:00Z'))).toEqual(['ray']); // 01:45 EST, the second time
      expect(nextHandover(r, 'shift_lead', t('2026-10-31T22:00:00Z'))?.at).toBe(t('2026-11-01T05:30:00Z'));
      // The rest shift lasts 16.5 h of wall time but 16.5 + 1 h of real time that day.
      expect(nextHandover(r, 'shift_lead', t('2026-11-01T05:30:00Z'))?.at).toBe(t('2026-11-01T22:00:00Z')); // 17:00 EST
    });

    it('the 02:30 that does not exist in spring', () => {
      const r = roster('America/New_York', [{ days: [...ALL], start: '02:30', end: '02:30', rotation: { people: ['ann', 'bob'], every: D, from: '2026-03-01T02:30:00-05:00' } }]);
      // 7 March 02:30 EST (k = 6, ann) runs until the 8 March start, which the gap moves to 03:30 EDT (k = 7, bob).
      expect(onDutyAt(r, 'shift_lead', t('2026-03-08T07:15:00Z'))).toEqual(['ann']); // 03:15 EDT
      expect(onDutyAt(r, 'shift_lead', t('2026-03-08T07:30:00Z'))).toEqual(['bob']); // 03:30 EDT
      expect(onDutyAt(r, 'shift_lead', t('2026-03-09T06:30:00Z'))).toEqual(['ann']); // 02:30 EDT the next day
    });

    it('a daily rotation alternates at noon every day across both transitions', () => {
      const r = daily('America/New_York', '00:00', '2026-01-01T00:00:00-05:00');
      for (const [first, days] of [
        [Date.UTC(2026, 2, 1), 14],
        [Date.UTC(2026, 9, 25), 14],
      ] as const) {
        let previous: string | undefined;
        for (let i = 0; i < days; i++) {
          const noon = zonedToUtc(first + i * D + 12 * H, 'America/New_York');
          const [who] = onDutyAt(r, 'shift_lead', noon);
          expect(who).toBeDefined();
          expect(who).not.toBe(previous);
          previous = who;
          // and the handover is at local midnight, whatever the length of the day
          const h = nextHandover(r, 'shift_lead', noon);
          expect(h && wallMs(h.at, 'America/New_York')).toBe(first + (i + 1) * D);
        }
      }
    });
  });
});

describe('nextHandover', () => {
  it('is undefined when nobody ever changes', () => {
    const r = roster('Asia/Shanghai', [{ days: [...ALL], start: '00:00', end: '00:00', rotation: { people: ['wang_fang'], every: 7 * D, from: '2026-01-05T00:00:00Z' } }]);
    expect(nextHandover(r, 'shift_lead', t('2026-11-23T10:00:00Z'))).toBeUndefined();
  });

  it('reports the end of coverage as a handover to nobody', () => {
    const r = roster('UTC', [{ days: ['mon'], start: '09:00', end: '17:00', rotation: { people: ['ann'], every: 7 * D, from: '2026-01-05T09:00:00Z' } }]);
    expect(nextHandover(r, 'shift_lead', t('2026-11-23T10:00:00Z'))).toEqual({ role: 'shift_lead', at: t('2026-11-23T17:00:00Z'), from: ['ann'], to: [] });
    expect(nextHandover(r, 'shift_lead', t('2026-11-23T17:00:00Z'))?.at).toBe(t('2026-11-30T09:00:00Z'));
  });
});

describe('dutySpanAt', () => {
  const rosters: Record<string, RosterSpec> = {
    'daily at 08:00, Berlin': daily('Europe/Berlin', '08:00', '2026-03-25T08:00:00+01:00'),
    'night and day, Berlin': roster('Europe/Berlin', [
      { name: 'night', days: [...ALL], start: '18:00', end: '02:30', rotation: { people: ['nina', 'nick'], every: 2 * D, from: '2026-01-05T18:00:00+01:00' } },
      { name: 'day', days: [...ALL], start: '02:30', end: '18:00', rotation: { people: ['dan'], every: 7 * D, from: '2026-01-05T02:30:00+01:00' } },
    ]),
    'weekdays with a gap and an overlap, New York': roster('America/New_York', [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:30', rotation: { people: ['ann', 'bob'], every: D, from: '2026-01-05T09:00:00-05:00' } },
      { days: ['mon', 'wed', 'fri'], start: '17:00', end: '01:30', rotation: { people: ['eve'], every: 7 * D, from: '2026-01-05T17:00:00-05:00' } },
    ]),
  };

  for (const [name, r] of Object.entries(rosters)) {
    it(`answers as onDutyAt everywhere in the span it gives (${name}, across both DST changes)`, () => {
      for (const [first, last] of [
        [t('2026-03-05T00:00:00Z'), t('2026-03-31T00:00:00Z')],
        [t('2026-10-22T00:00:00Z'), t('2026-11-04T00:00:00Z')],
      ] as const) {
        let spans = 0;
        for (let at = first; at < last; at += 37 * 60_000) {
          const s = dutySpanAt(r, 'shift_lead', at);
          expect(s.people).toEqual(onDutyAt(r, 'shift_lead', at));
          expect(s.from).toBeLessThanOrEqual(at);
          expect(s.until).toBeGreaterThan(at);
          for (const x of [s.from, s.until - 1, Math.floor((s.from + s.until) / 2), Math.floor(s.from + (s.until - s.from) * 0.9)]) {
            expect(onDutyAt(r, 'shift_lead', x), `${name}: ${new Date(x).toISOString()} in the span of ${new Date(at).toISOString()}`).toEqual(s.people);
          }
          spans++;
        }
        expect(spans).toBeGreaterThan(100);
      }
    });
  }

  it('runs from the last handover to the next; a role nobody is scheduled for is empty for ever', () => {
    const r = rosters['daily at 08:00, Berlin'] as RosterSpec;
    expect(dutySpanAt(r, 'shift_lead', t('2026-03-28T12:00:00Z'))).toEqual({ people: ['bob'], from: t('2026-03-28T07:00:00Z'), until: t('2026-03-29T06:00:00Z') });
    expect(dutySpanAt(r, 'nobody', 0)).toEqual({ people: [], from: Number.NEGATIVE_INFINITY, until: Number.POSITIVE_INFINITY });
  });
});

describe('rotation steps', () => {
  const every = (ms: number) => roster('UTC', [{ days: [...ALL], start: '00:00', end: '00:00', rotation: { people: ['ann', 'bob'], every: ms, from: '2026-01-05T00:00:00Z' } }]);

  it('hands over at most once per 15 minutes: the turns of a shift are counted, not stepped through one by one', () => {
    const r = every(MIN_ROTATION_MS);
    const parts = shiftInstances(r.schedules.shift_lead!, t('2026-03-10T00:00:00Z'), t('2026-03-11T00:00:00Z'));
    expect(parts.filter((p) => p.start >= t('2026-03-10T00:00:00Z') && p.start < t('2026-03-11T00:00:00Z'))).toHaveLength(96);
    expect(onDutyAt(r, 'shift_lead', t('2026-03-10T00:20:00Z'))).toEqual(onDutyAt(r, 'shift_lead', t('2026-03-10T00:05:00Z')).includes('ann') ? ['bob'] : ['ann']);
    expect(nextHandover(r, 'shift_lead', t('2026-03-10T00:05:00Z'))?.at).toBe(t('2026-03-10T00:15:00Z'));
  });

  it('refuses a step under 15 minutes (roster.yaml does too) instead of cutting a shift into millions of turns', () => {
    for (const ms of [60_000, 1, 0]) {
      expect(() => onDutyAt(every(ms), 'shift_lead', t('2026-03-10T12:00:00Z'))).toThrow(/must be at least 15 minutes/);
      expect(() => nextHandover(every(ms), 'shift_lead', t('2026-03-10T12:00:00Z'))).toThrow(RangeError);
    }
    // one person, or a group together, never turns: any step will do
    const single = roster('UTC', [{ days: [...ALL], start: '00:00', end: '00:00', rotation: { people: ['ann'], every: 1, from: '2026-01-05T00:00:00Z' } }]);
    expect(onDutyAt(single, 'shift_lead', t('2026-03-10T12:00:00Z'))).toEqual(['ann']);
  });
});
