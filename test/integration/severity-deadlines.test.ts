/**
 * The severity table's deadlines, run by the whole engine (real Redis, log-mode channels, a manual
 * clock): a critical (level 5) incident's roles are all told within 10 minutes, those already paged
 * not again; a major (level 3) incident unsolved for 30 minutes reminds its roles of the written
 * report upward, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';

const T0 = Date.parse('2026-11-23T18:00:00Z'); // 02:00 in Shanghai
const MIN = 60_000;
let app: TestApp;

beforeEach(async () => {
  app = await startTestApp({ clock: new ManualClock(T0) });
});
afterEach(async () => {
  await app.stop();
});

async function at(ms: number): Promise<void> {
  app.clock.set(T0 + ms);
  await app.container.engine.tick(T0 + ms);
  await app.container.engine.idle();
}

async function notifications(id: string): Promise<{ role: string; person: string; phase: string; stepKey: string }[]> {
  const r = await app.request('GET', `/api/incidents/${id}`);
  expect(r.status).toBe(200);
  return r.body.notifications;
}

describe('severity deadlines', () => {
  it('a fire reported at level 5 and acknowledged at once: by T+10m IT ops and the director are told, the supervisor not twice', async () => {
    const r = await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'smoke in hall B', level: 5, labels: { kind: 'fire' } });
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    await app.container.engine.idle();
    const first = await notifications(id);
    expect(new Set(first.map((n) => n.role))).toEqual(new Set(['supervisor', 'center_manager']));
    expect((await app.request('POST', `/api/incidents/${id}/ack`, { by: 'grace_okafor' })).status).toBe(200);
    await at(9 * MIN);
    expect(await notifications(id)).toHaveLength(first.length); // acknowledged: no director at T+2m, nothing else yet

    await at(10 * MIN);
    const told = (await notifications(id)).filter((n) => n.stepKey === 'w5');
    expect([...new Set(told.map((n) => n.role))].sort()).toEqual(['director', 'it_ops']); // by phone, and by e-mail too at level 5
    expect(told.every((n) => n.phase === 'escalation')).toBe(true);
    await at(11 * MIN);
    expect((await notifications(id)).filter((n) => n.stepKey === 'w5')).toHaveLength(told.length);
  });

  it('a network failure reported at level 3, unsolved at T+30m: the roles it paged are reminded of the written report upward, once', async () => {
    const r = await app.request('POST', '/api/incidents', { class: 'network_infosys', site: 'hq', summary: 'core switch down', level: 3 });
    const id = r.body.id as string;
    await app.container.engine.idle();
    await at(29 * MIN);
    expect((await notifications(id)).some((n) => n.stepKey === 'o3')).toBe(false);
    await at(30 * MIN);
    const all = await notifications(id);
    const reminded = all.filter((n) => n.stepKey === 'o3');
    // IT operations, paged at T+0; not the supervisor, whom nothing paged for this incident
    expect(reminded.map((n) => n.role).sort()).toEqual(['it_ops']);
    expect(reminded.every((n) => n.phase === 'reminder')).toBe(true);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.level).toBe(3);
    await at(31 * MIN);
    expect((await notifications(id)).filter((n) => n.stepKey === 'o3')).toHaveLength(reminded.length);
  });
});
