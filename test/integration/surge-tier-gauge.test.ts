/** tocsin_acd_surge_tier follows the surge incident's tier per site and queue, and falls to 0 when controlled. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

async function surgeTier(): Promise<string | undefined> {
  const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
  return /^tocsin_acd_surge_tier\{site="hq",queue="main"\} (\d+)$/m.exec(text)?.[1];
}

async function eventually(expected: string | undefined): Promise<void> {
  const end = Date.now() + 5_000;
  let seen: string | undefined;
  while (Date.now() < end) {
    seen = await surgeTier();
    if (seen === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(seen).toBe(expected);
}

const busy = { site: 'hq', queue: 'main', metrics: { calls_waiting: 45, longest_wait_seconds: 400 } };
const calm = { site: 'hq', queue: 'main', metrics: { calls_waiting: 2, longest_wait_seconds: 10 } };

describe('surge tier gauge', () => {
  it('inbound_surge: tier 1 at once, tier 2 after 30 uncontrolled minutes, 0 once controlled', async () => {
    expect((await app.request('POST', '/webhooks/acd', busy)).status).toBe(200);
    await app.container.engine.tick(app.clock.now());
    await app.request('POST', '/webhooks/acd', busy);
    await eventually('1');

    app.clock.advance(30 * 60_000);
    await app.container.engine.tick(app.clock.now());
    await app.request('POST', '/webhooks/acd', busy);
    await eventually('2');

    await app.request('POST', '/webhooks/acd', calm);
    app.clock.advance(11 * 60_000); // the surge hold is 10 minutes
    await app.request('POST', '/webhooks/acd', calm);
    await eventually(undefined);
  });
});
