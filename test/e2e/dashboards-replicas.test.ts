/**
 * The dashboards with two replicas behind one Redis, both scraped by a real Prometheus: a count both
 * replicas read from Redis (open incidents, people on call) is not doubled, and a telemetry gauge
 * shows the last report of its series, whichever replica received it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type Prometheus } from '../support/peers.js';
import { dashboardExprs, substituteVariables } from '../support/promql.js';
import { randomPrefix } from '../support/redis.js';
import { startLiveApp, type LiveApp } from './live-app.js';

const DIR = join(import.meta.dirname, '..', '..', 'grafana', 'dashboards');
/** A label set as a key, whatever the order of its labels. */
const key = (labels: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
/** The one query of a panel, its variables substituted. */
function query(file: string, title: string): string {
  const found = dashboardExprs(JSON.parse(readFileSync(join(DIR, file), 'utf8'))).filter((e) => e.panel === title);
  expect(found, `${file} "${title}"`).toHaveLength(1);
  return substituteVariables(found[0]!.expr);
}

describe('dashboards over two replicas on one Redis', () => {
  const apps: LiveApp[] = [];
  let prom: Prometheus;

  beforeAll(async () => {
    const prefix = randomPrefix();
    for (let i = 0; i < 2; i++) apps.push(await startLiveApp({ env: { TOCSIN_REDIS_PREFIX: prefix } }));
    const [a, b] = apps as [LiveApp, LiveApp];
    // an outage reported through one replica, the queue's figures through both (the later one calmer)
    expect((await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': 55, 'battery.runtime': 1200 } })).status).toBe(200);
    expect((await a.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics: { calls_waiting: 12, agents_logged_in: 20 } })).status).toBe(200);
    expect((await b.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': 50, 'battery.runtime': 1100 } })).status).toBe(200);
    expect((await b.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics: { calls_waiting: 2, agents_logged_in: 18 } })).status).toBe(200);
    for (const app of apps) {
      await app.container.handover.tick(Date.now()); // the on-call gauges of each replica
      await app.until('the open-incident gauge counts the outage', async () => ((await app.container.metrics.incidentsOpen.get()).values.some((v) => v.value > 0) ? true : undefined));
    }
    prom = await startPrometheus({ targets: apps.map((a) => a.address), scrapeInterval: '1s' });
    await prom.waitForScrape();
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    for (const a of apps) await a.stop();
  });

  /** The panel's answer as label set → value. */
  async function answer(file: string, title: string): Promise<Record<string, number>> {
    const r = await prom.query(query(file, title));
    if (r.status !== 'success') throw new Error(`${file} "${title}": ${r.error}`);
    const out: Record<string, number> = {};
    for (const s of r.data.result as { metric: Record<string, string>; value: [number, string] }[]) out[key(s.metric)] = Number(s.value[1]);
    return out;
  }

  it('counts read from Redis by each replica are not doubled', async () => {
    const open = (await apps[0]!.request('GET', '/api/incidents?state=open')).body.incidents.length as number;
    expect(open).toBe(1);
    expect(Object.values(await answer('escalations.json', 'Open incidents'))).toEqual([open]);
    expect(Object.values(await answer('escalations.json', 'Open incidents by class and level'))).toEqual([open]);
    const people = Object.fromEntries((await apps[0]!.container.metrics.onCall.get()).values.map((v) => [key({ role: String(v.labels.role) }), v.value]));
    expect(Object.keys(people).length).toBeGreaterThan(0);
    expect(await answer('escalations.json', 'Who is on call: people on duty per role')).toEqual(people);
  });

  it('telemetry shows the last report of each series, whichever replica it reached', async () => {
    const queue = key({ site: 'hq', queue: 'main' });
    expect(await answer('power-acd.json', 'Calls waiting now')).toEqual({ [queue]: 2 });
    expect(await answer('power-acd.json', 'Agents logged in')).toEqual({ [queue]: 18 });
    const ups = key({ device: 'ups1', site: 'hq' });
    expect(await answer('power-acd.json', 'Charge now')).toEqual({ [ups]: 0.5 });
    expect(await answer('power-acd.json', 'Runtime now')).toEqual({ [ups]: 1100 });
    expect(await answer('power-acd.json', 'Battery charge')).toEqual({ [ups]: 0.5 });
  });
});
