/**
 * REDIS_URL=redis+sentinel://…: tocsin finds the primary through a real Sentinel, and when that
 * primary dies it answers 503 (so senders retry) until the Sentinel has promoted the replica, then
 * carries on there — with nothing it acknowledged before lost, and the escalation engine paging.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ManualClock } from '../../src/platform/clock.js';
import { parseSentinelUrl } from '../../src/store/redis.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { PrivateRedisSentinel } from '../support/redis-sentinel.js';

const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as Record<string, any>;
const T0 = Date.parse('2026-11-23T10:00:00Z');

let sentinel: PrivateRedisSentinel;
let app: TestApp;
beforeAll(async () => {
  sentinel = await PrivateRedisSentinel.start();
  app = await startTestApp({ env: { REDIS_URL: sentinel.url }, clock: new ManualClock(T0) });
}, 60_000);
afterAll(async () => {
  await app?.stop({ keep: true });
  await sentinel?.destroy();
});

describe('Sentinel URL', () => {
  it('names the Sentinels, the primary, and the credentials of each', () => {
    expect(parseSentinelUrl('redis+sentinel://u:p%40ss@10.0.0.1:26379,10.0.0.2/mymaster?sentinelPassword=s3')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      username: 'u',
      password: 'p@ss',
      tls: false,
      name: 'mymaster',
      sentinelUsername: undefined,
      sentinelPassword: 's3',
    });
    expect(parseSentinelUrl('rediss+sentinel://h:26380/m')?.tls).toBe(true);
    expect(parseSentinelUrl('redis://127.0.0.1:6379')).toBeUndefined();
    expect(parseSentinelUrl('redis+cluster://h:7000')).toBeUndefined();
    expect(() => parseSentinelUrl('redis+sentinel://h:26379')).toThrow(/names the primary/);
    expect(() => parseSentinelUrl('redis+sentinel://h:port/m')).toThrow(/bad Sentinel "h:port"/);
  });
});

describe('through a real Sentinel', () => {
  it('is ready, connected to the primary the Sentinel names', async () => {
    expect((await app.request('GET', '/readyz')).status).toBe(200);
    expect((app.container.redis as Redis).stream.remotePort).toBe(sentinel.servers[0]);
  });

  it('survives the primary dying: 503 until the replica is promoted, then 200 there, nothing acknowledged lost, and pages go out', async () => {
    const first = await app.request('POST', '/webhooks/alertmanager', firing);
    expect(first.status).toBe(200);
    const id = first.body.results[0].incident as string;
    // the opening's own escalation run (tier 0 pages at once) has finished, and the replica holds it:
    // what a crash loses after that is the fault of the crash, not of the test
    await app.container.engine.idle();
    await sentinel.replicated();

    const dead = await sentinel.killPrimary();
    expect(dead).toBe(sentinel.servers[0]);
    // Alertmanager retries a webhook that failed: do the same until it is taken
    const statuses: number[] = [];
    const until = Date.now() + 30_000;
    for (;;) {
      const r = await app.request('POST', '/webhooks/alertmanager', firing);
      statuses.push(r.status);
      if (r.status === 200 || Date.now() > until) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1).length).toBeGreaterThan(0);
    expect(new Set(statuses.slice(0, -1))).toEqual(new Set([503]));
    expect(await sentinel.primaryPort()).toBe(sentinel.servers[1]);
    expect((app.container.redis as Redis).stream.remotePort).toBe(sentinel.servers[1]);
    expect((await app.request('GET', '/readyz')).status).toBe(200);

    // the incident acknowledged before the failover is there, and the retried webhook merged into it
    const open = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    expect(open.map((i) => i.id)).toEqual([id]);
    expect(open[0].eventCount).toBe(4);

    // the pages of that incident, sent before the crash and replicated, are all there
    const before = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(before.notifications.length).toBeGreaterThan(0);
    expect((before.notifications as any[]).filter((n) => !['logged', 'planned'].includes(n.status))).toEqual([]);

    // the engine runs on the new primary: a power incident at another site opens and pages
    const other = structuredClone(firing);
    for (const a of other.alerts as any[]) a.labels.site = 'dc2';
    other.commonLabels.site = 'dc2';
    other.groupLabels.site = 'dc2';
    const second = await app.request('POST', '/webhooks/alertmanager', other);
    expect(second.status).toBe(200);
    const id2 = second.body.results[0].incident as string;
    expect(id2).not.toBe(id);
    await app.container.engine.idle();
    await app.container.engine.tick(T0);
    const inc = (await app.request('GET', `/api/incidents/${id2}`)).body;
    expect(inc.notifications.length).toBe(before.notifications.length);
    expect((inc.notifications as any[]).filter((n) => !['logged', 'planned'].includes(n.status))).toEqual([]);
  }, 60_000);
});
