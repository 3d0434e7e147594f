/**
 * Large Alertmanager bodies. Alertmanager sends a notification again only after a 5xx: a body
 * refused with a 4xx is lost, with every page in it. A group of a few thousand alerts is megabytes,
 * so the webhook has its own, larger body limit (http.alertmanager.bodyLimit) than the other routes;
 * a body of more alerts than http.alertmanager.maxAlerts is recorded in part, the rest counted as
 * left out, as Alertmanager's own max_alerts is; and a body too large even so is refused, loudly.
 */
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';

/**
 * One InstanceDown alert as node_exporter's rule and Alertmanager 0.25 give it (about 600 bytes),
 * labelled with a class whose incidents merge per site: the whole group is one incident.
 */
function instanceDown(i: number): Record<string, unknown> {
  const host = `node-${String(i).padStart(5, '0')}.rack${i % 40}.dc1.example.internal:9100`;
  return {
    status: 'firing',
    labels: { alertname: 'InstanceDown', class: 'app_network_acd', instance: host, job: 'node', severity: 'critical', site: 'dc1', rack: `rack${i % 40}`, team: 'infra' },
    annotations: { summary: `Instance ${host} down`, description: `${host} of job node has been down for more than 1 minute (scrape target unreachable).` },
    startsAt: '2026-11-23T09:00:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.dc1.example.internal:9090/graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0&g0.tab=1&i=${i}`,
    fingerprint: (0xa000000000000 + i).toString(16).padStart(16, '0'),
  };
}

/** A group of `n` InstanceDown alerts grouped by [alertname, site], as Alertmanager sends it. */
function group(n: number, truncatedAlerts = 0): Record<string, unknown> {
  return {
    receiver: 'tocsin',
    status: 'firing',
    alerts: Array.from({ length: n }, (_, i) => instanceDown(i)),
    groupLabels: { alertname: 'InstanceDown', site: 'dc1' },
    commonLabels: { alertname: 'InstanceDown', job: 'node', severity: 'critical', site: 'dc1', team: 'infra' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.dc1.example.internal:9093',
    version: '4',
    groupKey: '{}:{alertname="InstanceDown", site="dc1"}',
    truncatedAlerts,
  };
}

const MIB = 1024 * 1024;
const shipped = loadConfig('config');

/** The shipped config with other http.alertmanager settings. */
function withAlertmanager(set: Partial<Config['daemon']['http']['alertmanager']>): Config {
  const http = shipped.daemon.http;
  return { ...shipped, daemon: { ...shipped.daemon, http: { ...http, alertmanager: { ...http.alertmanager, ...set } } } };
}

let app: TestApp | undefined;
const start = async (o: TestAppOptions = {}): Promise<TestApp> => (app = await startTestApp(o));
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** POST raw bytes; answered before the whole of an oversized upload is written, the rest of the write may fail. */
function postBytes(a: TestApp, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const url = new URL(a.baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    req.end(body);
  });
}

const incidents = async (a: TestApp) => (await a.request('GET', '/api/incidents')).body.incidents as { id: string; memberCount: number; eventCount: number; truncatedAlerts: number; timeline: { type: string; count?: number }[] }[];
const truncatedCounter = async (a: TestApp) => /^tocsin_alertmanager_truncated_alerts_total (\d+)$/m.exec(await fetch(`${a.baseUrl}/metrics`).then((r) => r.text()))?.[1];

describe('an Alertmanager body larger than http.bodyLimit', () => {
  it('a 2 MB group of InstanceDown alerts is accepted on the hot path and every alert recorded', async () => {
    const a = await start();
    const body = group(3500);
    const bytes = Buffer.from(JSON.stringify(body));
    expect(bytes.length).toBeGreaterThan(2 * 1000 * 1000);
    const res = await postBytes(a, '/webhooks/alertmanager', bytes);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 3500, truncatedAlerts: 0 });
    const [inc, ...more] = await incidents(a);
    expect(more).toEqual([]);
    expect(inc).toMatchObject({ memberCount: 3500, eventCount: 3500, truncatedAlerts: 0 });
  });

  it('through express (a compressed body) too, while the other webhooks keep http.bodyLimit', async () => {
    const a = await start();
    const text = JSON.stringify(group(3500));
    expect(text.length).toBeGreaterThan(2 * 1000 * 1000);
    const res = await postBytes(a, '/webhooks/alertmanager', gzipSync(text), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(3500);
    expect((await incidents(a))[0]?.memberCount).toBe(3500);
    const pad = 'x'.repeat(MIB + 10);
    for (const path of ['/webhooks/ups', '/webhooks/acd', '/api/incidents']) {
      const r = await postBytes(a, path, Buffer.from(JSON.stringify({ site: 'hq', pad })));
      expect(r.status, path).toBe(413);
      expect(r.body.error.code, path).toBe('TOCSIN_ERR_INPUT_TOO_LARGE');
    }
  });
});

