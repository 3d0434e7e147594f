/** A whole tocsin (real Redis, real HTTP) on a random port with its own key prefix and a manual clock. */
import { pino } from 'pino';
import { readEnv, type Env } from '../../src/config/env.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { buildContainer, type Container } from '../../src/container.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from './redis.js';

export interface TestApp {
  readonly container: Container;
  readonly clock: ManualClock;
  readonly baseUrl: string;
  readonly prefix: string;
  readonly env: Env;
  /** fetch relative to the app, JSON in and out. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the app; removes its keys unless `keep` (for restart tests). */
  stop(options?: { keep?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  readonly env?: Record<string, string>;
  readonly prefix?: string;
  readonly clock?: ManualClock;
  readonly config?: Config;
  readonly configDir?: string;
  readonly logger?: Logger;
}

export async function startTestApp(o: TestAppOptions = {}): Promise<TestApp> {
  const prefix = o.prefix ?? randomPrefix();
  const env = readEnv({ TOCSIN_REDIS_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...o.env });
  const config = o.config ?? loadConfig(o.configDir ?? 'config', { clockSpeed: env.clockSpeed });
  const clock = o.clock ?? new ManualClock();
  const logger = o.logger ?? pino({ level: 'silent' });
  const container = await buildContainer({ env, config, logger, redisUrl: env.redisUrl ?? TEST_REDIS_URL, clock });
  const port = await container.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    container,
    clock,
    baseUrl,
    prefix,
    env,
    async request(method, path, body, headers = {}) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop(options = {}) {
      await container.stop();
      if (!options.keep) await deleteByPrefix(prefix);
    },
  };
}
