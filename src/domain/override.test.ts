import { describe, expect, it } from 'vitest';
import { endedInForce, inForceFrom, inForceUntil, overridingPeople, startedAsMade, type Override } from './override.js';

const o = (over: Partial<Override>): Override => ({
  id: 'o1',
  role: 'shift_lead',
  person: 'sara_lund',
  from: '2026-11-23T10:00:00Z',
  until: '2026-11-23T18:00:00Z',
  createdAt: '2026-11-23T09:00:00Z',
  ...over,
});

describe('overrides', () => {
  it('hold from `from` (inclusive) until `until` (exclusive), for their role only', () => {
    const list = [o({})];
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T09:59:59Z'))).toEqual([]);
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T10:00:00Z'))).toEqual(['sara_lund']);
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T17:59:59Z'))).toEqual(['sara_lund']);
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T18:00:00Z'))).toEqual([]);
    expect(overridingPeople(list, 'supervisor', Date.parse('2026-11-23T12:00:00Z'))).toEqual([]);
  });

  it('ended early, hold until then; ended before they held, never', () => {
    const ended = o({ endedAt: '2026-11-23T12:30:00Z' });
    expect(overridingPeople([ended], 'shift_lead', Date.parse('2026-11-23T12:29:59Z'))).toEqual(['sara_lund']);
    expect(overridingPeople([ended], 'shift_lead', Date.parse('2026-11-23T12:30:00Z'))).toEqual([]);
    expect(inForceUntil(ended)).toBe(Date.parse('2026-11-23T12:30:00Z'));
    expect(endedInForce(ended)).toBe(true);
    expect(endedInForce(o({}))).toBe(false);
    expect(endedInForce(o({ endedAt: '2026-11-23T09:30:00Z' }))).toBe(false);
  });

  it('hold from when they were made when that is later than `from`: a backdated one changes nothing before it existed', () => {
    const list = [o({ from: '2026-11-23T06:00:00Z', createdAt: '2026-11-23T09:00:00Z' })];
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T08:59:59Z'))).toEqual([]);
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T09:00:00Z'))).toEqual(['sara_lund']);
    expect(inForceFrom(list[0] as Override)).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(startedAsMade(list[0] as Override)).toBe(true);
    expect(startedAsMade(o({}))).toBe(false);
  });

  it('several overrides of one role add up, oldest first, each person once', () => {
    const list = [o({ id: 'b', person: 'tom_baker', createdAt: '2026-11-23T09:30:00Z' }), o({ id: 'a' }), o({ id: 'c', createdAt: '2026-11-23T09:45:00Z' })];
    expect(overridingPeople(list, 'shift_lead', Date.parse('2026-11-23T12:00:00Z'))).toEqual(['sara_lund', 'tom_baker']);
  });
});
