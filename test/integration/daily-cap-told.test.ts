/**
 * The daily cap never leaves an incident with nobody told (real Redis, the Twilio-compatible fake,
 * a manual clock): over the person's cap, an incident's page goes when no other page of the incident
 * reached anyone, once per incident, through the person's channels; it is cancelled when someone else
 * hears of the incident. The told mark that decides it is taken atomically with the throttle's own
 * check-and-record, so two Redis clients (two replicas) never both let a page of one incident through.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RosterOnCall } from '../../src/app/roster-on-call.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { registerScripts } from '../../src/store/scripts.js';
import { RedisThrottleRepository } from '../../src/store/throttle-repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const DAY = 24 * 60 * MIN;

let apps: TestApp[] = [];
let prefix = '';
let fake: FakeTwilio | undefined;
const clients: Redis[] = [];

afterEach(async () => {
  for (const a of apps) await a.stop({ keep: true });
  apps = [];
  await fake?.stop();
  fake = undefined;
  for (const c of clients.splice(0)) c.disconnect();
  if (prefix) await deleteByPrefix(prefix);
  prefix = '';
});

const SID = `AC${'7'.repeat(32)}`;
const TOKEN = 'daily_cap_token';

/** `n` replicas on one Redis with a daily cap of `cap`, Twilio on the fake. */
async function start(n: number, cap: number): Promise<TestApp[]> {
  prefix = randomPrefix();
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  const shipped = loadConfig('config');
  const config = { ...shipped, daemon: { ...shipped.daemon, throttle: { ...shipped.daemon.throttle, dailyCap: cap } } } as Config;
  const env = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: '+15005550001', TWILIO_API_URL: fake.url };
  for (let i = 0; i < n; i++) apps.push(await startTestApp({ prefix, clock: new ManualClock(T0), config, env }));
  return apps;
}

async function tickAll(at: number): Promise<void> {
  for (const a of apps) a.clock.set(at);
  await Promise.all(apps.map((a) => a.container.engine.tick(at)));
  await Promise.all(apps.map((a) => a.container.engine.idle()));
}

async function onDuty(app: TestApp, role: string): Promise<{ id: string; phone: string }> {
  const r = await new RosterOnCall(app.container.config.roster, { list: async () => [] }).resolve(role, T0);
  const p = r.people[0];
  if (!p?.phone) throw new Error(`nobody with a phone holds ${role}`);
  return { id: p.id, phone: p.phone };
}

async function report(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const r = await app.request('POST', '/api/incidents', body);
  expect(r.status).toBe(201);
  await app.container.engine.idle();
  return r.body.id as string;
}

const get = async (app: TestApp, id: string) => (await app.request('GET', `/api/incidents/${id}`)).body;

async function metric(app: TestApp, line: string): Promise<number> {
  const text = String((await app.request('GET', '/metrics')).body);
  const row = text.split('\n').find((l) => l.startsWith(line));
  return row ? Number(row.slice(line.length).trim()) : 0;
}

/**
 * A busy day for the supervisor: two fires (a call and an e-mail beside it each, level 4), each
 * acknowledged at once, by 10:03 reach the daily cap of 4; at 10:10 a member of staff is hurt at hq (personal_accident, level 2: the
 * supervisor alone at T+0).
 */
async function busyDay() {
  const [app] = (await start(1, 4)) as [TestApp];
  const supervisor = await onDuty(app, 'supervisor');
  const calls = () => (fake?.calls() ?? []).filter((c) => c.form.To === supervisor.phone);
  const texts = () => (fake?.messages() ?? []).filter((c) => c.form.To === supervisor.phone);
  // each fire acknowledged by the supervisor once paged: nobody else is called for them later
  for (const [i, at] of [T0, T0 + 3 * MIN].entries()) {
    await tickAll(at);
    const fire = await report(app, { class: 'security', site: `hall${i + 1}`, summary: `fire in hall ${i + 1}`, details: { kind: 'fire' } });
    expect((await app.request('POST', `/api/incidents/${fire}/ack`, { by: supervisor.id })).status).toBe(200);
  }
  expect(calls()).toHaveLength(2);
  app.clock.set(T0 + 10 * MIN);
  const injury = await report(app, { class: 'personal_accident', site: 'hq', summary: 'agent fainted at seat B7' });
  const page = async () => ((await get(app, injury)).notifications as any[]).filter((n) => n.person === supervisor.id && n.phase === 'page');
  return { app, supervisor, calls, texts, injury, page };
}

