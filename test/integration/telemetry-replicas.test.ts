/**
 * Two daemons on one Redis: the UPS and ACD gauges read the same on both, whichever replica each
 * report reached (the last report of a series wins everywhere), and survive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { replicas as replicaSet, type Replicas } from '../support/replicas.js';

let set: Replicas | undefined;

afterEach(async () => {
  await set?.stop();
  set = undefined;
});

async function replicas(n: number): Promise<Replicas['apps']> {
  set = replicaSet();
  return set.start(n);
}

/** The telemetry series of one replica's /metrics, sorted. */
async function telemetry(app: TestApp): Promise<string[]> {
  const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
  return text
    .split('\n')
    .filter((l) => /^tocsin_(ups_battery_charge_ratio|ups_battery_runtime_seconds|ups_on_battery|acd_calls_waiting|acd_longest_wait_seconds|acd_service_level_ratio|acd_agents_logged_in)\{/.test(l) || /^tocsin_ups_status\{.*flag="(OB|OL)"/.test(l))
    .sort();
}

describe('telemetry gauges with two replicas on one Redis', () => {
  it('a later report through the other replica is what both replicas export', async () => {
    const [a, b] = await replicas(2);
    const ups = (status: string, charge: number) => ({ device: 'ups1', site: 'hq', vars: { 'ups.status': status, 'battery.charge': charge, 'battery.runtime': 1200 } });
    expect((await a!.request('POST', '/webhooks/ups', ups('OB DISCHRG', 55))).status).toBe(200);
    expect((await a!.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics: { calls_waiting: 40, longest_wait_seconds: 300, agents_logged_in: 20, service_level: 0.45 } })).status).toBe(200);
    // the mains come back and the queue calms down: reported through the other replica
    expect((await b!.request('POST', '/webhooks/ups', ups('OL CHRG', 60))).status).toBe(200);
    expect((await b!.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics: { calls_waiting: 2, service_level: 0.9 } })).status).toBe(200);

    const expected = [
      'tocsin_acd_agents_logged_in{site="hq",queue="main"} 20', // only the first report had it
      'tocsin_acd_calls_waiting{site="hq",queue="main"} 2',
      'tocsin_acd_longest_wait_seconds{site="hq",queue="main"} 300',
      'tocsin_acd_service_level_ratio{site="hq",queue="main"} 0.9',
      'tocsin_ups_battery_charge_ratio{site="hq",device="ups1"} 0.6',
      'tocsin_ups_battery_runtime_seconds{site="hq",device="ups1"} 1200',
      'tocsin_ups_on_battery{site="hq",device="ups1"} 0',
      'tocsin_ups_status{site="hq",device="ups1",flag="OB"} 0',
      'tocsin_ups_status{site="hq",device="ups1",flag="OL"} 1',
    ];
    expect(await telemetry(a!)).toEqual(expected);
    expect(await telemetry(b!)).toEqual(expected);

    // a replica started afterwards exports them too
    const [, , c] = await set!.start(1);
    expect(await telemetry(c!)).toEqual(expected);
  });

  it('labels one replica masked are what the other exports', async () => {
    const [a, b] = await replicas(2);
    expect((await a!.request('POST', '/webhooks/acd', { site: '+86 138 0013 8000', queue: 'ops@example.com', metrics: { calls_waiting: 45 } })).status).toBe(200);
    const text = await fetch(`${b!.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toContain('tocsin_acd_calls_waiting{site="***00",queue="***@example.com"} 45');
    expect(text).not.toMatch(/138 0013|ops@/);
  });
});
