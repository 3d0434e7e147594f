/** Per-source rate limits on real Redis: 429 with Retry-After for non-critical floods; a critical class is never refused; nothing refused is half-recorded. */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import type { RateLimitsConfig } from '../../src/config/schema.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisRateLimiter } from '../../src/store/rate-limit-store.js';
import { registerScripts } from '../../src/store/scripts.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const HOUR = 3_600_000;
const base = loadConfig('config');

function withLimits(perSource: RateLimitsConfig['perSource']): Config {
  return { ...base, daemon: { ...base.daemon, rateLimits: { ...base.daemon.rateLimits, perSource } } };
}

let apps: TestApp[] = [];
let prefix = '';
afterEach(async () => {
  for (const a of apps) await a.stop({ keep: true });
  apps = [];
  if (prefix) await deleteByPrefix(prefix);
  prefix = '';
});

async function start(perSource: RateLimitsConfig['perSource'], n = 1): Promise<TestApp[]> {
  prefix = randomPrefix();
  const config = withLimits(perSource);
  for (let i = 0; i < n; i++) apps.push(await startTestApp({ prefix, config }));
  return apps;
}

let seq = 0;
const alert = (labels: Record<string, string>) => ({
  status: 'firing',
  labels: { site: 'hq', ...labels },
  annotations: { summary: labels.alertname ?? 'alert' },
  startsAt: '2026-11-23T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: '',
  fingerprint: (++seq).toString(16).padStart(16, '0'),
});
const amBody = (...alerts: ReturnType<typeof alert>[]) => ({ version: '4', groupKey: 'g', status: 'firing', receiver: 'tocsin', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts });

async function openIncidents(app: TestApp): Promise<any[]> {
  const r = await app.request('GET', '/api/incidents?limit=1000');
  return r.body.incidents as any[];
}

describe('the limiter (store script)', () => {
  it('allows a whole window as a burst, then one request per interval; refused requests are not counted', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    registerScripts(redis);
    prefix = randomPrefix();
    const limiter = new RedisRateLimiter(redis, makeKeys(prefix, 'live'));
    const limit = { requests: 4, perMs: 4_000 }; // one per second, burst of four
    const t0 = 1_800_000_000_000;
    try {
      const burst = [];
      for (let i = 0; i < 4; i++) burst.push((await limiter.take('am', limit, t0)).allowed);
      expect(burst).toEqual([true, true, true, true]);
      const refused = await limiter.take('am', limit, t0);
      expect(refused).toEqual({ allowed: false, retryAfterMs: 1_000 });
      // refusals did not push the next slot further away
      for (let i = 0; i < 5; i++) await limiter.take('am', limit, t0 + 500);
      expect((await limiter.take('am', limit, t0 + 500)).retryAfterMs).toBe(500);
      expect((await limiter.take('am', limit, t0 + 1_000)).allowed).toBe(true);
      expect((await limiter.take('am', limit, t0 + 1_000)).allowed).toBe(false);
      // another bucket is independent
      expect((await limiter.take('ups', limit, t0)).allowed).toBe(true);
      // after a quiet window the whole burst is back
      const later = [];
      for (let i = 0; i < 5; i++) later.push((await limiter.take('am', limit, t0 + 10_000)).allowed);
      expect(later).toEqual([true, true, true, true, false]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('Alertmanager', () => {
  it('answers 429 with Retry-After past the limit, and records nothing of a refused body', async () => {
    const [app] = (await start({ alertmanager: { requests: 3, per: HOUR } })) as [TestApp];
    for (let i = 0; i < 3; i++) expect((await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: `CrmSlow${i}` })))).status).toBe(200);
    const refused = await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'CrmSlowA' }), alert({ alertname: 'CrmSlowB' })));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TOCSIN_ERR_RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(1_000); // about 20 minutes: one slot of an hour's three
    expect(retryAfter).toBeLessThanOrEqual(1_200);
    const summaries = (await openIncidents(app)).map((i) => i.summary).sort();
    expect(summaries).toEqual(['CrmSlow0', 'CrmSlow1', 'CrmSlow2']);
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/tocsin_events_rejected_total\{source="alertmanager",reason="TOCSIN_ERR_RATE_LIMITED"\} 1/);
  });

  it('never refuses a critical class: severity=critical, a class label at level 4+, a power alert by the rules; a mixed body is taken whole', async () => {
    const [app] = (await start({ alertmanager: { requests: 1, per: HOUR } })) as [TestApp];
    expect((await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'Noise0' })))).status).toBe(200);
    expect((await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'Noise1' })))).status).toBe(429);
    const critical = [
      amBody(alert({ alertname: 'CrmDown', severity: 'critical' })),
      amBody(alert({ alertname: 'PanelAlarm', class: 'security' })),
      amBody(alert({ alertname: 'UpsOnBattery' })),
      amBody(alert({ alertname: 'Noise2' }), alert({ alertname: 'FireAlarmHallB', site: 'annex' })),
    ];
    for (const b of critical) {
      const r = await app.request('POST', '/webhooks/alertmanager', b);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const incidents = await openIncidents(app);
    const byClass = (k: string) => incidents.filter((i) => i.class === k).map((i) => i.summary);
    expect(byClass('security').sort()).toEqual(['FireAlarmHallB', 'PanelAlarm']);
    expect(byClass('power')).toEqual(['UpsOnBattery']);
    expect(incidents.map((i) => i.summary)).toContain('CrmDown');
    expect(incidents.map((i) => i.summary)).toContain('Noise2');
    expect(incidents.map((i) => i.summary)).not.toContain('Noise1');
    // still limited for the next non-critical body
    expect((await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'Noise3' })))).status).toBe(429);
  });

  it('the limit is shared by replicas on one Redis', async () => {
    const [a, b] = (await start({ alertmanager: { requests: 4, per: HOUR } }, 2)) as [TestApp, TestApp];
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? b : a).request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: `Shared${i}` })))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(await openIncidents(a)).toHaveLength(4);
  });

  it('lets the sender through again once Retry-After has passed', async () => {
    const [app] = (await start({ alertmanager: { requests: 1, per: 1_000 } })) as [TestApp];
    expect((await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'R0' })))).status).toBe(200);
    const refused = await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'R1' })));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await app.request('POST', '/webhooks/alertmanager', amBody(alert({ alertname: 'R1' })))).status).toBe(200);
  });
});

