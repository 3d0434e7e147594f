/**
 * More incidents due at once than one claim batch (escalation.batch, 200): one tick works them all
 * off, batch after batch, instead of one batch per tick (10 000 due tiers would otherwise wait 50
 * ticks). Measured at scale by `npm run bench` (bench/precision.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

let app: TestApp | undefined;

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('engine backlog', () => {
  it('450 app_network_acd incidents whose tier 1 falls due together all run in one tick', async () => {
    app = await startTestApp({ clock: new ManualClock(T0) });
    const a = app;
    const n = 450;
    expect(a.container.config.daemon.escalation.batch).toBeLessThan(n);
    const alerts = Array.from({ length: n }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'CrmDown', service: 'crm', site: `site${i}`, severity: 'warning' },
      annotations: { summary: `CRM down at site${i}` },
      startsAt: new Date(T0).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: `crm${String(i).padStart(12, '0')}`,
    }));
    const body = { version: '4', groupKey: '{}', truncatedAlerts: 0, status: 'firing', receiver: 'tocsin', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts };
    expect((await a.request('POST', '/webhooks/alertmanager', body)).status).toBe(200);
    await a.container.engine.idle();

    a.clock.set(T0 + 5 * MIN);
    const r = await a.container.engine.tick(T0 + 5 * MIN);
    expect(r.failed).toBe(0);
    // every incident at least once; those whose held pages a bundle carried during the tick are
    // looked at again in it, to complete their steps
    expect(r.processed).toBeGreaterThanOrEqual(n);
    const open = (await a.request('GET', '/api/incidents?state=open&limit=1000')).body.incidents as any[];
    expect(open).toHaveLength(n);
    // tier 1 (supervisor, T+5m) was planned for every incident in that one tick
    expect(open.every((i) => (i.notifications as any[]).some((nt) => nt.tier === 1))).toBe(true);
  });
});
