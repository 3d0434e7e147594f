/** A held resolution completes when its hold is over even if the source never reports again. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

describe('settling held resolutions', () => {
  it('power: a single NUT ONLINE notification resolves the outage once the online hold has passed, and the all-clear goes out', async () => {
    const onbatt = await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'ONBATT' });
    expect(onbatt.status).toBe(200);
    await app.container.engine.idle();
    const id = onbatt.body.results.find((r: any) => r.result === 'opened').incident as string;

    app.clock.advance(60_000);
    const online = await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'ONLINE' });
    expect(online.body.results.map((r: any) => r.result)).toContain('holding');
    await app.container.engine.tick(app.clock.now());
    expect((await app.request('GET', `/api/incidents/${id}`)).body.state).toBe('open');

    app.clock.advance(29_000); // hold is 30s: not yet
    await app.container.engine.tick(app.clock.now());
    expect((await app.request('GET', `/api/incidents/${id}`)).body.state).toBe('open');

    app.clock.advance(2_000);
    await app.container.engine.tick(app.clock.now());
    await app.container.engine.idle();
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.state).toBe('resolved');
    expect(inc.resolvedBy).toBe('source:ups');
    const paged = new Set(inc.notifications.filter((n: any) => n.phase !== 'all_clear' && n.phase !== 'reminder').map((n: any) => n.person));
    const allClear = new Set(inc.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => n.person));
    expect(paged.size).toBeGreaterThan(0);
    expect(allClear).toEqual(paged);
  });

  it('a refire during the hold keeps the incident open', async () => {
    const onbatt = await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'ONBATT' });
    const id = onbatt.body.results.find((r: any) => r.result === 'opened').incident as string;
    await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'ONLINE' });
    app.clock.advance(10_000);
    await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'ONBATT' });
    app.clock.advance(60_000);
    await app.container.engine.tick(app.clock.now());
    expect((await app.request('GET', `/api/incidents/${id}`)).body.state).toBe('open');
  });
});
