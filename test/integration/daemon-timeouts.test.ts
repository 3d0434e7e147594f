/**
 * The waits of daemon.yaml `redis` and `http` reach what they govern: the Redis client's command
 * timeout and the start-up wait, the HTTP server's keep-alive, and the Retry-After of a 503.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startTestApp, type TestApp } from '../support/app.js';

/** Nothing listens here: a Redis that never answers. */
const DEAD_REDIS = 'redis://127.0.0.1:18901';

const shipped = loadConfig('config');

function configWith(daemon: { redis?: Partial<Config['daemon']['redis']>; http?: Partial<Config['daemon']['http']> }): Config {
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
