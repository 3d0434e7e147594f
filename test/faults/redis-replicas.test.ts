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
import { startTestApp, type TestApp } from '../support/app.js';
import { PrivateRedisSentinel } from '../support/redis-sentinel.js';

const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as { alerts: Record<string, any>[] };
const WAIT_MS = 400;

function withReplicas(replicas: number): Config {
  const config = loadConfig('config');
  return { ...config, daemon: { ...config.daemon, incidents: { ...config.daemon.incidents, replicas, replicaWait: WAIT_MS } } };
}

/** The same outage, one more UPS on battery. */
function anotherUps(n: number) {
  const model = firing.alerts[0]!;
  return { ...firing, alerts: [{ ...model, labels: { ...model.labels, ups: `ups-extra-${n}` }, fingerprint: `e${String(n).padStart(15, '0')}` }] };
}

let sentinel: PrivateRedisSentinel;
let app: TestApp;
let replica: Redis;
beforeAll(async () => {
  sentinel = await PrivateRedisSentinel.start();
  app = await startTestApp({ env: { REDIS_URL: sentinel.url }, config: withReplicas(1) });
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
      expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 20);
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

  it('refuses to start against a Redis Cluster, naming the file and the field', async () => {
    const env = readEnv({ REDIS_URL: 'redis+cluster://127.0.0.1:1', PORT: '0', LOG_LEVEL: 'silent' });
    await expect(buildContainer({ env, config: withReplicas(1), logger: pino({ level: 'silent' }), redisUrl: 'redis+cluster://127.0.0.1:1', redisConnectTimeoutMs: 200 })).rejects.toThrow(
      /daemon\.yaml: incidents\.replicas: waiting for replicas needs a standalone or Sentinel Redis/,
    );
  });
});
