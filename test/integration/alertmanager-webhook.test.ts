/** POST /webhooks/alertmanager with real Alertmanager 0.25 captures and built variants, through the real app. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ALERTS_REFUSED } from '../../src/ingest/alertmanager.js';
import { captureLogger } from '../support/log-capture.js';

const fixture = (name: string) => JSON.parse(readFileSync(`../shared/fixtures/alertmanager/${name}`, 'utf8')) as Record<string, any>;
const firing = fixture('webhook-v4-firing-2alerts.json');
const resolved = fixture('webhook-v4-resolved.json');

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

const post = (body: unknown) => app.request('POST', '/webhooks/alertmanager', body);

describe('Alertmanager webhook', () => {
  it('the shared capture becomes one classified power incident at site dc1 with both UPSes as members', async () => {
    const res = await post(firing);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => r.result)).toEqual(['opened', 'merged']);
    const list = await app.request('GET', '/api/incidents?state=open');
    expect(list.body.incidents).toHaveLength(1);
    const inc = list.body.incidents[0];
    expect(inc).toMatchObject({ class: 'power', site: 'dc1', level: 3, state: 'open', eventCount: 2, tier: 0, drill: false, summary: 'UPS ups1 on battery', acknowledgedAt: null, resolvedAt: null });
    expect(Object.keys(inc.members).sort()).toEqual(['am:7f51ef8d1e6bdaad', 'am:7f5bef8d1e742f32']);
    expect(inc.details.endsAt).toBeNull(); // Go zero time = not ended
    expect(Array.isArray(inc.notifications)).toBe(true);
    expect(inc.timeline[0]).toMatchObject({ type: 'opened', source: 'alertmanager' });
    for (const f of ['id', 'class', 'level', 'state', 'site', 'summary', 'openedAt', 'acknowledgedAt', 'resolvedAt', 'eventCount', 'tier', 'drill', 'notifications', 'timeline']) expect(inc).toHaveProperty(f);
  });

  it('retries and HA replicas sending the same group are idempotent: counted, never a second incident', async () => {
    await post(firing);
    const again = await Promise.all([post(firing), post(firing)]);
    expect(again.flatMap((r) => r.body.results.map((x: any) => x.result))).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const list = await app.request('GET', '/api/incidents');
    expect(list.body.incidents).toHaveLength(1);
    expect(list.body.incidents[0].eventCount).toBe(6);
  });

  it('routes on each alert status: a mixed group resolves one member while the group stays firing; the final resolved body resolves the incident', async () => {
    await post(firing);
    const mixed = structuredClone(firing);
    mixed.alerts[0].status = 'resolved';
    mixed.alerts[0].endsAt = '2026-11-23T18:03:27Z';
    const r1 = await post(mixed);
    expect(r1.body.results.map((r: any) => r.result)).toEqual(['merged', 'duplicate']);
    let inc = (await app.request('GET', '/api/incidents')).body.incidents[0];
    expect(inc.state).toBe('open');
    expect(inc.members['am:7f5bef8d1e742f32'].status).toBe('resolved');
    const r2 = await post(resolved); // holds only ups2, as Alertmanager sends it
    expect(r2.body.results.map((r: any) => r.result)).toEqual(['resolved']);
    inc = (await app.request('GET', `/api/incidents/${inc.id}`)).body;
    expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'source:alertmanager' });
    expect(inc.resolvedAt).toEqual(expect.any(String));
  });

  it('records truncatedAlerts', async () => {
    const body = structuredClone(firing);
    body.truncatedAlerts = 1;
    const res = await post(body);
    expect(res.body.truncatedAlerts).toBe(1);
    const inc = (await app.request('GET', '/api/incidents')).body.incidents[0];
    expect(inc.truncatedAlerts).toBe(1);
    const metrics = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^tocsin_alertmanager_truncated_alerts_total 1$/m);
  });

  it('keeps on the incident the alerts a body left out once, however often the body comes, and from a body of resolutions too', async () => {
    const body = { ...structuredClone(firing), truncatedAlerts: 2 };
    expect((await post(body)).status).toBe(200);
    // sent again as after a 503 the primary had recorded (or a lost 200): every alert a duplicate
    const again = await post(body);
    expect(again.body.results.map((r: any) => r.result)).toEqual(['duplicate', 'duplicate']);
    let inc = (await app.request('GET', '/api/incidents')).body.incidents[0];
    expect(inc.truncatedAlerts).toBe(2);
    // a resolved body that left alerts out: its first alert ends one of the members
    const over = { ...structuredClone(resolved), truncatedAlerts: 5 };
    expect((await post(over)).status).toBe(200);
    inc = (await app.request('GET', `/api/incidents/${inc.id}`)).body;
    expect(inc.truncatedAlerts).toBe(7);
    expect(inc.timeline.filter((t: any) => t.type === 'truncated').map((t: any) => t.count)).toEqual([2, 5]);
  });

  it('counts the alerts left out of a body that holds only the Watchdog, on the hot path and through express alike', async () => {
    const watchdogOnly = (left: number) => ({ ...structuredClone(firing), truncatedAlerts: left, alerts: [{ ...structuredClone(firing.alerts[0]), labels: { alertname: 'Watchdog', site: 'dc1' } }] });
    const hot = await post(watchdogOnly(4));
    expect(hot.status).toBe(200);
    expect(hot.body).toMatchObject({ accepted: 0, truncatedAlerts: 4 });
    // a gzip body is express's (the hot path leaves compressed bodies to it)
    const viaExpress = await fetch(`${app.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(watchdogOnly(2))) });
    expect(viaExpress.status).toBe(200);
    expect(await app.request('GET', '/api/incidents').then((r) => r.body.incidents)).toEqual([]);
    const metrics = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^tocsin_alertmanager_truncated_alerts_total 6$/m);
  });

  it('a class label selects the class; distinct fingerprints of a per-alert class are distinct incidents', async () => {
    const body = structuredClone(firing);
    for (const a of body.alerts) a.labels = { alertname: 'CrmDown', site: 'hq', instance: a.labels.ups };
    body.alerts[1].fingerprint = 'feedfacefeedface';
    const r = await post(body);
    expect(r.body.results.map((x: any) => x.result)).toEqual(['opened', 'opened']);
    const withLabel = structuredClone(firing);
    withLabel.alerts = [{ ...withLabel.alerts[0], labels: { alertname: 'Anything', class: 'machine_room', site: 'hq' }, fingerprint: '0123456789abcdef' }];
    await post(withLabel);
    const list = (await app.request('GET', '/api/incidents')).body.incidents;
    expect(list.map((i: any) => i.class).sort()).toEqual(['machine_room', 'network_infosys', 'network_infosys']);
  });

  it('a class label naming no class: the rules decide, the member records why, and the daemon warns once per value', async () => {
    await app.stop();
    const capture = captureLogger('warn');
    app = await startTestApp({ logger: capture.logger });
    const body = structuredClone(firing);
    body.alerts = [{ ...body.alerts[0], labels: { alertname: 'Anything', class: 'bogus', site: 'hq' }, fingerprint: '0123456789abcdef' }];
    expect((await post(body)).status).toBe(200);
    expect((await post({ ...body, alerts: [{ ...body.alerts[0], fingerprint: '0123456789abcdee' }] })).status).toBe(200);
    const [inc] = (await app.request('GET', '/api/incidents')).body.incidents;
    expect(inc.class).toBe('network_infosys');
    expect(Object.values(inc.members).map((m: any) => m.details?.rule)).toContain('default (class "bogus" is no class)');
    const warned = capture.lines.filter((l) => l.msg === 'alert class label names no incident class; the classification rules decide');
    expect(warned).toEqual([expect.objectContaining({ label: 'class', value: 'bogus', alertname: 'Anything' })]);
  });

  it('names that every JavaScript object has (constructor, toString, __proto__) are names like any other', async () => {
    const names = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty'];
    const alerts = names.flatMap((n, i) => [
      { status: 'firing', labels: { alertname: `Class${i}`, class: n, site: 'hq' }, annotations: {}, startsAt: '2026-11-23T09:00:00Z', fingerprint: `c0ffee00000000${i}a` },
      { status: 'firing', labels: { alertname: `Severity${i}`, severity: n, site: 'hq' }, annotations: {}, startsAt: '2026-11-23T09:00:00Z', fingerprint: `c0ffee00000000${i}b` },
    ]);
    const r = await post({ ...firing, alerts });
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(alerts.length);
    for (const inc of (await app.request('GET', '/api/incidents')).body.incidents) {
      expect(inc.class).toBe('network_infosys');
      expect(inc.level).toBe(2);
    }
    for (const n of names) {
      const api = await app.request('POST', '/api/incidents', { class: n, site: 'hq', summary: 'x' });
      expect(api.status, n).toBe(422);
      expect(api.body.error.code).toBe('TOCSIN_ERR_CLASS_UNKNOWN');
      const o = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: n, until: new Date(app.clock.now() + 3_600_000).toISOString() });
      expect(o.status, n).toBe(422);
    }
    expect(await fetch(`${app.baseUrl}/metrics`).then((m) => m.text())).not.toMatch(/level="nan"/i);
  });

  it('counts what it received in /metrics', async () => {
    await post(firing);
    await post(firing);
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^tocsin_events_received_total\{source="alertmanager",result="opened"\} 1$/m);
    expect(text).toMatch(/^tocsin_events_received_total\{source="alertmanager",result="duplicate"\} 2$/m);
    expect(text).toMatch(/^tocsin_duplicates_merged_total\{source="alertmanager"\} 2$/m);
  });
});

describe('bad input gets a clear 4xx and loses nothing', () => {
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
    ['malformed JSON', () => app.request('POST', '/webhooks/alertmanager', '{"version":"4",'), 400, 'TOCSIN_ERR_INPUT_MALFORMED'],
    ['wrong content type', () => app.request('POST', '/webhooks/alertmanager', JSON.stringify(firing), { 'content-type': 'text/plain' }), 415, 'TOCSIN_ERR_INPUT_MEDIA_TYPE'],
    ['wrong version', () => app.request('POST', '/webhooks/alertmanager', { ...firing, version: '3' }), 422, 'TOCSIN_ERR_INPUT_INVALID'],
    ['alerts not an array', () => app.request('POST', '/webhooks/alertmanager', { ...firing, alerts: {} }), 422, 'TOCSIN_ERR_INPUT_INVALID'],
    ['negative truncatedAlerts', () => app.request('POST', '/webhooks/alertmanager', { ...firing, truncatedAlerts: -1 }), 422, 'TOCSIN_ERR_INPUT_INVALID'],
    ['a JSON array', () => app.request('POST', '/webhooks/alertmanager', '[]'), 422, 'TOCSIN_ERR_INPUT_INVALID'],
    ['unknown path', () => app.request('POST', '/webhooks/nope', {}), 404, 'TOCSIN_ERR_NOT_FOUND'],
  ];
  for (const [name, send, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect((await app.request('GET', '/api/incidents')).body.incidents).toHaveLength(0);
    });
  }

  it('names the offending path in a shape error', async () => {
    const body = structuredClone(firing);
    body.alerts[0].status = 'pending';
    body.alerts[1].labels = 'ups2';
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/alerts\.0\.status.*alerts\.1\.labels/);
  });
});

describe('one bad alert does not lose the good ones of its body', () => {
  // Alertmanager never sends a body again after a 4xx: refusing it whole would lose every page in it
  const gzipPost = (body: unknown) =>
    fetch(`${app.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(body)) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const rejectedCount = async () => /^tocsin_events_rejected_total\{source="alertmanager",reason="TOCSIN_ERR_INPUT_INVALID"\} (\d+)$/m.exec(await fetch(`${app.baseUrl}/metrics`).then((r) => r.text()))?.[1];
  const refusedLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.msg === ALERTS_REFUSED);
  const middleBad = () => {
    const body = structuredClone(firing);
    const bad = { ...structuredClone(firing.alerts[0]), labels: { alertname: 'UpsOnBattery', site: 'dc1', ups: 'ups3', callback: 4915112345678 }, fingerprint: '0badbadbadbadbad' };
    body.alerts = [body.alerts[0], bad, body.alerts[1]];
    return body;
  };

  it('a body of 3 alerts whose middle one is invalid: 200, the other two recorded, index 1 named, counted and logged as an error', async () => {
    await app.stop();
    const capture = captureLogger('info');
    app = await startTestApp({ logger: capture.logger });
    const res = await post(middleBad());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, truncatedAlerts: 0 });
    expect(res.body.results.map((r: any) => [r.fingerprint, r.result])).toEqual([
      ['7f5bef8d1e742f32', 'opened'],
      ['7f51ef8d1e6bdaad', 'merged'],
    ]);
    expect(res.body.rejected).toEqual([{ index: 1, code: 'TOCSIN_ERR_INPUT_INVALID', message: 'not a valid alert: alerts.1.labels.callback: Invalid input: expected string, received number' }]);
    const [inc, ...others] = (await app.request('GET', '/api/incidents')).body.incidents;
    expect(others).toEqual([]);
    expect(inc).toMatchObject({ class: 'power', site: 'dc1', eventCount: 2, memberCount: 2 });
    expect(Object.keys(inc.members).sort()).toEqual(['am:7f51ef8d1e6bdaad', 'am:7f5bef8d1e742f32']);
    expect(await rejectedCount()).toBe('1');
    const [line, ...more] = refusedLines(capture.lines);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 'error', rejected: 1, alerts: [{ index: 1, reason: expect.stringMatching(/alerts\.1\.labels\.callback/), alertname: 'UpsOnBattery' }] });
    expect(JSON.stringify(capture.lines)).not.toContain('4915112345678');

    // through express (a compressed body) the same answer, the same count and the same log line
    const viaExpress = await gzipPost(middleBad());
    expect(viaExpress.status).toBe(200);
    expect(viaExpress.body).toMatchObject({ accepted: 2, rejected: res.body.rejected });
    expect(viaExpress.body.results.map((r: any) => r.result)).toEqual(['duplicate', 'duplicate']);
    expect(await rejectedCount()).toBe('2');
    expect(refusedLines(capture.lines)).toHaveLength(2);
  });

  it('a body none of whose alerts is valid is refused whole with 422, on the hot path and through express alike', async () => {
    const body = middleBad();
    body.alerts = [body.alerts[1], { ...body.alerts[0], status: 'pending' }, 'UpsOnBattery'];
    for (const res of [await post(body), await gzipPost(body)]) {
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('TOCSIN_ERR_INPUT_INVALID');
      expect(res.body.error.message).toMatch(/alerts\.0\.labels\.callback.*alerts\.1\.status.*alerts\.2:/);
    }
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);
  });

  it('names a refused alert by its place in the body as sent, the Watchdog taken out before', async () => {
    const body = middleBad();
    body.alerts.unshift({ ...structuredClone(firing.alerts[0]), labels: { alertname: 'Watchdog', site: 'dc1' }, fingerprint: '00000000000000aa' });
    for (const res of [await post(body), await gzipPost(body)]) {
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(2);
      expect(res.body.rejected).toEqual([expect.objectContaining({ index: 2, message: expect.stringMatching(/^not a valid alert: alerts\.2\.labels\.callback/) })]);
    }
  });

  it('the common reply carries no rejected list', async () => {
    const res = await post(firing);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('rejected');
    expect(await rejectedCount()).toBeUndefined();
  });
});

describe('tokens', () => {
  it('with TOCSIN_INGEST_TOKEN set, webhooks need the bearer token; the API has its own', async () => {
    await app.stop();
    app = await startTestApp({ env: { TOCSIN_INGEST_TOKEN: 'in-secret', TOCSIN_API_TOKEN: 'api-secret' } });
    expect((await post(firing)).status).toBe(401);
    expect((await app.request('POST', '/webhooks/alertmanager', firing, { authorization: 'Bearer wrong' })).body.error.code).toBe('TOCSIN_ERR_AUTH_INVALID');
    expect((await app.request('POST', '/webhooks/alertmanager', firing, { authorization: 'Bearer in-secret' })).status).toBe(200);
    expect((await app.request('GET', '/api/incidents', undefined, { authorization: 'Bearer in-secret' })).status).toBe(401);
    expect((await app.request('GET', '/api/incidents', undefined, { authorization: 'Bearer api-secret' })).body.incidents).toHaveLength(1);
    expect((await app.request('GET', '/healthz')).status).toBe(200);
  });
});