describe('a body of more alerts than http.alertmanager.maxAlerts', () => {
  it('records the first maxAlerts and counts the rest as left out, with what Alertmanager left out itself, on the incident and the counter', async () => {
    const a = await start({ config: withAlertmanager({ maxAlerts: 100 }) });
    const res = await a.request('POST', '/webhooks/alertmanager', group(130, 5));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 100, truncatedAlerts: 35 });
    expect(res.body.results.map((r: { fingerprint: string }) => r.fingerprint)).toEqual(Array.from({ length: 100 }, (_, i) => instanceDown(i).fingerprint));
    const [inc] = await incidents(a);
    expect(inc).toMatchObject({ memberCount: 100, truncatedAlerts: 35 });
    expect(inc?.timeline.filter((t) => t.type === 'truncated').map((t) => t.count)).toEqual([35]);
    expect(await truncatedCounter(a)).toBe('35');
    // the same body again (a retry): every alert kept is a duplicate, and the incident's count stays
    const again = await a.request('POST', '/webhooks/alertmanager', group(130, 5));
    expect(again.body).toMatchObject({ accepted: 100, truncatedAlerts: 35 });
    expect((await incidents(a))[0]?.truncatedAlerts).toBe(35);
  });

  it('through express alike, and the alerts left out are not looked at', async () => {
    const a = await start({ config: withAlertmanager({ maxAlerts: 10 }) });
    const body = group(12);
    (body.alerts as unknown[])[11] = { status: 'unknown', labels: 'not a label set' };
    const res = await postBytes(a, '/webhooks/alertmanager', gzipSync(JSON.stringify(body)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 10, truncatedAlerts: 2 });
    expect((await incidents(a))[0]).toMatchObject({ memberCount: 10, truncatedAlerts: 2 });
  });
});

describe('an Alertmanager body larger than http.alertmanager.bodyLimit', () => {
  const tooLargeLogged = (lines: Record<string, unknown>[]) =>
    lines.filter((l) => l.level === 'error' && l.code === 'TOCSIN_ERR_INPUT_TOO_LARGE' && /will not send it again/.test(String(l.msg)) && /max_alerts/.test(String(l.msg)));

  it('gets 413 (32 MiB by default), and the error log says Alertmanager will not send it again and to set max_alerts', async () => {
    const capture = captureLogger('info');
    const a = await start({ logger: capture.logger });
    const res = await postBytes(a, '/webhooks/alertmanager', Buffer.from(JSON.stringify({ ...group(1), pad: 'x'.repeat(32 * MIB) })));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('TOCSIN_ERR_INPUT_TOO_LARGE');
    expect(tooLargeLogged(capture.lines)).toEqual([expect.objectContaining({ path: '/webhooks/alertmanager' })]);
    // through express (inflated past the limit) alike
    const zipped = await postBytes(a, '/webhooks/alertmanager', gzipSync(JSON.stringify({ ...group(1), pad: 'x'.repeat(32 * MIB) })), { 'content-encoding': 'gzip' });
    expect(zipped.status).toBe(413);
    expect(tooLargeLogged(capture.lines)).toHaveLength(2);
    expect(await incidents(a)).toEqual([]);
  });

  it('is the setting: a smaller limit refuses a body the default takes', async () => {
    const capture = captureLogger('info');
    const a = await start({ config: withAlertmanager({ bodyLimit: 64 * 1024 }), logger: capture.logger });
    expect((await a.request('POST', '/webhooks/alertmanager', group(20))).status).toBe(200);
    const res = await a.request('POST', '/webhooks/alertmanager', group(200));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain(`${64 * 1024} bytes`);
    expect(tooLargeLogged(capture.lines)).toHaveLength(1);
    // another route's 413 is the client's business: not an error of the daemon
    expect((await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', pad: 'x'.repeat(MIB + 10) })).status).toBe(413);
    expect(capture.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });
});
