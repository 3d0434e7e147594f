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

  it('reads overrides once for questions asked together at one time, and anew after that read came back', async () => {
    let reads = 0;
    const onCall = new RosterOnCall(roster, {
      list: async () => {
        reads++;
        await new Promise((r) => setTimeout(r, 5));
        return [];
      },
    });
    const at = t('2026-12-04T12:00:00Z');
    const batch = await Promise.all(Array.from({ length: 50 }, () => onCall.resolve('shift_lead', at)));
    expect(batch.every((r) => r.people[0]?.id === 'bob')).toBe(true);
    expect(reads).toBe(1);
    await Promise.all([onCall.resolve('shift_lead', at), onCall.resolve('shift_lead', at + 1)]);
    expect(reads).toBe(3); // after the first read came back, and for another time

    let fail = true;
    const flaky = new RosterOnCall(roster, { list: () => (fail ? Promise.reject(new Error('redis down')) : Promise.resolve([])) });
    await expect(flaky.resolve('shift_lead', at)).rejects.toThrow('redis down');
    fail = false;
    expect((await flaky.resolve('shift_lead', at)).people.map((p) => p.id)).toEqual(['bob']); // a failed read is not kept
  });
});
