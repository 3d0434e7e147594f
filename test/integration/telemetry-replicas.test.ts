/**
 * Two daemons on one Redis: the UPS and ACD gauges read the same on both, whichever replica each
 * report reached (the last report of a series wins everywhere), survive a restart, and leave once
 * their device or queue has gone unreported for http.readingsMaxAge.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { TestApp } from '../support/app.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { replicas as replicaSet, type Replicas } from '../support/replicas.js';

const MIN = 60_000;

let set: Replicas | undefined;

afterEach(async () => {
  await set?.stop();
  set = undefined;
});

async function replicas(n: number, clock?: ManualClock): Promise<Replicas['apps']> {
  set = replicaSet();
  return set.start(n, clock ? { clock } : {});
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

  it('labels one replica masked are what the other exports; two numbers masked alike stay two series', async () => {
    const [a, b] = await replicas(2);
    expect((await a!.request('POST', '/webhooks/acd', { site: '+86 138 0013 8000', queue: 'ops@example.com', metrics: { calls_waiting: 45 } })).status).toBe(200);
    // another number with the same last two digits, through the other replica
    expect((await b!.request('POST', '/webhooks/acd', { site: '+86 139 1234 5600', queue: 'ops@example.com', metrics: { calls_waiting: 3 } })).status).toBe(200);
    const [ta, tb] = [await telemetry(a!), await telemetry(b!)];
    expect(tb).toEqual(ta);
    expect(tb).toEqual([
      expect.stringMatching(/^tocsin_acd_calls_waiting\{site="\*\*\*00~[a-p]{10}",queue="\*\*\*@\*\*\*\.com~[a-p]{10}"\} (45|3)$/),
      expect.stringMatching(/^tocsin_acd_calls_waiting\{site="\*\*\*00~[a-p]{10}",queue="\*\*\*@\*\*\*\.com~[a-p]{10}"\} (45|3)$/),
    ]);
    expect(tb.map((l) => l.split(' ')[1]).sort()).toEqual(['3', '45']);
    const text = await fetch(`${b!.baseUrl}/metrics`).then((r) => r.text());
    expect(text).not.toMatch(/138 0013|139 1234|ops@/);
  });

  it('a UPS or queue not reported for http.readingsMaxAge (15m, 1h) leaves the gauges of every replica and Redis; reported again, it is back', async () => {
    const clock = new ManualClock();
    const [a, b] = await replicas(2, clock);
    const ups = (device: string) => ({ device, site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 100, 'battery.runtime': 1200 } });
    const acd = { site: 'hq', queue: 'main', metrics: { calls_waiting: 3 } };
    expect((await a!.request('POST', '/webhooks/ups', ups('ups1'))).status).toBe(200);
    expect((await a!.request('POST', '/webhooks/ups', ups('ups2'))).status).toBe(200);
    expect((await b!.request('POST', '/webhooks/acd', acd)).status).toBe(200);
    const devices = async (app: TestApp) => [...new Set((await telemetry(app)).map((l) => /device="([^"]+)"|queue="([^"]+)"/.exec(l)?.slice(1).find(Boolean)))].sort();
    expect(await devices(b!)).toEqual(['main', 'ups1', 'ups2']);

    // ups1 goes on reporting (through the other replica); ups2 was taken out of service
    clock.advance(10 * MIN);
    expect((await b!.request('POST', '/webhooks/ups', ups('ups1'))).status).toBe(200);
    clock.advance(6 * MIN);
    expect(await devices(a!)).toEqual(['main', 'ups1']);
    expect(await devices(b!)).toEqual(['main', 'ups1']);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const fields = async () => [...(await redis.hkeys(`${set!.prefix}{live}:telemetry`)), ...(await redis.hkeys(`${set!.prefix}{live}:telemetry:at`))];
      expect((await fields()).some((f) => f.includes('ups2'))).toBe(false);
      expect((await fields()).some((f) => f.includes('ups1'))).toBe(true);

      // the queue lasts an hour
      clock.advance(45 * MIN);
      expect(await devices(a!)).toEqual([]);
      expect(await fields()).toEqual([]);
    } finally {
      redis.disconnect();
    }

    expect((await a!.request('POST', '/webhooks/ups', ups('ups2'))).status).toBe(200);
    expect(await devices(b!)).toEqual(['ups2']);
  });

  it('a UPS gone from the gauges frees its http.metricSeries slot on every replica: a new one takes it', async () => {
    const clock = new ManualClock();
    const base = loadConfig('config');
    const config = { ...base, daemon: { ...base.daemon, http: { ...base.daemon.http, metricSeries: 1 } } };
    set = replicaSet();
    const [a, b] = await set.start(2, { clock, config });
    const ups = (device: string) => ({ device, site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 100 } });
    const devices = async (app: TestApp) => [...new Set((await telemetry(app)).map((l) => /device="([^"]+)"/.exec(l)?.[1]))].sort();
    expect((await a!.request('POST', '/webhooks/ups', ups('ups1'))).status).toBe(200);
    expect(await devices(b!)).toEqual(['ups1']);
    expect((await b!.request('POST', '/webhooks/ups', ups('ups2'))).status).toBe(200); // no room: evaluated, not mirrored
    expect(await devices(a!)).toEqual(['ups1']);

    // ups1 was taken out of service; the first replica's scrape removes it, the other only finds it gone
    clock.advance(16 * MIN);
    expect(await devices(a!)).toEqual([]);
    expect(await devices(b!)).toEqual([]);
    // a UPS put in its place is a series on both replicas, whichever one it reports to
    expect((await b!.request('POST', '/webhooks/ups', ups('ups3'))).status).toBe(200);
    expect(await devices(b!)).toEqual(['ups3']);
    expect(await devices(a!)).toEqual(['ups3']);
  });

  it('a reading an older daemon wrote without a stamp ages from the first scrape that finds it', async () => {
    const clock = new ManualClock();
    const [a] = await replicas(1, clock);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.hset(`${set!.prefix}{live}:telemetry`, JSON.stringify(['acdCallsWaiting', { site: 'hq', queue: 'old' }]), '7');
      expect(await telemetry(a!)).toEqual(['tocsin_acd_calls_waiting{site="hq",queue="old"} 7']);
      clock.advance(59 * MIN);
      expect(await telemetry(a!)).toEqual(['tocsin_acd_calls_waiting{site="hq",queue="old"} 7']);
      clock.advance(2 * MIN);
      expect(await telemetry(a!)).toEqual([]);
      expect(await redis.exists(`${set!.prefix}{live}:telemetry`, `${set!.prefix}{live}:telemetry:at`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('a series an older daemon wrote with an untagged mask, or an address with its domain shown, leaves at the first scrape, beside the one the reports make now', async () => {
    const [a, b] = await replicas(2);
    const redis = new Redis(TEST_REDIS_URL);
    const readings = `${set!.prefix}{live}:telemetry`;
    const old = JSON.stringify(['upsCharge', { site: 'hq', device: '***02' }]);
    try {
      await redis.hset(
        readings,
        old,
        '0.5',
        JSON.stringify(['acdCallsWaiting', { site: 'hq', queue: '***@example.com' }]),
        '7',
        JSON.stringify(['acdCallsWaiting', { site: 'hq', queue: '***@example.com~bhopjamcea' }]),
        '8',
      );
      expect((await a!.request('POST', '/webhooks/ups', { device: '+15555550102', site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 90 } })).status).toBe(200);
      const charge = (await telemetry(b!)).filter((l) => l.startsWith('tocsin_ups_battery_charge_ratio'));
      expect(charge).toEqual([expect.stringMatching(/^tocsin_ups_battery_charge_ratio\{site="hq",device="\*\*\*02~[a-p]{10}"\} 0\.9$/)]);
      expect((await telemetry(a!)).some((l) => l.includes('example.com'))).toBe(false);
      expect(await redis.hexists(readings, old)).toBe(0);
      expect((await redis.hkeys(readings)).filter((f) => f.includes('example.com'))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
