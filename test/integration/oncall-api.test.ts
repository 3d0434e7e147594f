/** On-call through HTTP with real Redis: who holds each role, temporary overrides that always end. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startTestApp, type TestApp } from '../support/app.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('on-call and overrides API', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(); // clock: Monday 2026-11-23 10:00Z = 18:00 in Asia/Shanghai
  });
  afterEach(async () => {
    await app.stop();
  });

  const holder = (body: any, role: string) => body.roles.find((r: any) => r.role === role);

  it('GET /api/oncall names who holds every paged role now and at a given time', async () => {
    const now = await app.request('GET', '/api/oncall');
    expect(now.status).toBe(200);
    expect(now.body.at).toBe('2026-11-23T10:00:00.000Z');
    expect(holder(now.body, 'shift_lead')).toEqual({ role: 'shift_lead', name: 'Duty team lead', source: 'schedule', people: [{ id: 'lin_wei', name: 'Lin Wei' }] });
    // the supervisors rotate daily at 08:00 Shanghai time, counted from Monday 5 January: day 322 is Grace Okafor's
    expect(holder(now.body, 'supervisor').people).toEqual([{ id: 'grace_okafor', name: 'Grace Okafor' }]);
    expect(now.body.roles.map((r: any) => r.role)).not.toContain('agent');
    expect(now.body.gaps).toEqual([]);

    const night = await app.request('GET', `/api/oncall?at=${encodeURIComponent('2026-11-23T21:00:00+08:00')}`);
    expect(holder(night.body, 'shift_lead').people).toEqual([{ id: 'ana_costa', name: 'Ana Costa' }]);

    expect((await app.request('GET', '/api/oncall?at=yesterday')).status).toBe(422);
  });

  it('an override wins over the schedule until it ends, then the schedule holds again and the record is gone', async () => {
    const now = app.clock.now();
    const created = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'sara_lund', until: iso(now + 120 * MIN), reason: 'Lin Wei at the dentist' });
    expect(created.status).toBe(201);
    expect(typeof created.body.id).toBe('string');

    const during = await app.request('GET', '/api/oncall');
    expect(holder(during.body, 'shift_lead')).toMatchObject({ source: 'override', people: [{ id: 'sara_lund', name: 'Sara Lund' }] });
    const resolved = await app.container.oncall.resolve('shift_lead', now);
    expect(resolved.people).toEqual([expect.objectContaining({ id: 'sara_lund', phone: '+15555550112', channels: ['sms'] })]);
    expect(holder(during.body, 'supervisor').source).toBe('schedule');

    const listed = await app.request('GET', '/api/overrides');
    expect(listed.body.overrides).toEqual([
      expect.objectContaining({ id: created.body.id, role: 'shift_lead', person: 'sara_lund', from: iso(now), until: iso(now + 120 * MIN), reason: 'Lin Wei at the dentist' }),
    ]);

    // Always expiring: the Redis keys carry a TTL.
    const keys = await app.container.redis.keys(`${app.prefix}*overrides*`);
    expect(keys.length).toBe(2);
    for (const k of keys) expect(await app.container.redis.pttl(k)).toBeGreaterThan(0);

    app.clock.advance(120 * MIN); // 12:00Z = 20:00 local: the night lead's shift
    expect((await app.request('GET', '/api/overrides')).body.overrides).toEqual([]);
    const after = await app.request('GET', '/api/oncall');
    expect(holder(after.body, 'shift_lead')).toMatchObject({ source: 'schedule', people: [{ id: 'ana_costa', name: 'Ana Costa' }] });
  });

  it('an override can start later, and can be deleted', async () => {
    const now = app.clock.now();
    const created = await app.request('POST', '/api/overrides', { role: 'supervisor', person: 'li_qiang', from: iso(now + 60 * MIN), until: iso(now + 180 * MIN) });
    expect(created.status).toBe(201);
    expect((await app.container.oncall.resolve('supervisor', now)).people.map((p) => p.id)).toEqual(['grace_okafor']);
    expect((await app.container.oncall.resolve('supervisor', now + 90 * MIN)).people.map((p) => p.id)).toEqual(['li_qiang']);

    expect((await app.request('DELETE', `/api/overrides/${created.body.id}`)).status).toBe(204);
    expect((await app.container.oncall.resolve('supervisor', now + 90 * MIN)).people.map((p) => p.id)).toEqual(['grace_okafor']);
    const again = await app.request('DELETE', `/api/overrides/${created.body.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('TOCSIN_ERR_NOT_FOUND');
  });

  it('GET /api/overrides/:id gives one override as JSON, also one ended early; 404 for one unknown or over', async () => {
    const now = app.clock.now();
    const created = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'sara_lund', until: iso(now + 120 * MIN), reason: 'Lin Wei at the dentist' });
    const one = await app.request('GET', `/api/overrides/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(created.body.override);
    expect(one.body).toMatchObject({ id: created.body.id, role: 'shift_lead', person: 'sara_lund', from: iso(now), until: iso(now + 120 * MIN), reason: 'Lin Wei at the dentist' });
    expect((await app.request('GET', `/api/overrides/${created.body.id}?full=1`)).status).toBe(422);

    const unknown = await app.request('GET', '/api/overrides/01K0000000000000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('TOCSIN_ERR_NOT_FOUND');

    app.clock.advance(30 * MIN);
    expect((await app.request('DELETE', `/api/overrides/${created.body.id}`)).status).toBe(204);
    const ended = await app.request('GET', `/api/overrides/${created.body.id}`);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id: created.body.id, endedAt: iso(now + 30 * MIN) });

    app.clock.advance(90 * MIN);
    expect((await app.request('GET', `/api/overrides/${created.body.id}`)).status).toBe(404);
  });

  it('rejects overrides that name nobody known, never end, or end too far ahead', async () => {
    const now = app.clock.now();
    const post = (body: unknown) => app.request('POST', '/api/overrides', body);
    const unknownPerson = await post({ role: 'shift_lead', person: 'nobody', until: iso(now + MIN) });
    expect(unknownPerson.status).toBe(422);
    expect(unknownPerson.body.error.message).toContain('unknown person "nobody"');
    expect((await post({ role: 'no_such_role', person: 'lin_wei', until: iso(now + MIN) })).status).toBe(422);
    expect((await post({ role: 'shift_lead', person: 'lin_wei' })).status).toBe(422); // until is required
    expect((await post({ role: 'shift_lead', person: 'lin_wei', until: iso(now + 8 * 24 * 60 * MIN) })).status).toBe(422);
    expect((await post({ role: 'shift_lead', person: 'lin_wei', until: iso(now - MIN) })).status).toBe(422);
    expect((await post({ role: 'shift_lead', person: 'lin_wei', from: iso(now + 2 * MIN), until: iso(now + MIN) })).status).toBe(422);
    expect((await post({ role: 'shift_lead', person: 'lin_wei', until: iso(now + MIN), colour: 'red' })).status).toBe(422);
    expect((await app.request('GET', '/api/overrides')).body.overrides).toEqual([]);
  });
});

describe('on-call gaps', () => {
  it('a role with nobody on duty is listed as a gap, and OnCall resolves it to nobody', async () => {
    const base = loadConfig('config');
    const weekdays = { timezone: 'Asia/Shanghai', shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[], start: '09:00', end: '17:00', rotation: { people: ['grace_okafor'], every: 7 * 24 * 60 * MIN, from: '2026-01-05T09:00:00+08:00' } }] };
    const config: Config = { ...base, roster: { ...base.roster, schedules: { ...base.roster.schedules, supervisor: weekdays } } };
    const app = await startTestApp({ config }); // Monday 18:00 in Shanghai: the supervisor went home at 17:00
    try {
      const r = await app.request('GET', '/api/oncall');
      expect(r.body.gaps).toEqual(['supervisor']);
      expect(r.body.roles.find((x: any) => x.role === 'supervisor').people).toEqual([]);
      expect((await app.container.oncall.resolve('supervisor', app.clock.now())).people).toEqual([]);
      const morning = await app.request('GET', `/api/oncall?at=${encodeURIComponent('2026-11-24T10:00:00+08:00')}`);
      expect(morning.body.gaps).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
