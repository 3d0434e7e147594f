/**
 * incidents.replicas: a webhook is answered 200 only once a replica holds its events (Redis WAIT),
 * on a real primary and replica found through a real Sentinel. A replica that stops confirming
 * turns webhooks into 503s (the sender retries, and the retry is deduplicated) without holding up
 * anything else the daemon does.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { readEnv } from '../../src/config/env.js';
import { buildContainer } from '../../src/container.js';
import { makeKeys } from '../../src/store/keys.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { PrivateRedisSentinel } from '../support/redis-sentinel.js';

const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as { alerts: Record<string, any>[] };
const WAIT_MS = 400;
/**
 * The intake test's wait: long enough that a replica in sync confirms within it on a loaded machine
 * (400 ms was once missed while the whole suite ran on two cores), short enough to wait out when frozen.
 */
const INTAKE_WAIT_MS = 2_000;

function withReplicas(replicas: number, replicaWait = WAIT_MS): Config {
  const config = loadConfig('config');
  return { ...config, daemon: { ...config.daemon, incidents: { ...config.daemon.incidents, replicas, replicaWait } } };
}

/** The same outage, one more UPS on battery. */
function anotherUps(n: number) {
  const model = firing.alerts[0]!;
  return { ...firing, alerts: [{ ...model, labels: { ...model.labels, ups: `ups-extra-${n}` }, fingerprint: `e${String(n).padStart(15, '0')}` }] };
}

let sentinel: PrivateRedisSentinel;
let app: TestApp;
let replica: Redis;
/** The second daemon's log lines, each with the moment it was written. */
const lines: Array<Record<string, unknown> & { seenAt: number }> = [];
const capture = createLogger('info', { write: (s: string) => void lines.push({ ...(JSON.parse(s) as Record<string, unknown>), seenAt: Date.now() }) });
beforeAll(async () => {
  sentinel = await PrivateRedisSentinel.start();
  app = await startTestApp({ env: { REDIS_URL: sentinel.url }, config: withReplicas(1, INTAKE_WAIT_MS) });
  replica = new Redis(sentinel.servers[1], '127.0.0.1', { maxRetriesPerRequest: 1 });
}, 60_000);
afterAll(async () => {
  replica?.disconnect();
  await app?.stop({ keep: true });
  await sentinel?.destroy();
});

