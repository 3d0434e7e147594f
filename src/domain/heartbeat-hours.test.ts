import { describe, expect, it } from 'vitest';
import type { BusinessHours } from './business-hours.js';
import { closedSinceMark, silentFrom, watchAt } from './heartbeat-hours.js';

const MIN = 60_000;
const bh: BusinessHours = { timezone: 'Asia/Shanghai', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '20:00' };
const SH = (day: string, hhmm: string) => Date.parse(`2026-12-${day}T${hhmm}:00+08:00`);

describe('heartbeat hours', () => {
  it('always: watched at any hour, no opening', () => {
    expect(watchAt({ during: 'always', missingAfter: 30 * MIN }, bh, SH('05', '23:00'))).toEqual({ closed: false });
  });

  it('business_hours: closed outside them; inside, the day opening with its grace (default missingAfter)', () => {
    const w = { during: 'business_hours', missingAfter: 30 * MIN } as const;
    expect(watchAt(w, bh, SH('05', '20:00'))).toEqual({ closed: true });
    expect(watchAt(w, bh, SH('06', '07:59'))).toEqual({ closed: true });
    expect(watchAt(w, bh, SH('06', '08:10'))).toEqual({ closed: false, opening: { at: SH('06', '08:00'), grace: 30 * MIN } });
    expect(watchAt({ ...w, openingGrace: 45 * MIN }, bh, SH('06', '12:00'))).toEqual({ closed: false, opening: { at: SH('06', '08:00'), grace: 45 * MIN } });
    // around the clock: never closed, never opens
    expect(watchAt(w, { ...bh, start: '00:00', end: '00:00' }, SH('06', '03:00'))).toEqual({ closed: false });
  });

  it('a source last heard before the opening is silent once both the grace and missingAfter have passed', () => {
    const opening = { at: SH('06', '08:00'), grace: 30 * MIN };
    expect(silentFrom(SH('05', '19:58'), 30 * MIN, opening)).toBe(SH('06', '08:30'));
    // heard just before opening: missingAfter from then, if later than the grace
    expect(silentFrom(SH('06', '07:50'), 30 * MIN, { ...opening, grace: 10 * MIN })).toBe(SH('06', '08:20'));
    // heard since the opening: the grace no longer counts
    expect(silentFrom(SH('06', '08:05'), 30 * MIN, { ...opening, grace: 60 * MIN })).toBe(SH('06', '08:35'));
    expect(silentFrom(SH('06', '08:05'), 30 * MIN)).toBe(SH('06', '08:35'));
  });

  it('a silence marked before the last closing ended with it; one marked since, or of a source watched always, did not', () => {
    const w = { during: 'business_hours', missingAfter: 30 * MIN } as const;
    // marked at 18:30, looked at the next morning: the closing at 20:00 came between
    expect(closedSinceMark(w, bh, SH('05', '18:30'), SH('06', '10:00'))).toBe(SH('05', '20:00'));
    expect(closedSinceMark(w, bh, SH('05', '18:30'), SH('05', '22:00'))).toBe(SH('05', '20:00'));
    expect(closedSinceMark(w, bh, SH('05', '18:30'), SH('05', '19:59'))).toBeUndefined();
    expect(closedSinceMark(w, bh, SH('06', '08:30'), SH('06', '10:00'))).toBeUndefined();
    expect(closedSinceMark({ ...w, during: 'always' }, bh, SH('05', '18:30'), SH('06', '10:00'))).toBeUndefined();
    // a mark of unknown time (written before marks carried one) is never taken for stale
    expect(closedSinceMark(w, bh, 0, SH('06', '10:00'))).toBeUndefined();
  });
});
