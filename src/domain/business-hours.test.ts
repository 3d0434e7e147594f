import { describe, expect, it } from 'vitest';
import { businessEdgeAt, lastBusinessEnd, lastBusinessStart, nextBusinessEnd, nextBusinessStart, withinBusinessHours, type BusinessHours } from './business-hours.js';

const weekdays: BusinessHours = { timezone: 'America/New_York', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' };

describe('withinBusinessHours', () => {
  it('reads the local time of the configured zone, start inclusive, end exclusive', () => {
    // Monday 2026-11-23: New York is UTC-5
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-23T12:59:00Z'))).toBe(false); // 07:59
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-23T13:00:00Z'))).toBe(true); // 08:00
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-24T00:59:00Z'))).toBe(true); // 19:59
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-24T01:00:00Z'))).toBe(false); // 20:00
  });
  it('follows daylight saving time', () => {
    // Monday 2026-07-06: New York is UTC-4, so 12:30 UTC is 08:30
    expect(withinBusinessHours(weekdays, Date.parse('2026-07-06T12:30:00Z'))).toBe(true);
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-23T12:30:00Z'))).toBe(false);
  });
  it('only on the configured days, local days', () => {
    // Saturday 10:00 local
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-28T15:00:00Z'))).toBe(false);
    // Friday 19:00 local is already Saturday in UTC
    expect(withinBusinessHours(weekdays, Date.parse('2026-11-28T00:00:00Z'))).toBe(true);
  });
  it('hours past midnight belong to the day they opened', () => {
    const night: BusinessHours = { timezone: 'Asia/Shanghai', days: ['fri'], start: '22:00', end: '06:00' };
    expect(withinBusinessHours(night, Date.parse('2026-11-27T15:00:00Z'))).toBe(true); // Fri 23:00
    expect(withinBusinessHours(night, Date.parse('2026-11-27T20:00:00Z'))).toBe(true); // Sat 04:00
    expect(withinBusinessHours(night, Date.parse('2026-11-26T20:00:00Z'))).toBe(false); // Fri 04:00 (Thursday's night)
    expect(withinBusinessHours(night, Date.parse('2026-11-27T23:00:00Z'))).toBe(false); // Sat 07:00
  });
  it('equal start and end means around the clock', () => {
    const always: BusinessHours = { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' };
    expect(withinBusinessHours(always, Date.parse('2026-11-23T03:17:00Z'))).toBe(true);
  });
});

describe('nextBusinessStart', () => {
  it('the next opening on a listed day, in local time', () => {
    // Monday 07:00 New York → 08:00 the same day; Monday 09:00 → Tuesday 08:00; Friday 21:00 → Monday 08:00
    expect(nextBusinessStart(weekdays, Date.parse('2026-11-23T12:00:00Z'))).toBe(Date.parse('2026-11-23T13:00:00Z'));
    expect(nextBusinessStart(weekdays, Date.parse('2026-11-23T14:00:00Z'))).toBe(Date.parse('2026-11-24T13:00:00Z'));
    expect(nextBusinessStart(weekdays, Date.parse('2026-11-28T02:00:00Z'))).toBe(Date.parse('2026-11-30T13:00:00Z'));
  });
  it('across a daylight-saving change: Monday 9 March 2026 opens at 08:00 EDT (12:00 UTC)', () => {
    expect(nextBusinessStart(weekdays, Date.parse('2026-03-07T12:00:00Z'))).toBe(Date.parse('2026-03-09T12:00:00Z'));
  });
  it('no day listed: never', () => {
    expect(nextBusinessStart({ ...weekdays, days: [] }, Date.parse('2026-11-23T12:00:00Z'))).toBeUndefined();
  });
});

describe('nextBusinessEnd', () => {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  it('the next closing after a moment, in or out of hours, on a listed day', () => {
    // Monday 12:00 New York → 20:00 the same day (01:00Z); Monday 20:00 itself → Tuesday 20:00
    expect(iso(nextBusinessEnd(weekdays, Date.parse('2026-11-23T17:00:00Z')))).toBe('2026-11-24T01:00:00.000Z');
    expect(iso(nextBusinessEnd(weekdays, Date.parse('2026-11-24T01:00:00Z')))).toBe('2026-11-25T01:00:00.000Z');
    // Friday 21:00 → Monday 20:00
    expect(iso(nextBusinessEnd(weekdays, Date.parse('2026-11-28T02:00:00Z')))).toBe('2026-12-01T01:00:00.000Z');
  });
  it('hours past midnight close on the next morning', () => {
    const night: BusinessHours = { timezone: 'Asia/Shanghai', days: ['fri'], start: '22:00', end: '06:00' };
    // Fri 23:00 → Sat 06:00 (Fri 22:00Z); Sat 07:00 → the next Saturday 06:00
    expect(iso(nextBusinessEnd(night, Date.parse('2026-11-27T15:00:00Z')))).toBe('2026-11-27T22:00:00.000Z');
    expect(iso(nextBusinessEnd(night, Date.parse('2026-11-27T23:00:00Z')))).toBe('2026-12-04T22:00:00.000Z');
  });
  it('around the clock never closes, unless a day is left out', () => {
    const always: BusinessHours = { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' };
    expect(nextBusinessEnd(always, Date.parse('2026-11-23T03:17:00Z'))).toBeUndefined();
    expect(iso(nextBusinessEnd({ ...always, days: ['mon', 'tue', 'wed', 'thu', 'fri'] }, Date.parse('2026-11-23T03:17:00Z')))).toBe('2026-11-28T00:00:00.000Z');
    expect(nextBusinessEnd({ ...always, days: [] }, Date.parse('2026-11-23T03:17:00Z'))).toBeUndefined();
  });
});

describe('lastBusinessStart', () => {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  it('the latest opening at or before a moment, in or out of hours, on a listed day', () => {
    // Monday 08:00 New York itself; Monday 12:00 → the same morning; Monday 07:00 → the Friday before
    expect(iso(lastBusinessStart(weekdays, Date.parse('2026-11-23T13:00:00Z')))).toBe('2026-11-23T13:00:00.000Z');
    expect(iso(lastBusinessStart(weekdays, Date.parse('2026-11-23T17:00:00Z')))).toBe('2026-11-23T13:00:00.000Z');
    expect(iso(lastBusinessStart(weekdays, Date.parse('2026-11-23T12:00:00Z')))).toBe('2026-11-20T13:00:00.000Z');
  });
  it('hours past midnight opened the evening before', () => {
    const night: BusinessHours = { timezone: 'Asia/Shanghai', days: ['fri'], start: '22:00', end: '06:00' };
    // Sat 04:00 → Fri 22:00 (14:00Z)
    expect(iso(lastBusinessStart(night, Date.parse('2026-11-27T20:00:00Z')))).toBe('2026-11-27T14:00:00.000Z');
  });
  it('around the clock never opens, unless a day is left out', () => {
    const always: BusinessHours = { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' };
    expect(lastBusinessStart(always, Date.parse('2026-11-23T03:17:00Z'))).toBeUndefined();
    // Monday after a closed Sunday: it opened at Monday 00:00
    expect(iso(lastBusinessStart({ ...always, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }, Date.parse('2026-11-24T03:17:00Z')))).toBe('2026-11-23T00:00:00.000Z');
    expect(lastBusinessStart({ ...always, days: [] }, Date.parse('2026-11-23T03:17:00Z'))).toBeUndefined();
  });
});

describe('lastBusinessEnd', () => {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  it('the latest closing at or before a moment, in or out of hours, on a listed day', () => {
    // Monday 20:00 New York itself; Monday 23:00 → the same evening; Monday 12:00 and 07:00 → the Friday before
    expect(iso(lastBusinessEnd(weekdays, Date.parse('2026-11-24T01:00:00Z')))).toBe('2026-11-24T01:00:00.000Z');
    expect(iso(lastBusinessEnd(weekdays, Date.parse('2026-11-24T04:00:00Z')))).toBe('2026-11-24T01:00:00.000Z');
    expect(iso(lastBusinessEnd(weekdays, Date.parse('2026-11-23T17:00:00Z')))).toBe('2026-11-21T01:00:00.000Z');
    expect(iso(lastBusinessEnd(weekdays, Date.parse('2026-11-23T12:00:00Z')))).toBe('2026-11-21T01:00:00.000Z');
  });
  it('hours past midnight close the morning after', () => {
    const night: BusinessHours = { timezone: 'Asia/Shanghai', days: ['fri'], start: '22:00', end: '06:00' };
    // Sat 12:00 → Sat 06:00 (Fri 22:00Z)
    expect(iso(lastBusinessEnd(night, Date.parse('2026-11-28T04:00:00Z')))).toBe('2026-11-27T22:00:00.000Z');
  });
  it('around the clock never closes, unless a day is left out', () => {
    const always: BusinessHours = { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' };
    expect(lastBusinessEnd(always, Date.parse('2026-11-23T03:17:00Z'))).toBeUndefined();
    // Monday with Sunday left out: it closed at Sunday 00:00
    expect(iso(lastBusinessEnd({ ...always, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }, Date.parse('2026-11-23T03:17:00Z')))).toBe('2026-11-22T00:00:00.000Z');
    expect(lastBusinessEnd({ ...always, days: [] }, Date.parse('2026-11-23T03:17:00Z'))).toBeUndefined();
  });
});

describe('businessEdgeAt', () => {
  const windows = { opening: 15 * 60_000, closing: 15 * 60_000 };
  const ny = (hhmm: string) => Date.parse(`2026-11-23T${hhmm}:00-05:00`); // Monday, New York
  it('the first minutes after opening and the last before closing, one mechanism for both', () => {
    expect(businessEdgeAt(weekdays, ny('07:59'), windows)).toBeUndefined();
    expect(businessEdgeAt(weekdays, ny('08:00'), windows)).toEqual({ edge: 'opening', openedAt: ny('08:00') });
    expect(businessEdgeAt(weekdays, ny('08:14'), windows)).toEqual({ edge: 'opening', openedAt: ny('08:00') });
    expect(businessEdgeAt(weekdays, ny('08:15'), windows)).toBeUndefined();
    expect(businessEdgeAt(weekdays, ny('19:44'), windows)).toBeUndefined();
    expect(businessEdgeAt(weekdays, ny('19:45'), windows)).toEqual({ edge: 'closing', closesAt: ny('20:00') });
    expect(businessEdgeAt(weekdays, ny('20:00'), windows)).toBeUndefined();
  });
  it('a window of 0 is none; around the clock has no edges', () => {
    expect(businessEdgeAt(weekdays, ny('08:00'), { opening: 0, closing: 0 })).toBeUndefined();
    expect(businessEdgeAt(weekdays, ny('19:59'), { opening: 15 * 60_000, closing: 0 })).toBeUndefined();
    const always: BusinessHours = { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '08:00' };
    expect(businessEdgeAt(always, Date.parse('2026-11-23T08:05:00Z'), windows)).toBeUndefined();
  });
});
