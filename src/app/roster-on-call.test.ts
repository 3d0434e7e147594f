import { describe, expect, it } from 'vitest';
import type { RosterConfig } from '../config/schema.js';
import type { Override } from '../domain/override.js';
import { RosterOnCall } from './roster-on-call.js';

const D = 86_400_000;
const t = (iso: string) => Date.parse(iso);
const person = (name: string) => ({ name, phone: '+15550000000', email: `${name}@example.test`, locale: 'en', timezone: 'UTC', channels: undefined });

/** Ann and Bob hand over every day at 08:00 UTC; Cy exists for overrides. */
const roster = {
  people: { ann: person('Ann'), bob: person('Bob'), cy: person('Cy') },
  schedules: {
    shift_lead: { timezone: 'UTC', shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '08:00', rotation: { people: ['ann', 'bob'], every: D, from: '2026-12-01T08:00:00Z' } }] },
  },
} as unknown as RosterConfig;

describe('RosterOnCall', () => {
  it('answers the same time from the schedule once worked out, a new time anew, and an override at once', async () => {
    const overrides: Override[] = [];
    const onCall = new RosterOnCall(roster, { list: (now) => Promise.resolve(overrides.filter((o) => Date.parse(o.until) > now)) });
    const before = t('2026-12-04T07:59:59Z');
    const ids = async (at: number) => (await onCall.resolve('shift_lead', at)).people.map((p) => p.id);

    expect(await ids(before)).toEqual(['ann']);
    expect(await ids(before)).toEqual(['ann']);
    expect(await ids(before + 1000)).toEqual(['bob']); // 08:00:00: handed over
    expect(await ids(before)).toEqual(['ann']); // asked again for the earlier time: not the later answer

    // an override added between two questions at the same time wins the second
    overrides.push({ id: 'o1', role: 'shift_lead', person: 'cy', from: '2026-12-04T00:00:00Z', until: '2026-12-05T00:00:00Z', createdAt: '2026-12-03T00:00:00Z' });
    expect(await onCall.resolve('shift_lead', before)).toMatchObject({ source: 'override', people: [{ id: 'cy' }] });
    expect(await onCall.resolve('no_such_role', before)).toMatchObject({ people: [], source: 'schedule' });
  });
});
