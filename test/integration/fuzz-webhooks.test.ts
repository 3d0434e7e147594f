/** Property-based: random and malformed bodies never crash the daemon and never get a 5xx while Redis is up. */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

// 'binary' strings hold any UTF-16 unit, lone surrogates too (valid JSON, no character)
const labels = fc.dictionary(fc.constantFrom('alertname', 'site', 'severity', 'class', 'service', 'job', 'instance', 'x'), fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('critical', 'power', 'hq', 'UpsOnBattery', '')));
const alert = fc.record(
  {
    status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.string()),
    labels: fc.oneof(labels, fc.anything()),
    annotations: fc.oneof(labels, fc.anything()),
    startsAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constant('0001-01-01T00:00:00Z'), fc.string()),
    endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), fc.string()),
    generatorURL: fc.string(),
    fingerprint: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }), fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);
const amBody = fc.record(
  {
    version: fc.oneof(fc.constant('4'), fc.anything()),
    status: fc.constantFrom('firing', 'resolved', 'weird'),
    alerts: fc.oneof(fc.array(alert, { maxLength: 5 }), fc.anything()),
    truncatedAlerts: fc.oneof(fc.nat(), fc.integer(), fc.anything()),
    groupKey: fc.anything(),
    commonLabels: fc.oneof(labels, fc.anything()),
  },
  { requiredKeys: [] },
);

// A well-formed alert, and one made invalid by a single defect the schema names
const goodAlert = fc.record({
  status: fc.constantFrom('firing', 'resolved'),
  labels: fc.record({ alertname: fc.constantFrom('UpsOnBattery', 'InstanceDown', 'CrmDown'), site: fc.constantFrom('hq', 'annex'), instance: fc.string({ maxLength: 12 }) }),
  startsAt: fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fingerprint: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }),
});
const defects: ((a: Record<string, unknown>) => unknown)[] = [
  (a) => ({ ...a, labels: { ...(a.labels as object), port: 8080 } }),
  (a) => ({ ...a, status: 'pending' }),
  (a) => ({ ...a, fingerprint: 'f'.repeat(129) }),
  (a) => ({ ...a, labels: 'hq' }),
  (a) => ({ ...a, annotations: { summary: null } }),
  () => 'UpsOnBattery',
  () => null,
];
const someAlert = fc.oneof(
  goodAlert.map((a) => ({ valid: true, alert: a as unknown })),
  fc.tuple(goodAlert, fc.nat({ max: defects.length - 1 })).map(([a, d]) => ({ valid: false, alert: (defects[d] as (a: Record<string, unknown>) => unknown)(a) })),
);

async function postRaw(path: string, raw: string, contentType = 'application/json'): Promise<number> {
  const res = await fetch(app.baseUrl + path, { method: 'POST', headers: { 'content-type': contentType }, body: raw });
  const text = await res.text();
  if (res.status >= 400) expect(JSON.parse(text).error.code).toMatch(/^TOCSIN_ERR_/);
  return res.status;
}

describe('fuzzing the webhooks', () => {
  it('Alertmanager: structured random bodies get 200 or a coded 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(amBody, async (b) => {
        const status = await postRaw('/webhooks/alertmanager', JSON.stringify(b));
        expect(status === 200 || (status >= 400 && status < 500)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('Alertmanager: each invalid alert of a well-formed body is refused by itself and the rest recorded (none valid: 422), on the hot path and through express alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(someAlert, { minLength: 1, maxLength: 5 }), async (mixed) => {
        const body = JSON.stringify({ version: '4', status: 'firing', receiver: 'tocsin', groupKey: '{}:{}', alerts: mixed.map((m) => m.alert) });
        const hot = await fetch(`${app.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const viaExpress = await fetch(`${app.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body) });
        const valid = mixed.filter((m) => m.valid).length;
        const invalid = mixed.flatMap((m, i) => (m.valid ? [] : [i]));
        for (const res of [hot, viaExpress]) {
          const answer = (await res.json()) as any;
          if (valid === 0) {
            expect(res.status).toBe(422);
            expect(answer.error.code).toBe('TOCSIN_ERR_INPUT_INVALID');
            continue;
          }
          expect(res.status).toBe(200);
          expect(answer.accepted).toBe(valid);
          expect((answer.rejected ?? []).map((r: any) => r.index)).toEqual(invalid);
          for (const r of answer.rejected ?? []) expect(r).toEqual({ index: r.index, code: 'TOCSIN_ERR_INPUT_INVALID', message: expect.stringContaining(`alerts.${r.index}`) });
        }
      }),
      { numRuns: 80 },
    );
  });

  it('any string as a body of any JSON endpoint gets a coded 4xx (or 2xx), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/webhooks/alertmanager', '/webhooks/ups', '/webhooks/acd', '/api/incidents'), fc.oneof(fc.string(), fc.json()), async (path, raw) => {
        const status = await postRaw(path, raw);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('a lone UTF-16 surrogate in a site or a label is taken as any other character, on every route', async () => {
    const site = 'hq\ud800';
    const bodies: [string, unknown][] = [
      ['/webhooks/alertmanager', { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'UpsOnBattery', site, instance: 'x\udfff' }, startsAt: '2026-12-05T10:00:00Z', fingerprint: 'f00dfeedf00dfeed' }] }],
      ['/webhooks/ups', { device: 'ups9', site, event: 'ONBATT', vars: { 'ups.status': 'OB DISCHRG' } }],
      ['/webhooks/acd', { site, queue: 'main\udc00', metrics: { calls_waiting: 400 } }],
      ['/api/incidents', { class: 'media', site, summary: 'press call', level: 2, drill: false }],
    ];
    for (const [path, body] of bodies) {
      const status = await postRaw(path, JSON.stringify(body));
      expect({ path, status }).toEqual({ path, status: path === '/api/incidents' ? 201 : 200 });
    }
  });

  it('the API rejects random report bodies cleanly', async () => {
    const report = fc.record({ class: fc.oneof(fc.constantFrom('power', 'security', 'nope'), fc.anything()), site: fc.anything(), summary: fc.anything(), level: fc.anything(), drill: fc.anything(), details: fc.anything() }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(report, async (b) => {
        const status = await postRaw('/api/incidents', JSON.stringify(b));
        expect([201, 400, 404, 413, 415, 422]).toContain(status);
      }),
      { numRuns: 150 },
    );
    expect((await app.request('GET', '/healthz')).status).toBe(200);
  });
});