describe('waiting for replicas (incidents.replicas: 1)', () => {
  it('answers 200 only once the replica holds the events; 503 while it does not confirm; the retry is deduplicated', async () => {
    const keys = makeKeys(app.prefix, 'live');
    const first = await app.request('POST', '/webhooks/alertmanager', firing);
    expect(first.status).toBe(200);
    const id = first.body.results[0].incident as string;
    // at the moment of the 200 the replica already has the incident, without waiting any further
    expect(await replica.hget(keys.incident(id), 'eventCount')).toBe('2');

    sentinel.signal(sentinel.servers[1], 'SIGSTOP');
    try {
      const started = Date.now();
      const order: string[] = [];
      const post = app.request('POST', '/webhooks/alertmanager', anotherUps(1)).then((r) => (order.push('webhook'), r));
      // the rest of the daemon does not wait behind the intake's WAIT
      await new Promise((r) => setTimeout(r, 50));
      const list = await app.request('GET', `/api/incidents/${id}`);
      order.push('read');
      expect(list.status).toBe(200);
      const refused = await post;
      expect(order).toEqual(['read', 'webhook']);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('TOCSIN_ERR_STORE_UNREPLICATED');
      expect(refused.body.error.message).toMatch(/0 of 1 Redis replicas confirmed/);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect(Date.now() - started).toBeGreaterThanOrEqual(INTAKE_WAIT_MS - 20);
    } finally {
      sentinel.signal(sentinel.servers[1], 'SIGCONT');
    }

    // the sender retries: the primary had kept the event, so the retry is a duplicate, now confirmed
    const retried = await app.request('POST', '/webhooks/alertmanager', anotherUps(1));
    expect(retried.status).toBe(200);
    expect(retried.body.results[0]).toMatchObject({ incident: id, result: 'duplicate' });
    expect(await replica.hexists(keys.members(id), 'am:e000000000000001')).toBe(1);
    // counted apart from a Redis outage, for the intake dashboard's rejections by reason
    const metrics = (await app.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^tocsin_events_rejected_total\{source="alertmanager",reason="TOCSIN_ERR_STORE_UNREPLICATED"\} 1$/m);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.memberCount).toBe(3);
    expect(inc.eventCount).toBe(4);
  }, 30_000);

  it('a report answered 503 was recorded all the same: sent again with its Idempotency-Key it is the same incident, paged once', async () => {
    const report = { class: 'media', site: 'hq', summary: 'a camera crew in the lobby' };
    const key = { 'idempotency-key': 'a4b0d7f2-report-retry-503' };
    const media = async () => ((await app.request('GET', '/api/incidents?state=unresolved')).body.incidents as any[]).filter((i) => i.class === 'media');
    sentinel.signal(sentinel.servers[1], 'SIGSTOP');
    let refused: Awaited<ReturnType<TestApp["request"]>>;
    try {
      refused = await app.request('POST', '/api/incidents', report, key);
    } finally {
      sentinel.signal(sentinel.servers[1], 'SIGCONT');
    }
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('TOCSIN_ERR_STORE_UNREPLICATED');
    // the primary kept it: the incident is open, and its pages go out
    const [kept] = await media();
    expect(kept).toBeDefined();
    await app.container.engine.idle();
    await app.container.engine.tick(app.clock.now());
    await app.container.engine.idle();
    const pages = async () => ((await app.request('GET', `/api/incidents/${kept.id}`)).body.notifications as any[]).map((n) => n.id).sort();
    const paged = await pages();
    expect(paged.length).toBeGreaterThan(0);

    // the sender retries, as the 503 told it: the same incident, nothing opened, nobody paged again
    const retried = await app.request('POST', '/api/incidents', report, key);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual({ id: kept.id, result: 'duplicate' });
    await app.container.engine.idle();
    await app.container.engine.tick(app.clock.now());
    await app.container.engine.idle();
    expect((await media()).map((i) => i.id)).toEqual([kept.id]);
    expect(await pages()).toEqual(paged);
  }, 30_000);

  it("holds a page until the replica has its claim, and never for long: a lagging replica delays one page, then pages go ahead, counted", async () => {
    // a daemon of its own: nothing the first test did (a page that waited in vain) carries over
    const app = await startTestApp({ env: { REDIS_URL: sentinel.url }, config: withReplicas(1), logger: capture });
    const keys = makeKeys(app.prefix, 'live');
    const engine = app.container.engine;
    try {
    const pageLines = (since: number) => lines.filter((l) => l.msg === 'page not sent (channel not configured)' && l.seenAt >= since);
    const unreplicated = async () => {
      const text = (await app.request('GET', '/metrics')).body as string;
      return [...text.matchAll(/^tocsin_redis_unreplicated_total\{write="(?:claim|record)"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    /** Runs the engine now, with the replica frozen from the start; thawed after `thawAfterMs` if given. */
    const tickFrozen = async (thawAfterMs?: number) => {
      sentinel.signal(sentinel.servers[1], 'SIGSTOP');
      let thawedAt = Number.POSITIVE_INFINITY;
      const thaw =
        thawAfterMs === undefined
          ? undefined
          : setTimeout(() => {
              thawedAt = Date.now();
              sentinel.signal(sentinel.servers[1], 'SIGCONT');
            }, thawAfterMs);
      const started = Date.now();
      // webhooks arriving meanwhile wait for the replica on the intake's connection, one WAIT after
      // another: the pages, on a connection of their own, do not queue behind them
      const webhooks = Array.from({ length: 6 }, (_, i) => app.request('POST', '/webhooks/alertmanager', anotherUps(100 + i + 10 * (thawAfterMs ?? 1))));
      try {
        await engine.tick(app.clock.now());
        await engine.idle();
        const tickMs = Date.now() - started;
        return { started, thawedAt: () => thawedAt, tickMs, webhooks: await Promise.all(webhooks) };
      } finally {
        clearTimeout(thaw);
        sentinel.signal(sentinel.servers[1], 'SIGCONT');
      }
    };

    // an ACD outage opens (its tier 0 pages go out at once, the replica keeping up); tier 1 falls due at 5 minutes
    const id = (await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' })).body.id as string;
    await engine.idle();
    await engine.tick(app.clock.now()); // whatever the opening left due
    await engine.idle();
    app.clock.advance(5 * 60_000);

    // the replica pauses for 150 ms, less than replicaWait: a page claimed now waits for it and goes
    // out only after it is back (one claimed before, held back by a throttle, may go at once)
    const claimedBefore = new Set(await replica.hkeys(keys.notifications(id)));
    const paused = await tickFrozen(150);
    const sent = pageLines(paused.started).filter((l) => l.incidentId === id);
    const claimedNow = sent.filter((l) => !claimedBefore.has(String(l.notificationId)));
    expect(claimedNow.length).toBeGreaterThan(0);
    for (const l of claimedNow) expect(l.seenAt).toBeGreaterThanOrEqual(paused.thawedAt());
    // what went out is on the replica, claimed and recorded
    const onReplica = (await replica.hvals(keys.notifications(id))).map((r) => JSON.parse(r) as { status: string; id: string });
    expect(sent.map((l) => l.notificationId).every((n) => onReplica.some((r) => r.id === n && r.status === 'logged'))).toBe(true);
    expect(await unreplicated()).toBe(0);

    // frozen for good when tier 2 falls due: the first page waits replicaWait and goes out, the rest
    // do not wait at all, and none waits behind the webhooks
    app.clock.advance(5 * 60_000);
    const frozen = await tickFrozen();
    expect(frozen.webhooks.map((r) => r.status)).toEqual(Array.from({ length: 6 }, () => 503));
    const late = pageLines(frozen.started);
    expect(late.length).toBeGreaterThan(1);
    expect(frozen.tickMs).toBeLessThan(WAIT_MS * 3);
    expect(await unreplicated()).toBeGreaterThanOrEqual(late.length);
    expect(lines.some((l) => l.msg === 'a page went ahead before enough Redis replicas confirmed its claim or record')).toBe(true);
    } finally {
      await app.stop();
    }
  }, 30_000);

  it('refuses to start against a Redis Cluster, naming the file and the field', async () => {
    const env = readEnv({ REDIS_URL: 'redis+cluster://127.0.0.1:1', PORT: '0', LOG_LEVEL: 'silent' });
    await expect(buildContainer({ env, config: withReplicas(1), logger: pino({ level: 'silent' }), redisUrl: 'redis+cluster://127.0.0.1:1', redisConnectTimeoutMs: 200 })).rejects.toThrow(
      /daemon\.yaml: incidents\.replicas: waiting for replicas needs a standalone or Sentinel Redis/,
    );
  });
});
