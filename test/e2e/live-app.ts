/**
 * A whole tocsin for end-to-end tests against real peers: the real container on real Redis (random
 * prefix), a random port, the system clock and its background jobs running — peers such as
 * Alertmanager and ups-poll act in real time, so the daemon's clock must be the real one.
 */
import { pino } from 'pino';
import { readEnv, type Env } from '../../src/config/env.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { buildContainer, type Container } from '../../src/container.js';
import { SystemClock } from '../../src/platform/clock.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

export interface LiveApp {
  readonly container: Container;
  readonly baseUrl: string;
  /** `127.0.0.1:PORT`, for a scrape target. */
  readonly address: string;
  readonly env: Env;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Polls `fn` until it returns something other than undefined, or fails after `ms` saying `what`. */
  until<T>(what: string, fn: () => Promise<T | undefined>, ms?: number): Promise<T>;
  stop(): Promise<void>;
}

/** The shipped config with parts replaced (the shipped config stays frozen and untouched). */
export function shippedConfigWith(patch: (c: Config) => Partial<Config>): Config {
  const c = loadConfig('config');
  return { ...c, ...patch(c) };
}

export async function startLiveApp(o: { env?: Record<string, string>; config?: Config } = {}): Promise<LiveApp> {
  const prefix = randomPrefix();
  const env = readEnv({ TOCSIN_REDIS_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...o.env });
  const config = o.config ?? loadConfig('config');
  const container = await buildContainer({ env, config, logger: pino({ level: 'silent' }), redisUrl: TEST_REDIS_URL, clock: new SystemClock() });
  await container.start();
  const port = await container.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const apiHeaders: Record<string, string> = env.apiToken ? { authorization: `Bearer ${env.apiToken}` } : {};
  return {
    container,
    baseUrl,
    address: `127.0.0.1:${port}`,
    env,
    async request(method, path, body, headers = {}) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...apiHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
    async until(what, fn, ms = 30_000) {
      const deadline = Date.now() + ms;
      let last: unknown;
      for (;;) {
        try {
          const v = await fn();
          if (v !== undefined) return v;
        } catch (e) {
          last = e;
        }
        if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms${last ? ` (${String(last)})` : ''}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      await container.stop();
      await deleteByPrefix(env.redisPrefix); // the prefix given in `env`, if one was, else its own
    },
  };
}
