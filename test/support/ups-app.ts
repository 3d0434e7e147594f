/**
 * A fresh tocsin (startTestApp: real Redis, real HTTP, manual clock) for each test of a file about
 * upsmon's notifications, and what those tests do with it: post a report to /webhooks/ups, read an
 * incident, let the escalation engine run once.
 */
import { afterEach, beforeEach } from 'vitest';
import { startTestApp, type TestApp } from './app.js';

export interface UpsTestApp {
  /** The running test's app. */
  readonly app: TestApp;
  /** POST /webhooks/ups. */
  post(body: Record<string, unknown>): ReturnType<TestApp['request']>;
  /** GET /api/incidents/:id, its body. */
  incident(id: string): Promise<any>;
  /** One engine tick at the app's clock, and every step it started finished. */
  tick(): Promise<void>;
}

/** Call at the top of a test file: registers the app's start before each test and its stop (keys deleted) after. */
export function upsAppPerTest(): UpsTestApp {
  let current: TestApp | undefined;
  beforeEach(async () => {
    current = await startTestApp();
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  const app = (): TestApp => {
    if (!current) throw new Error('the UPS test app runs only inside a test');
    return current;
  };
  return {
    get app() {
      return app();
    },
    post: (body) => app().request('POST', '/webhooks/ups', body),
    incident: async (id) => (await app().request('GET', `/api/incidents/${id}`)).body,
    tick: async () => {
      await app().container.engine.tick(app().clock.now());
      await app().container.engine.idle();
    },
  };
}
