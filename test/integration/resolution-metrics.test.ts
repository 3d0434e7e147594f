/**
 * How long incidents took, as Grafana reads it: an incident its source resolves is in
 * tocsin_time_to_resolve_seconds as one a person resolves is, and drills are labelled drill="true"
 * in every acknowledge / resolve series (so that dashboards leave them out). Real Redis, whole daemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const MIN = 60_000;
let app: TestApp;

afterEach(async () => {
  await app?.stop();
});

function alert(status: 'firing' | 'resolved', startsAt: number, endsAt?: number) {
  return {
    status,
    labels: { alertname: 'CrmDown', class: 'network_infosys', site: 'hq', severity: 'warning', instance: 'crm1:9100' },
    annotations: { summary: 'CRM unreachable' },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: endsAt === undefined ? '0001-01-01T00:00:00Z' : new Date(endsAt).toISOString(),
    generatorURL: 'http://prometheus:9090/graph',
    fingerprint: 'a1b2c3d4e5f60718',
  };
}

const body = (a: ReturnType<typeof alert>) => ({ version: '4', groupKey: '{}:{}', truncatedAlerts: 0, status: a.status, receiver: 'tocsin', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093', alerts: [a] });

async function series(prefix: string): Promise<string[]> {
  const text = String((await app.request('GET', '/metrics')).body);
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('resolution metrics', () => {
  it('an incident resolved by its source is timed: 7 minutes, in the drill="false" series', async () => {
    app = await startTestApp();
    const t0 = app.clock.now();
    expect((await app.request('POST', '/webhooks/alertmanager', body(alert('firing', t0)))).status).toBe(200);
    app.clock.advance(7 * MIN);
    expect((await app.request('POST', '/webhooks/alertmanager', body(alert('resolved', t0, t0 + 7 * MIN))))).toMatchObject({ status: 200 });
    expect(await series('tocsin_incidents_resolved_total{')).toEqual(['tocsin_incidents_resolved_total{class="network_infosys",via="source",drill="false"} 1']);
    expect(await series('tocsin_time_to_resolve_seconds_count{')).toEqual(['tocsin_time_to_resolve_seconds_count{class="network_infosys",drill="false"} 1']);
    expect(await series('tocsin_time_to_resolve_seconds_sum{')).toEqual(['tocsin_time_to_resolve_seconds_sum{class="network_infosys",drill="false"} 420']);
  });

  it('a drill acknowledged and resolved by a person is counted and timed as a drill', async () => {
    app = await startTestApp();
    const d = await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'fire drill', details: { kind: 'fire' }, drill: true });
    expect(d.status).toBe(201);
    app.clock.advance(2 * MIN);
    expect((await app.request('POST', `/api/incidents/${d.body.id}/ack`, { by: 'grace_okafor' })).status).toBe(200);
    app.clock.advance(3 * MIN);
    expect((await app.request('POST', `/api/incidents/${d.body.id}/resolve`, { by: 'grace_okafor' })).status).toBe(200);
    expect(await series('tocsin_incidents_acknowledged_total{')).toEqual(['tocsin_incidents_acknowledged_total{class="security",via="api",drill="true"} 1']);
    expect(await series('tocsin_incidents_resolved_total{')).toEqual(['tocsin_incidents_resolved_total{class="security",via="api",drill="true"} 1']);
    expect(await series('tocsin_time_to_acknowledge_seconds_sum{')).toEqual(['tocsin_time_to_acknowledge_seconds_sum{class="security",drill="true"} 120']);
    expect(await series('tocsin_time_to_resolve_seconds_sum{')).toEqual(['tocsin_time_to_resolve_seconds_sum{class="security",drill="true"} 300']);
  });
});
