/**
 * A page whose sender died (claimed as the dispatcher claims it, never sent) while its step was due,
 * the incident then climbing past that step: once the lease has run out it goes, once across the
 * replicas, and the timeline says so. It used to stay `planned` for good: the engine took a dead
 * sender's page over only by running its step again, and the level's overdue step had left the plan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { notificationId } from '../../src/app/page-chain.js';
import { CHANNELS } from '../../src/config/schema-parts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import type { TestApp } from '../support/app.js';
import { replicas as replicaSet, type Replicas } from '../support/replicas.js';

const MIN = 60_000;
// 22:00 in Shanghai: outside business hours, so app_network_acd climbs to level 4 only after 1 h,
// and its level-3 overdue reminder (30 min at level 3) falls due first
const T0 = Date.parse('2026-11-23T14:00:00Z');
let set: Replicas | undefined;

afterEach(async () => {
  await set?.stop();
  set = undefined;
});

async function tickAll(apps: readonly TestApp[], at: number): Promise<void> {
  for (const a of apps) a.clock.set(at);
  await Promise.all(apps.flatMap((a) => [a.container.engine.tick(at), a.container.engine.tick(at)]));
  await Promise.all(apps.map((a) => a.container.engine.idle()));
}

describe('a page of a sender that died, its step gone from the plan', () => {
  it('an overdue reminder claimed by a dead process goes once after the lease, though its incident climbed past level 3', async () => {
    set = replicaSet();
    const apps = await set.start(2, { clock: new ManualClock(T0) });
    const a = apps[0] as TestApp;
    const lease = a.container.config.daemon.escalation.lease;
    const opened = await a.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down for all seats' });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    const get = async () => (await a.request('GET', `/api/incidents/${id}`)).body;
    for (const m of [0, 5, 10]) await tickAll(apps, T0 + m * MIN);

    // the it_ops person paged at the start is reminded when level 3 is overdue: a process claims that
    // reminder as the dispatcher does, right when it falls due, and dies before sending it
    const first = (await get()).notifications.find((r: any) => r.stepKey === 't0' && r.role === 'it_ops' && r.attempt === 1);
    expect(first).toBeDefined();
    const ghost = `${id}:o3:${first.person}:${first.channel}:1`;
    const dueAt = T0 + 30 * MIN;
    const notifications = new RedisNotificationRepository(a.container.redis, makeKeys(set.prefix, 'live'));
    const claimed = await notifications.claim(
      { id: ghost, incidentId: id, stepKey: 'o3', tier: first.tier, role: 'it_ops', person: first.person, channel: first.channel, status: 'planned', at: new Date(dueAt).toISOString(), phase: 'reminder', attempt: 1, condition: 'uncontrolled' },
      dueAt,
      lease,
      'dead-process',
    );
    expect(claimed.outcome).toBe('owned');

    // within the lease the step leaves it to its sender
    await tickAll(apps, dueAt);
    let inc = await get();
    expect(inc.level).toBe(3);
    expect(inc.notifications.find((r: any) => r.id === ghost)).toMatchObject({ status: 'planned', claimedBy: 'dead-process' });
    expect(inc.notifications.some((r: any) => r.stepKey === 'o3' && r.role === 'supervisor' && r.status === 'logged')).toBe(true);

    // an hour in, the incident climbs to level 4: no step runs o3 any more
    await tickAll(apps, T0 + 60 * MIN);
    await tickAll(apps, T0 + 61 * MIN);
    inc = await get();
    expect(inc.level).toBe(4);
    const mine = (inc.notifications as any[]).filter((r) => r.stepKey === 'o3' && r.person === first.person);
    expect(mine.map((r) => `${r.channel}:${r.attempt}:${r.status}`)).toEqual([`${first.channel}:1:logged`]);
    expect(mine[0].claimedBy).not.toBe('dead-process');
    // once on the timeline, and nothing left planned
    expect((inc.timeline as any[]).filter((e) => e.type === 'notified' && e.notification === ghost)).toHaveLength(1);
    expect((inc.notifications as any[]).filter((r) => r.status === 'planned')).toEqual([]);

    // looked at again on both replicas: nothing goes twice
    await tickAll(apps, T0 + 62 * MIN);
    const again = await get();
    expect((again.timeline as any[]).filter((e) => e.type === 'notified' && e.notification === ghost)).toHaveLength(1);
    expect((again.notifications as any[]).filter((r) => r.stepKey === 'o3' && r.person === first.person)).toHaveLength(1);
  }, 60_000);

  it('an attempt of a page that reached the person on another of its channels is cancelled as superseded, not sent', async () => {
    set = replicaSet();
    const [a] = await set.start(1, { clock: new ManualClock(T0) });
    const app = a as TestApp;
    const AT = T0 + 5 * MIN;
    const { lease } = app.container.config.daemon.escalation;
    const id = (await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' })).body.id as string;
    await app.container.engine.idle();
    // a process held the supervisor's T+5m page on every channel (the person's channels were in
    // another order then) and died: the step run again pages them on their first channel
    const [supervisor] = (await app.container.oncall.resolve('supervisor', AT)).people;
    const person = supervisor!.id;
    const notifications = new RedisNotificationRepository(app.container.redis, makeKeys(set.prefix, 'live'));
    for (const channel of CHANNELS) {
      const page = { id: notificationId(id, 't1', person, channel, 1), incidentId: id, stepKey: 't1', tier: 1, role: 'supervisor', person, channel, status: 'planned', at: new Date(AT).toISOString(), phase: 'escalation', attempt: 1, condition: 'unacknowledged' } as const;
      expect((await notifications.claim(page, AT - lease - 1, lease, 'dead-process')).outcome).toBe('owned');
    }
    await tickAll([app], AT);
    await tickAll([app], AT + MIN);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    const page = (inc.notifications as any[]).filter((r) => r.stepKey === 't1' && r.person === person);
    const went = page.filter((r) => r.status === 'logged');
    expect(went).toHaveLength(1);
    const others = page.filter((r) => r.id !== went[0].id);
    expect(others.map((r) => [r.status, r.reason])).toEqual(others.map(() => ['cancelled', 'superseded: the page reached the person on another attempt']));
    const cancelled = (inc.timeline as any[]).filter((e) => e.type === 'notification_cancelled').map((e) => e.notification).sort();
    expect(cancelled).toEqual(others.map((r) => r.id).sort());
    expect((inc.timeline as any[]).filter((e) => e.type === 'notified' && e.person === person && e.tier === 1)).toHaveLength(1);
  }, 60_000);
});
