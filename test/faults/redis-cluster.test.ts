/** REDIS_URL=redis+cluster://…: the core intake and escalation flows run unchanged on a real three-node Redis Cluster. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { Cluster, Redis } from 'ioredis';
import { createRedis, parseClusterUrl } from '../../src/store/redis.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { PrivateRedisCluster } from '../support/redis-cluster.js';

const taskFixtures = JSON.parse(readFileSync('../shared/fixtures/twilio/webhook-taskRouterEventCallbacks.json', 'utf8')) as Record<string, { url: string; headers: Record<string, string>; params: Record<string, string> }>;
// the TaskRouter fixtures were signed for this public URL with this token
const PUBLIC_URL = 'https://alerts.example.test';
const TOKEN = 'test_auth_token_123';
const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as Record<string, any>;
const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

let cluster: PrivateRedisCluster;
let app: TestApp;
beforeAll(async () => {
  cluster = await PrivateRedisCluster.start(3);
  app = await startTestApp({ env: { REDIS_URL: cluster.url, PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN }, clock: new ManualClock(T0) });
}, 60_000);
afterAll(async () => {
  await app?.stop({ keep: true });
  await cluster?.destroy();
});

describe('cluster URL', () => {
  it('parses a seed list with credentials, and leaves other URLs to the standalone client', () => {
    expect(parseClusterUrl('redis+cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2:7001/')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      username: 'u',
      password: 'p@ss',
      tls: false,
    });
    expect(parseClusterUrl('rediss+cluster://:secret@h:6380')?.tls).toBe(true);
    expect(parseClusterUrl('redis://127.0.0.1:6379')).toBeUndefined();
    expect(() => parseClusterUrl('redis+cluster://h:notaport')).toThrow(/bad cluster node/);
    const standalone = createRedis('redis://127.0.0.1:1', { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000, reconnect: { firstMs: 100, maxMs: 2_000 } });
    expect(standalone).toBeInstanceOf(Redis);
    standalone.disconnect();
  });
});

describe('on a real Redis Cluster', () => {
  it('is ready, and the client is a cluster client', async () => {
    expect(app.container.redis).toBeInstanceOf(Cluster);
    expect((await app.request('GET', '/readyz')).status).toBe(200);
  });

  it('Alertmanager webhook → one incident, a repeat is deduped; escalation pages tier 0, then tier 1; ack and resolve end it', async () => {
    const first = await app.request('POST', '/webhooks/alertmanager', firing);
    expect(first.status).toBe(200);
    const again = await app.request('POST', '/webhooks/alertmanager', firing);
    expect(again.status).toBe(200);
    const list = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    expect(list).toHaveLength(1);
    expect(list[0].eventCount).toBe(4);

    const opened = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    const engine = app.container.engine;
    await engine.tick(T0);
    await engine.idle();
    let inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(new Set((inc.notifications as any[]).map((n) => n.role))).toEqual(new Set(['shift_lead', 'it_ops']));
    // logged (log mode), or held back by a throttle for a bundle: never failed, never twice
    expect((inc.notifications as any[]).filter((n) => !['logged', 'planned'].includes(n.status))).toEqual([]);
    expect(new Set((inc.notifications as any[]).map((n) => `${n.tier}/${n.person}/${n.channel}`)).size).toBe(inc.notifications.length);
    expect((inc.notifications as any[]).some((n) => n.status === 'logged')).toBe(true);

    app.clock.set(T0 + 5 * MIN);
    await engine.tick(T0 + 5 * MIN);
    await engine.idle();
    inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.tier).toBe(1);
    expect((inc.notifications as any[]).filter((n) => n.role === 'supervisor').length).toBeGreaterThan(0);

    const ack = await app.request('POST', `/api/incidents/${id}/ack`, { by: 'lead' });
    expect(ack.status).toBe(200);
    expect(ack.body.state).toBe('acknowledged');
    expect((ack.body.timeline as any[]).map((e) => e.type)).toContain('acknowledged');
    const resolved = await app.request('POST', `/api/incidents/${id}/resolve`, { by: 'lead' });
    expect(resolved.body.state).toBe('resolved');
    app.clock.set(T0 + 61 * MIN);
    await engine.tick(T0 + 61 * MIN);
    await engine.idle();
    inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    // no vendor after resolution; everyone paged is told it is over, once
    expect(inc.notifications.filter((n: any) => n.role === 'vendor')).toHaveLength(0);
    const paged = new Set((inc.notifications as any[]).filter((n) => n.phase !== 'all_clear').map((n) => n.person));
    const cleared = (inc.notifications as any[]).filter((n) => n.phase === 'all_clear').map((n) => n.person);
    expect(new Set(cleared)).toEqual(paged);
    expect(cleared).toHaveLength(paged.size);
  });

  it('a drill and a TaskRouter callback run too; every key of a namespace sits in one slot', async () => {
    const drill = await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'fire drill', drill: true });
    expect(drill.status).toBe(201);
    await app.container.engine.tick(T0 + 12 * MIN);
    await app.container.engine.idle();
    const d = (await app.request('GET', `/api/incidents/${drill.body.id}`)).body;
    expect(d.drill).toBe(true);
    expect(d.notifications.length).toBeGreaterThan(0);

    const c = taskFixtures['task.created'];
    if (!c) throw new Error('no task.created fixture');
    const tr = await fetch(app.baseUrl + new URL(c.url).pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': c.headers['X-Twilio-Signature'] ?? '' },
      body: new URLSearchParams(c.params).toString(),
    });
    expect(tr.status).toBeLessThan(300);

    // a report's key is remembered in its namespace, beside its incident: the same key after the
    // resolution is a duplicate of it; a drill's key is its own
    const KEY = 'cluster-report-key-1';
    const media = { class: 'media', site: 'hq', summary: 'a camera crew in the lobby' };
    const keyed = await app.request('POST', '/api/incidents', media, { 'idempotency-key': KEY });
    expect(keyed.body.result).toBe('opened');
    expect((await app.request('POST', `/api/incidents/${keyed.body.id}/resolve`, { by: 'lead' })).status).toBe(200);
    expect((await app.request('POST', '/api/incidents', media, { 'idempotency-key': KEY })).body).toEqual({ id: keyed.body.id, result: 'duplicate' });
    const drillKeyed = await app.request('POST', '/api/incidents', { ...media, drill: true }, { 'idempotency-key': KEY });
    expect(drillKeyed.body.result).toBe('opened');
    expect((await app.request('POST', '/api/incidents', { ...media, drill: true }, { 'idempotency-key': KEY })).body).toEqual({ id: drillKeyed.body.id, result: 'duplicate' });

    const keys = await cluster.keys(app.prefix);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => k.includes(':report-key:'))).toHaveLength(2);
    const slots = new Map<string, Set<number>>();
    for (const k of keys) {
      const ns = k.includes('{drill}') ? 'drill' : k.includes('{live}') ? 'live' : 'other';
      const set = slots.get(ns) ?? new Set<number>();
      set.add(await cluster.slotOf(k));
      slots.set(ns, set);
    }
    expect([...slots.keys()].sort()).toEqual(['drill', 'live']);
    expect(slots.get('live')?.size).toBe(1);
    expect(slots.get('drill')?.size).toBe(1);
  });
});