describe('the daily cap never leaves an incident unheard', () => {
  it('after a busy day of fires, an injury report over the supervisor\'s cap still reaches the supervisor: the incident\'s only page', async () => {
    const { app, supervisor, calls, injury, page } = await busyDay();
    // over the cap, the call first waits for the incident's other pages due with it (there are none)
    expect(await page()).toEqual([expect.objectContaining({ channel: 'voice', status: 'planned', limit: 'daily_cap' })]);
    expect(calls()).toHaveLength(2);

    await tickAll(T0 + 10 * MIN);
    expect(await page()).toEqual([expect.objectContaining({ channel: 'voice', status: 'sent', overCap: new Date(T0 + 10 * MIN).toISOString() })]);
    expect(calls()).toHaveLength(3);
    expect(String(calls()[2]?.form.Twiml)).toContain('fainted');
    const timeline = (await get(app, injury)).timeline as any[];
    expect(timeline.filter((e) => e.type === 'notification_over_cap')).toEqual([expect.objectContaining({ person: supervisor.id, channel: 'voice', limit: 'daily_cap' })]);
    expect(timeline.some((e) => e.type === 'notification_cancelled')).toBe(false);
    expect(await metric(app, 'tocsin_notifications_total{channel="voice",result="over_cap"}')).toBe(1);
    expect(await metric(app, 'tocsin_notifications_suppressed_total{reason="throttled"}')).toBe(0);

    // once: however often the engine looks
    for (const m of [11, 15, 20]) await tickAll(T0 + m * MIN);
    expect(calls()).toHaveLength(3);
    expect(await page()).toHaveLength(1);
  });

  it('the call refused for good, the same page goes on by SMS over the cap: one page, every channel', async () => {
    const { calls, texts, page } = await busyDay();
    fake?.failNext(1, { status: 400, code: 21211, message: 'invalid To number' }, 'Calls');
    await tickAll(T0 + 10 * MIN);
    expect(calls()).toHaveLength(3);
    expect(texts()).toHaveLength(1);
    expect(String(texts()[0]?.form.Body)).toContain('fainted');
    const pages = await page();
    expect(pages.map((n) => `${n.channel}:${n.status}`).sort()).toEqual(['sms:sent', 'voice:failed']);
    expect(pages.find((n) => n.channel === 'sms').overCap).toBeDefined();
  });

  it('two people over the cap, one incident nobody heard of: one of them is paged, once, whichever of two replicas looks', async () => {
    const [app] = (await start(2, 1)) as [TestApp, TestApp];
    const lead = await onDuty(app, 'shift_lead');
    const ops = await onDuty(app, 'it_ops');
    // an ACD outage reaches both (the cap of 1 is reached)
    await report(app, { class: 'app_network_acd', site: 'hq', summary: 'agents cannot log in' });
    const seat = await report(app, { class: 'seat_equipment', site: 'annex', summary: 'seat A12 headset dead' });
    const pages = async () => ((await get(app, seat)).notifications as any[]).filter((n) => n.phase === 'page');
    expect((await pages()).map((n) => `${n.person}:${n.status}:${n.limit}`).sort()).toEqual([`${ops.id}:planned:daily_cap`, `${lead.id}:planned:daily_cap`].sort());

    for (const m of [0, 0.5, 1, 3, 10]) await tickAll(T0 + m * MIN);
    const settled = await pages();
    const went = settled.filter((n) => n.status === 'sent' || n.status === 'logged');
    expect(went).toHaveLength(1);
    expect(went[0].overCap).toBeDefined();
    expect(settled.filter((n) => n.status === 'cancelled')).toEqual([expect.objectContaining({ reason: 'throttled', limit: 'daily_cap' })]);
    expect(((await get(app, seat)).timeline as any[]).filter((e) => e.type === 'notification_over_cap')).toHaveLength(1);
  });

  it('the told mark is taken once, across Redis clients: of many pages of one incident claiming it at once, one wins', async () => {
    prefix = randomPrefix();
    const keys = makeKeys(prefix, 'live');
    const stores = [0, 1].map(() => {
      const c = new Redis(TEST_REDIS_URL);
      clients.push(c);
      registerScripts(c);
      return new RedisThrottleRepository(c, keys, DAY);
    });
    const people = Array.from({ length: 12 }, (_, i) => `person${i}`);
    const incident = 'INC1';
    // each page read the person's state (no mark yet), decided to go over the cap, then commits
    const seen = await Promise.all(people.map((p, i) => (stores[i % 2] as RedisThrottleRepository).history(p, 'voice', T0, undefined, incident)));
    expect(seen.every((h) => h.told === '')).toBe(true);
    const commits = await Promise.all(
      people.map((p, i) => {
        const store = stores[i % 2] as RedisThrottleRepository;
        const told = { incident, page: `t0:${p}`, mode: 'claim' as const };
        return i % 3 === 0 ? store.enqueue(p, 'voice', { incidentId: incident, notificationId: `n${i}` }, T0, seen[i]?.version ?? '', told) : store.recordSend(p, 'voice', `n${i}`, T0, seen[i]?.version ?? '', false, undefined, told).then((c) => c.ok);
      }),
    );
    expect(commits.filter(Boolean)).toHaveLength(1);
    const winner = people[commits.indexOf(true)];
    const after = await (stores[0] as RedisThrottleRepository).history('person0', 'voice', T0, undefined, incident);
    expect(after.told).toBe(`t0:${winner}`);
    // the losers changed nothing: no send recorded, nothing queued
    for (const [i, p] of people.entries()) {
      if (p === winner) continue;
      expect((await (stores[1] as RedisThrottleRepository).history(p, 'voice', T0, { incidentId: incident, notificationId: `n${i}` })).sent).toEqual([]);
    }

    // a page going under the cap notes the mark only when none holds it; a claim may take it from the page named as reaching nobody
    const other = 'INC2';
    expect((await (stores[0] as RedisThrottleRepository).recordSend('a', 'sms', 'm1', T0, '', false, undefined, { incident: other, page: 't0:a', mode: 'note' })).ok).toBe(true);
    expect((await (stores[1] as RedisThrottleRepository).recordSend('b', 'sms', 'm2', T0, '', false, undefined, { incident: other, page: 't1:b', mode: 'note' })).ok).toBe(true);
    expect((await (stores[1] as RedisThrottleRepository).history('c', 'sms', T0, undefined, other)).told).toBe('t0:a');
    expect((await (stores[1] as RedisThrottleRepository).recordSend('c', 'sms', 'm3', T0, '', false, undefined, { incident: other, page: 't2:c', mode: 'claim' })).ok).toBe(false);
    expect((await (stores[1] as RedisThrottleRepository).recordSend('c', 'sms', 'm3', T0, '', false, undefined, { incident: other, page: 't2:c', mode: 'claim', replacing: 't0:a' })).ok).toBe(true);
    expect((await (stores[0] as RedisThrottleRepository).history('c', 'sms', T0, undefined, other)).told).toBe('t2:c');
    // the page holding it claims it again (its next channel), and it expires with the throttle's memory
    expect((await (stores[0] as RedisThrottleRepository).recordSend('c', 'voice', 'm4', T0, '', false, undefined, { incident: other, page: 't2:c', mode: 'claim' })).ok).toBe(true);
    const ttl = await (clients[0] as Redis).pttl(keys.custom(`throttle-told:${other}`));
    expect(ttl).toBeGreaterThan(DAY - MIN);
    expect(ttl).toBeLessThanOrEqual(DAY);
  });
});
