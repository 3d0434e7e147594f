/** Incidents and their timelines live in Redis and survive a daemon restart. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { randomPrefix } from '../support/redis.js';

const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as Record<string, any>;
let second: TestApp | undefined;
afterAll(async () => {
  await second?.stop();
});

describe('restart', () => {
  it('a new daemon on the same Redis and prefix sees the same incidents and keeps deduping into them', async () => {
    const prefix = randomPrefix();
    const first = await startTestApp({ prefix });
    await first.request('POST', '/webhooks/alertmanager', firing);
    await first.container.engine.idle();
    const before = (await first.request('GET', '/api/incidents')).body.incidents;
    await first.stop({ keep: true });

    second = await startTestApp({ prefix });
    const after = (await second.request('GET', '/api/incidents')).body.incidents;
    expect(after).toEqual(before);
    const again = await second.request('POST', '/webhooks/alertmanager', firing);
    expect(again.body.results.map((r: any) => r.result)).toEqual(['duplicate', 'duplicate']);
    expect((await second.request('GET', `/api/incidents/${before[0].id}`)).body.eventCount).toBe(4);
  });

  it('daemons with different prefixes never see each other', async () => {
    const a = await startTestApp();
    const b = await startTestApp();
    try {
      await a.request('POST', '/webhooks/alertmanager', firing);
      expect((await b.request('GET', '/api/incidents')).body.incidents).toHaveLength(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
