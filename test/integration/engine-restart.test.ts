/** A daemon restart in the middle of an escalation resumes it where it stood: no tier repeated, none skipped, no page lost. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { RedisEscalationQueue } from '../../src/store/escalation-queue.js';
import { makeKeys } from '../../src/store/keys.js';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { deleteByPrefix, randomPrefix } from '../support/redis.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const apps: TestApp[] = [];
let prefix = '';

afterEach(async () => {
  for (const a of apps.splice(0)) await a.stop({ keep: true });
  await deleteByPrefix(prefix);
});

async function start(at: number): Promise<TestApp> {
  const app = await startTestApp({ prefix, clock: new ManualClock(at) });
  apps.push(app);
  return app;
}

function pageKeys(inc: any): string[] {
  return (inc.notifications as any[]).map((n) => `${n.phase}/${n.tier}/${n.role}/${n.person}/${n.channel}`);
}

describe('engine restart', () => {
  it('resumes an app_network_acd escalation after a restart: every tier once, none skipped', async () => {
    prefix = randomPrefix();
    const first = await start(T0);
    const { body } = await first.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
    const id = body.id as string;
    await first.container.engine.tick(T0);
    first.clock.set(T0 + 5 * MIN);
    await first.container.engine.tick(T0 + 5 * MIN);
    const before = (await first.request('GET', `/api/incidents/${id}`)).body;
    expect(before.tier).toBe(1);
    await first.stop({ keep: true });
    apps.splice(0);

    const second = await start(T0 + 5 * MIN);
    await second.container.engine.tick(T0 + 5 * MIN);
    await second.container.engine.tick(T0 + 6 * MIN);
    expect(pageKeys((await second.request('GET', `/api/incidents/${id}`)).body)).toEqual(pageKeys(before));
    second.clock.set(T0 + 10 * MIN);
    await second.container.engine.tick(T0 + 10 * MIN);
    const after = (await second.request('GET', `/api/incidents/${id}`)).body;
    const keys = pageKeys(after);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...new Set((after.notifications as any[]).map((n) => n.tier))].sort()).toEqual([0, 1, 2]);
    expect(after.tier).toBe(2);
    expect((after.timeline as any[]).filter((e) => e.type === 'tier_reached').map((e) => e.tier)).toEqual([0, 1, 2]);
  });

  it('a claimer that died after claiming the incident and a page, before sending, loses neither: both are taken over after the lease', async () => {
    prefix = randomPrefix();
    const first = await start(T0);
    const lease = first.container.config.daemon.escalation.lease;
    const { body } = await first.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
    const id = body.id as string;
    await first.container.engine.tick(T0);
    await first.stop({ keep: true });
    apps.splice(0);

    // A replica claims the T+5m step and the supervisor's page, then dies.
    const app = await start(T0 + 5 * MIN);
    const keys = makeKeys(prefix, 'live');
    const queue = new RedisEscalationQueue(app.container.redis, keys, { leaseMs: lease });
    const claims = await queue.claimDue(T0 + 5 * MIN, 10);
    expect(claims.map((c) => c.id)).toEqual([id]);
    const notifications = new RedisNotificationRepository(app.container.redis, keys);
    const ghost = `${id}:t1:ghost:voice:1`;
    await notifications.claim({ id: ghost, incidentId: id, stepKey: 't1', tier: 1, role: 'supervisor', person: 'ghost', channel: 'voice', status: 'planned', at: new Date(T0 + 5 * MIN).toISOString(), phase: 'escalation', attempt: 1 }, T0 + 5 * MIN, lease, 'dead-replica');

    // Within the lease nobody else may run it.
    await app.container.engine.tick(T0 + 5 * MIN + 1);
    let inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect((inc.notifications as any[]).filter((n) => n.tier === 1 && n.person !== 'ghost')).toHaveLength(0);

    // After the lease the incident is re-delivered and the supervisor paged, once.
    app.clock.set(T0 + 5 * MIN + lease);
    await app.container.engine.tick(T0 + 5 * MIN + lease);
    await app.container.engine.tick(T0 + 5 * MIN + lease + 1);
    inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    const tier1 = (inc.notifications as any[]).filter((n) => n.tier === 1 && n.person !== 'ghost');
    expect(tier1).toHaveLength(1);
    expect(tier1[0]).toMatchObject({ role: 'supervisor', channel: 'voice', status: 'logged' });

    // The ghost's own page, its step done and its person not in the roster, is settled, not kept planned.
    expect((inc.notifications as any[]).find((n) => n.id === ghost)).toMatchObject({ status: 'failed', failure: 'permanent', error: 'the person is no longer in the roster' });

    // A stale planned record is taken over by a new claimer, exactly once.
    const stale = `${id}:t1:ghost2:voice:1`;
    await notifications.claim({ id: stale, incidentId: id, stepKey: 't1', tier: 1, role: 'supervisor', person: 'ghost2', channel: 'voice', status: 'planned', at: new Date(T0 + 5 * MIN).toISOString(), phase: 'escalation', attempt: 1 }, T0 + 5 * MIN, lease, 'dead-replica');
    const r1 = await notifications.claim({ id: stale, incidentId: id, stepKey: 't1', tier: 1, role: 'supervisor', person: 'ghost2', channel: 'voice', status: 'planned', at: '', attempt: 1 }, T0 + 5 * MIN + lease, lease, 'replica-b');
    const r2 = await notifications.claim({ id: stale, incidentId: id, stepKey: 't1', tier: 1, role: 'supervisor', person: 'ghost2', channel: 'voice', status: 'planned', at: '', attempt: 1 }, T0 + 5 * MIN + lease, lease, 'replica-c');
    expect([r1.outcome, r2.outcome]).toEqual(['reclaimed', 'exists']);
    expect(r2.record.claimedBy).toBe('replica-b');
    // the dead claimer cannot overwrite the outcome of the one that took over
    expect(await notifications.update(id, stale, { status: 'sent' }, 'dead-replica')).toBe(false);
    expect(await notifications.update(id, stale, { status: 'logged' }, 'replica-b')).toBe(true);
  });
});

describe('playbook versions', () => {
  it('an incident keeps the playbook version it started with; a reloaded config applies to new incidents only', async () => {
    prefix = randomPrefix();
    const first = await start(T0);
    const old = (await first.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' })).body.id as string;
    await first.container.engine.tick(T0);
    await first.stop({ keep: true });
    apps.splice(0);

    // the operator shortens the supervisor step to 1 minute and bumps the version
    const changed = structuredClone(loadConfig('config')) as any;
    changed.playbooks.version = '2026-12-01.1';
    changed.playbooks.classes.app_network_acd.tiers[1].after = MIN;
    const second = await startTestApp({ prefix, clock: new ManualClock(T0), config: changed as Config });
    apps.push(second);
    const fresh = (await second.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'branch', summary: 'ACD down' })).body.id as string;
    second.clock.set(T0 + MIN);
    await second.container.engine.tick(T0 + MIN);
    const tier1 = async (id: string) => ((await second.request('GET', `/api/incidents/${id}`)).body.notifications as any[]).filter((n) => n.tier === 1);
    expect(await tier1(old)).toHaveLength(0);
    expect(await tier1(fresh)).toHaveLength(1);
    second.clock.set(T0 + 5 * MIN);
    await second.container.engine.tick(T0 + 5 * MIN);
    expect(await tier1(old)).toHaveLength(1);
  });
});
