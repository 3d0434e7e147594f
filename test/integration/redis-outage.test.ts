/** Redis down → 503 so senders retry, /readyz 503, process alive; Redis back → recovers without restart; nothing acknowledged is lost. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { PrivateRedis } from '../support/redis-server.js';

const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as Record<string, any>;

let redis: PrivateRedis;
let app: TestApp;
beforeAll(async () => {
  redis = await PrivateRedis.start();
  app = await startTestApp({ env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await app.stop({ keep: true });
  await redis.destroy();
});

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('Redis outage', () => {
  it('answers 503 while Redis is down and recovers by itself when it is back', async () => {
    expect((await app.request('POST', '/webhooks/alertmanager', firing)).status).toBe(200);
    expect((await app.request('GET', '/readyz')).status).toBe(200);

    await redis.down();
    await until(async () => (await app.request('GET', '/readyz')).status === 503);
    const during = await app.request('POST', '/webhooks/alertmanager', { ...firing, alerts: [{ ...firing.alerts[0], fingerprint: '1111111111111111', labels: { alertname: 'CrmDown', site: 'hq' } }] });
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('TOCSIN_ERR_STORE_UNAVAILABLE');
    expect(during.headers.get('retry-after')).toBe('5');
    expect((await app.request('GET', '/api/incidents')).status).toBe(503);
    expect((await app.request('GET', '/healthz')).status).toBe(200); // alive
    // a scrape still answers, at once, with the process's own metrics
    const started = Date.now();
    const scrape = await fetch(`${app.baseUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^tocsin_process_cpu_seconds_total /m);
    expect(Date.now() - started).toBeLessThan(3_000); // not a Redis command timeout (5 s)

    await redis.up();
    await until(async () => (await app.request('GET', '/readyz')).status === 200);
    // the incident acknowledged with 200 before the outage survived (append-only file)
    const list = await app.request('GET', '/api/incidents');
    expect(list.body.incidents.map((i: any) => [i.class, i.eventCount])).toEqual([['power', 2]]);
    // and the sender's retry of the rejected body is now recorded
    const retry = await app.request('POST', '/webhooks/alertmanager', { ...firing, alerts: [{ ...firing.alerts[0], fingerprint: '1111111111111111', labels: { alertname: 'CrmDown', site: 'hq' } }] });
    expect(retry.status).toBe(200);
    expect((await app.request('GET', '/api/incidents')).body.incidents).toHaveLength(2);
  });
});
