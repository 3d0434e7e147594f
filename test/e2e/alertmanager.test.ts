/**
 * A real Alertmanager (Debian's prometheus-alertmanager) with a webhook receiver pointing at the real
 * tocsin, bearer token and all: alerts posted to Alertmanager become classified incidents; an alert
 * posted again with endsAt in the past reaches tocsin as Alertmanager's resolved notification and
 * resolves the incident. The Watchdog alert only feeds the heartbeat; a wrong token is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type Alertmanager, type AmAlertIn } from '../support/peers.js';
import { startLiveApp, type LiveApp } from './live-app.js';

const TOKEN = 'am-e2e-token';

describe('Alertmanager (real) → tocsin (real daemon)', () => {
  let app: LiveApp;
  let am: Alertmanager;
  let wrongToken: Alertmanager;

  beforeAll(async () => {
    app = await startLiveApp({ env: { TOCSIN_INGEST_TOKEN: TOKEN, TOCSIN_API_TOKEN: 'api-e2e-token' } });
    const webhookUrl = `${app.baseUrl}/webhooks/alertmanager`;
    am = await startAlertmanager({ webhookUrl, bearerToken: TOKEN, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' });
    wrongToken = await startAlertmanager({ webhookUrl, bearerToken: 'not-the-token', groupWait: '1s', groupInterval: '1s' });
  });
  afterAll(async () => {
    await am?.stop();
    await wrongToken?.stop();
    await app?.stop();
  });

  const incidents = async () => (await app.request('GET', '/api/incidents')).body.incidents as any[];
  const incidentWith = (summary: string, state?: string) =>
    app.until(`an incident "${summary}"${state ? ` in state ${state}` : ''}`, async () => (await incidents()).find((i) => i.summary === summary && (state === undefined || i.state === state)));

  const ups: AmAlertIn = { labels: { alertname: 'UpsOnBattery', site: 'hq', severity: 'critical', ups: 'ups1' }, annotations: { summary: 'UPS ups1 on battery' }, generatorURL: 'http://prometheus.local/graph' };
  const crm: AmAlertIn = { labels: { alertname: 'CrmUnreachable', site: 'hq', severity: 'warning', service: 'crm' }, annotations: { summary: 'CRM unreachable from hall B' } };
  const labelled: AmAlertIn = { labels: { alertname: 'HallBTooWarm', site: 'branch', severity: 'warning', class: 'hvac' }, annotations: { summary: 'Hall B 31 °C' } };

  it('alerts posted to Alertmanager become incidents classified by the rules and the class label', async () => {
    await am.postAlerts([ups, crm, labelled]);
    const power = await incidentWith('UPS ups1 on battery');
    expect(power).toMatchObject({ class: 'power', site: 'hq', level: 3, state: 'open', drill: false });
    const fingerprint = (await am.alerts()).find((a) => a.labels.alertname === 'UpsOnBattery')?.fingerprint;
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(power.members)).toEqual([`am:${fingerprint}`]);
    expect(power.timeline[0]).toMatchObject({ type: 'opened' });

    expect(await incidentWith('CRM unreachable from hall B')).toMatchObject({ class: 'app_network_acd', site: 'hq', state: 'open' });
    expect(await incidentWith('Hall B 31 °C')).toMatchObject({ class: 'hvac', site: 'branch', state: 'open' });

    // the power incident pages at once (log mode: recorded as logged)
    const paged = await app.until('the power incident paged', async () => {
      const inc = (await app.request('GET', `/api/incidents/${power.id}`)).body;
      return inc.notifications.length > 0 ? inc : undefined;
    });
    expect(paged.notifications.map((n: any) => n.role)).toEqual(expect.arrayContaining(['it_ops', 'center_manager', 'facilities']));
  });

  it('the same alert posted again with endsAt in the past is resolved by Alertmanager, and the incident with it', async () => {
    await am.postAlerts([{ ...ups, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const resolved = await incidentWith('UPS ups1 on battery', 'resolved');
    expect(resolved.resolvedAt).not.toBeNull();
    expect(Date.parse(resolved.resolvedAt)).toBeGreaterThanOrEqual(Date.parse(resolved.openedAt));
    expect(resolved.timeline.map((t: any) => t.type)).toEqual(expect.arrayContaining(['opened', 'resolved']));
    // the others are untouched
    expect((await incidents()).filter((i) => i.state === 'open').map((i) => i.class).sort()).toEqual(['app_network_acd', 'hvac']);
  });

  it('the Watchdog alert feeds the heartbeat and opens no incident', async () => {
    const before = (await incidents()).length;
    await am.postAlerts([{ labels: { alertname: 'Watchdog', severity: 'none' }, annotations: { summary: 'always firing' } }]);
    const seen = await app.until('the Watchdog heartbeat', async () => {
      const v = (await app.container.metrics.sourceLastSeen.get()).values.find((x) => x.labels.source === 'alertmanager');
      return v && v.value > 0 ? v.value : undefined;
    });
    expect(seen * 1000).toBeLessThanOrEqual(Date.now());
    await new Promise((r) => setTimeout(r, 1_500)); // another group interval: nothing else arrives
    expect((await incidents()).length).toBe(before);
    expect((await incidents()).some((i) => i.summary === 'always firing')).toBe(false);
  });

  it('an Alertmanager with the wrong bearer token is refused (401) and opens nothing', async () => {
    await wrongToken.postAlerts([{ labels: { alertname: 'DiskFailure', site: 'hq', severity: 'critical' }, annotations: { summary: 'disk failed on fs1' } }]);
    await app.until('a refused webhook', async () => {
      const v = (await app.container.metrics.httpRequests.get()).values.find((x) => x.labels.route === '/webhooks/alertmanager' && x.labels.status === '4xx');
      return v && v.value > 0 ? v.value : undefined;
    });
    expect((await incidents()).some((i) => i.summary === 'disk failed on fs1')).toBe(false);
  });
});
