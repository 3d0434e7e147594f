/**
 * The waits of daemon.yaml `redis` and `http` reach what they govern: the Redis client's command
 * timeout, start-up wait and reconnect pauses, the grace of a page's claim taken over, the HTTP
 * server's keep-alive, and the Retry-After of a 503.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationId } from '../../src/app/page-chain.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { CHANNELS } from '../../src/config/schema-parts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { startTestApp, type TestApp } from '../support/app.js';

/** Nothing listens here: a Redis that never answers. */
const DEAD_REDIS = 'redis://127.0.0.1:18901';

const shipped = loadConfig('config');

function configWith(daemon: { redis?: Partial<Config['daemon']['redis']>; http?: Partial<Config['daemon']['http']> }): Config {
  // only the waits given change (the reconnect pauses as a whole)
  const d = shipped.daemon;
  return { ...shipped, daemon: { ...d, redis: { ...d.redis, ...daemon.redis }, http: { ...d.http, ...daemon.http } } };
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('daemon.yaml redis', () => {
  it('a command unanswered for redis.commandTimeout fails then, not after a built-in 5 s', async () => {
    app = await startTestApp({ config: configWith({ redis: { commandTimeout: 300 } }) });
    const started = Date.now();
    // BLPOP on an empty list answers only after 3 s: the client gives up first
    await expect(app.container.redis.blpop(`${app.prefix}never`, 3)).rejects.toThrow(/timed out/i);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
  });

  it('waits redis.startupWait for a Redis that does not answer, then serves 503 with http.retryAfter', async () => {
    const started = Date.now();
    app = await startTestApp({ env: { REDIS_URL: DEAD_REDIS }, config: configWith({ redis: { connectTimeout: 1_000, startupWait: 1_000 }, http: { retryAfter: 7_000 } }) });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4_000); // not the 5 s the daemon used to wait whatever the config said
    expect((await app.request('GET', '/readyz')).status).toBe(503);
    const res = await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OB' } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('TOCSIN_ERR_STORE_UNAVAILABLE');
    expect(res.headers.get('retry-after')).toBe('7');
    // the Alertmanager webhook, served ahead of express, says the same
    const am = await app.request('POST', '/webhooks/alertmanager', { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'HostDown', site: 'hq' }, startsAt: '2026-12-05T10:00:00Z' }] });
    expect(am.status).toBe(503);
    expect(am.headers.get('retry-after')).toBe('7');
  });
});

describe('daemon.yaml redis.reconnect', () => {
  it('the connection lost, it is tried again after `first`, doubling up to `max` and no longer', async () => {
    app = await startTestApp({ env: { REDIS_URL: DEAD_REDIS }, config: configWith({ redis: { connectTimeout: 1_000, startupWait: 1_000, reconnect: { first: 20, max: 80 } } }) });
    const pauses: number[] = [];
    app.container.redis.on('reconnecting', (ms: number) => pauses.push(ms));
    await new Promise((r) => setTimeout(r, 600));
    // a second of failed attempts already: each pause is the longest now, not the 2 s the client used whatever the config said
    expect(pauses.length).toBeGreaterThanOrEqual(3);
    expect(new Set(pauses)).toEqual(new Set([80]));
  });

  it("a page's claim taken over from a process that died waits redis.reconnect.max plus redis.commandTimeout before its send", async () => {
    const T0 = Date.parse('2026-11-23T10:00:00Z');
    const AT = T0 + 5 * 60_000;
    // the grace: 300 ms plus 1 s
    app = await startTestApp({ clock: new ManualClock(T0), config: configWith({ redis: { commandTimeout: 1_000, reconnect: { first: 50, max: 300 } } }) });
    const { body } = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
    const id = body.id as string;
    await app.container.engine.idle();
    // a replica claimed the supervisor's T+5m page, on whichever channel, and died before sending it: its lease is over
    const { lease } = app.container.config.daemon.escalation;
    const [supervisor] = (await app.container.oncall.resolve('supervisor', AT)).people;
    expect(supervisor).toBeDefined();
    const person = supervisor!.id;
    const notifications = new RedisNotificationRepository(app.container.redis, makeKeys(app.prefix, 'live'));
    for (const channel of CHANNELS) {
      const page = { id: notificationId(id, 't1', person, channel, 1), incidentId: id, stepKey: 't1', tier: 1, role: 'supervisor', person, channel, status: 'planned', at: new Date(AT).toISOString(), phase: 'escalation', attempt: 1 } as const;
      expect((await notifications.claim(page, AT - lease - 1, lease, 'dead-replica')).outcome).toBe('owned');
    }
    app.clock.set(AT);
    const started = Date.now();
    await app.container.engine.tick(AT);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1_300);
    expect(took).toBeLessThan(2_500); // not 2 s plus redis.commandTimeout
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    const paged = (inc.notifications as any[]).filter((n) => n.tier === 1 && n.role === 'supervisor' && n.status === 'logged');
    expect(paged.map((n) => [n.person, n.attempt])).toEqual([[person, 1]]);
  });
});

describe('daemon.yaml http.keepAlive', () => {
  /** Sends one keep-alive request on a raw socket; resolves with the socket once the answer is in. */
  function oneRequest(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: tocsin\r\nConnection: keep-alive\r\n\r\n'));
      socket.once('error', reject);
      socket.once('data', () => resolve(socket));
    });
  }

  it('an idle keep-alive connection is closed after http.keepAlive', async () => {
    app = await startTestApp({ config: configWith({ http: { keepAlive: 1_000 } }) });
    const socket = await oneRequest(Number(new URL(app.baseUrl).port));
    const answeredAt = Date.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const idle = Date.now() - answeredAt;
    expect(idle).toBeGreaterThanOrEqual(800);
    expect(idle).toBeLessThan(10_000); // not the shipped 65 s
  });
});