describe('UPS, ACD and the API', () => {
  it('UPS: routine polls are limited; on battery and low battery always get through', async () => {
    const [app] = (await start({ ups: { requests: 2, per: HOUR }, acd: { requests: 1, per: HOUR } })) as [TestApp];
    const poll = (status: string, extra: Record<string, unknown> = {}) => app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': status, 'battery.charge': 100, ...extra } });
    expect((await poll('OL')).status).toBe(200);
    expect((await poll('OL CHRG')).status).toBe(200);
    const limited = await poll('OL');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('TOCSIN_ERR_RATE_LIMITED');
    expect((await poll('OB DISCHRG', { 'battery.charge': 90 })).status).toBe(200);
    expect((await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'LOWBATT' })).status).toBe(200);
    const power = (await openIncidents(app)).filter((i) => i.class === 'power');
    expect(power).toHaveLength(1);
    expect(power[0].level).toBe(5);

    const acd = (n: number) => app.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics: { calls_waiting: n } });
    expect((await acd(1)).status).toBe(200);
    expect((await acd(2)).status).toBe(429);
  });

  it('API: reports of a non-critical class are limited; security and power reports, acknowledgements and resolutions are not', async () => {
    const [app] = (await start({ api: { requests: 2, per: HOUR } })) as [TestApp];
    expect((await app.request('GET', '/api/incidents')).status).toBe(200);
    const hvac = await app.request('POST', '/api/incidents', { class: 'hvac', site: 'hq', summary: 'hall B warm' });
    expect(hvac.status).toBe(201);
    const refused = await app.request('POST', '/api/incidents', { class: 'hvac', site: 'hq2', summary: 'hall C warm' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await app.request('GET', '/api/incidents')).status).toBe(429);
    const fire = await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'fire alarm, hall B' });
    expect(fire.status).toBe(201);
    const mains = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'mains lost' });
    expect(mains.status).toBe(201);
    expect((await app.request('POST', `/api/incidents/${fire.body.id}/ack`, { by: 'sup' })).status).toBe(200);
    expect((await app.request('POST', `/api/incidents/${hvac.body.id}/resolve`, { by: 'lead' })).status).toBe(200);
    // nothing of the refused report was recorded
    expect((await scanIncidentSummaries(app)).sort()).toEqual(['fire alarm, hall B', 'hall B warm', 'mains lost']);
  });
});

/** Every incident summary under the app's prefix, read straight from Redis (the API itself is limited). */
async function scanIncidentSummaries(app: TestApp): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${app.prefix}{live}:inc:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        if (/:inc:[^:]+$/.test(k)) {
          const s = await redis.hget(k, 'summary');
          if (s !== null) out.push(s);
        }
      }
    } while (cursor !== '0');
    return out;
  } finally {
    redis.disconnect();
  }
}
