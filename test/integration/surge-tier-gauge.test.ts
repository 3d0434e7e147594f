/**
 * tocsin_acd_surge_tier follows the surge incident's tier per site and queue, and falls to 0 when
 * controlled; its site and queue labels pass the ACD gauges' guard (masked, at most http.metricSeries).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
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

describe('surge tier labels', () => {
  async function surgeLines(): Promise<string[]> {
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    return text.split('\n').filter((l) => l.startsWith('tocsin_acd_surge_tier{'));
  }
  async function until(n: number): Promise<string[]> {
    const end = Date.now() + 5_000;
    let lines = await surgeLines();
    while (lines.length < n && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      lines = await surgeLines();
    }
    return lines;
  }

  it('a site that reads as a phone number and a queue that reads as an e-mail address are masked as in the logs, tagged alike in the ACD gauges', async () => {
    const res = await app.request('POST', '/webhooks/acd', { site: '+86 138 0013 8000', queue: 'ops@example.com', metrics: { calls_waiting: 45, longest_wait_seconds: 400 } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => r.result)).toContain('opened');
    const lines = await until(1);
    expect(lines).toEqual([expect.stringMatching(/^tocsin_acd_surge_tier\{site="\*\*\*00~[a-p]{10}",queue="\*\*\*@\*\*\*\.com~[a-p]{10}"\} 1$/)]);
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    const labels = lines[0]?.slice(lines[0].indexOf('{'), lines[0].indexOf('}') + 1);
    expect(text).toContain(`tocsin_acd_calls_waiting${labels} 45`);
    expect(text).not.toContain('138 0013');
    expect(text).not.toContain('ops@');
  });

  it('past http.metricSeries a new site and queue gets no surge tier series', async () => {
    await app.stop();
    const base = loadConfig('config');
    app = await startTestApp({ config: { ...base, daemon: { ...base.daemon, http: { ...base.daemon.http, metricSeries: 1 } } } });
    for (const queue of ['main', 'vip']) expect((await app.request('POST', '/webhooks/acd', { site: 'hq', queue, metrics: { calls_waiting: 45, longest_wait_seconds: 400 } })).status).toBe(200);
    await until(2);
    await new Promise((r) => setTimeout(r, 1_500)); // a second refresh after both surges opened
    expect(await surgeLines()).toEqual(['tocsin_acd_surge_tier{site="hq",queue="main"} 1']);
  });
});
