/**
 * Property-based, every webhook schema (UPS, ACD, TaskRouter form bodies; Alertmanager and the API are in
 * test/integration/fuzz-webhooks.test.ts): random and malformed bodies never give a 5xx while Redis is up,
 * well-formed ones are accepted, oversized ones get 413; unknown fields are tolerated in third-party
 * payloads and rejected in our own API.
 */
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const PUBLIC = 'https://tocsin.example.test';
const TOKEN = 'fuzz_auth_token';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { PUBLIC_URL: PUBLIC, TWILIO_AUTH_TOKEN: TOKEN } });
});
afterAll(async () => {
  await app.stop();
});

async function post(path: string, raw: string, contentType = 'application/json', headers: Record<string, string> = {}): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(app.baseUrl + path, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: raw });
  const text = await res.text();
  let code: string | undefined;
  if (res.status >= 400) {
    code = (JSON.parse(text) as { error: { code: string } }).error.code;
    expect(code).toMatch(/^TOCSIN_ERR_/);
  }
  return { status: res.status, code };
}
const json = (path: string, body: unknown) => post(path, JSON.stringify(body));
const accepted = (s: number) => s >= 200 && s < 300;
const cleanly = (s: number) => accepted(s) || (s >= 400 && s < 500);

/** Keys a third party may add that tocsin does not read. */
const extraKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
const extras = fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
/** Adds the extra keys without overwriting what the body already has. */
const withExtras = <T extends object>(body: T, more: Record<string, unknown>): T => ({ ...more, ...body });

// ---------- UPS ----------
const NUT_EVENTS = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'REPLBATT', 'NOCOMM', 'NOPARENT'];
const STATUS_TOKENS = ['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD'];
const upsStatus = fc.uniqueArray(fc.constantFrom(...STATUS_TOKENS), { minLength: 1, maxLength: 4 }).map((t) => t.join(' '));
const numberish = (min: number, max: number) => fc.oneof(fc.double({ min, max, noNaN: true }), fc.integer({ min, max }).map(String));
const validUpsVars = fc.record(
  {
    'ups.status': upsStatus,
    'battery.charge': numberish(0, 100),
    'battery.runtime': numberish(0, 100_000),
    'input.voltage': numberish(0, 400),
    'ups.load': numberish(0, 150),
    'ups.temperature': numberish(-20, 80),
    'ups.model': fc.string({ maxLength: 40 }),
  },
  { requiredKeys: ['ups.status'] },
);
const validUps = fc.record(
  {
    device: fc.string({ minLength: 1, maxLength: 40 }).filter((d) => (d.trim().split('@')[0] ?? '') !== ''), // names a UPS
    site: fc.constantFrom('hq', 'annex'),
    event: fc.constantFrom(...NUT_EVENTS),
    vars: validUpsVars,
  },
  { requiredKeys: ['device', 'vars'] },
);
const wildUps = fc.record(
  {
    device: fc.oneof(fc.string({ maxLength: 300 }), fc.anything()),
    site: fc.oneof(fc.string(), fc.anything()),
    event: fc.oneof(fc.constantFrom(...NUT_EVENTS), fc.string(), fc.anything()),
    vars: fc.oneof(
      validUpsVars,
      fc.dictionary(fc.constantFrom('ups.status', 'battery.charge', 'battery.runtime', 'input.voltage', 'ups.load', 'ups.temperature', 'x'), fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.anything())),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

// ---------- ACD ----------
const count = fc.nat({ max: 100_000 });
const validMetrics = fc.record(
  {
    calls_waiting: count,
    longest_wait_seconds: fc.double({ min: 0, max: 100_000, noNaN: true }),
    agents_logged_in: count,
    agents_available: count,
    calls_offered: count,
    calls_abandoned: count,
    service_level: fc.double({ min: 0, max: 1, noNaN: true }),
    interval_seconds: fc.integer({ min: 1, max: 86_400 }),
  },
  { requiredKeys: [] },
);
const seat = fc.record({ seat: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ''), agent: fc.string({ maxLength: 20 }), state: fc.constantFrom('ok', 'login_failed', 'equipment_fault') }, { requiredKeys: ['seat', 'state'] });
const validAcd = fc.record(
  {
    site: fc.constantFrom('hq', 'annex', 'site-3'),
    queue: fc.constantFrom('main', 'vip', 'complaints'),
    at: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    metrics: validMetrics,
    seats: fc.array(seat, { maxLength: 5 }),
  },
  { requiredKeys: ['site'] },
);
const wildAcd = fc.record(
  {
    site: fc.oneof(fc.string(), fc.anything()),
    queue: fc.oneof(fc.string(), fc.anything()),
    at: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.anything()),
    metrics: fc.oneof(validMetrics, fc.dictionary(fc.constantFrom('calls_waiting', 'service_level', 'agents_logged_in', 'interval_seconds', 'y'), fc.oneof(fc.double(), fc.integer(), fc.string(), fc.anything())), fc.anything()),
    seats: fc.oneof(fc.array(seat, { maxLength: 3 }), fc.array(fc.anything(), { maxLength: 3 }), fc.anything()),
  },
  { requiredKeys: [] },
);

// ---------- TaskRouter ----------
const EVENT_TYPES = ['task.created', 'task-queue.entered', 'reservation.created', 'reservation.accepted', 'task.wrapup', 'task.completed', 'task.canceled', 'worker.activity.update', 'workflow.timeout'];
const sid = (p: string) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }).map((h) => p + h);
const taskForm = fc.record(
  {
    EventType: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string({ maxLength: 120 })),
    WorkspaceSid: fc.oneof(sid('WS'), fc.string({ maxLength: 80 })),
    TaskSid: fc.oneof(sid('WT'), fc.string()),
    TaskQueueSid: fc.oneof(sid('WQ'), fc.string()),
    TaskQueueName: fc.string({ maxLength: 60 }),
    TaskAge: fc.oneof(fc.nat().map(String), fc.string()),
    TaskAttributes: fc.oneof(fc.json(), fc.string()),
    WorkerSid: fc.oneof(sid('WK'), fc.string()),
    WorkerActivityName: fc.oneof(fc.constantFrom('Available', 'Offline', 'Break', 'Idle'), fc.string()),
    ResourceType: fc.constantFrom('task', 'worker', 'reservation', 'workflow'),
  },
  { requiredKeys: [] },
);
const formExtras = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => /^[A-Za-z][A-Za-z0-9]*$/.test(k)), fc.string({ maxLength: 30 }), { maxKeys: 4 });
/** Posts a form signed the way Twilio signs it, for PUBLIC_URL + path. */
function postForm(path: string, params: Record<string, string>, signature?: string): Promise<{ status: number; code: string | undefined }> {
  const sig = signature ?? twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, params);
  return post(path, new URLSearchParams(params).toString(), 'application/x-www-form-urlencoded', { 'x-twilio-signature': sig });
}

// ---------- Alertmanager (unknown fields; the random bodies are fuzzed in fuzz-webhooks.test.ts) ----------
const labelValue = fc.string({ minLength: 1, maxLength: 30 });
const validAlert = fc.record({
  status: fc.constantFrom('firing', 'resolved'),
  labels: fc.record({ alertname: labelValue, site: fc.constantFrom('hq', 'annex'), instance: labelValue }),
  annotations: fc.record({ summary: labelValue }),
  startsAt: fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  endsAt: fc.constant('0001-01-01T00:00:00Z'),
  generatorURL: fc.constant('http://prometheus:9090/graph'),
  fingerprint: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }),
});

describe('Alertmanager webhook', () => {
  it('well-formed bodies are accepted whatever unknown fields Alertmanager adds, at the top and on each alert', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validAlert, { minLength: 1, maxLength: 4 }), extras, extras, async (alerts, more, moreOnAlert) => {
        const body = withExtras({ version: '4', groupKey: '{}:{}', truncatedAlerts: 0, status: 'firing', receiver: 'tocsin', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', alerts: alerts.map((a) => withExtras(a, moreOnAlert)) }, more);
        const r = await json('/webhooks/alertmanager', body);
        expect(r.status, r.code).toBe(200);
      }),
      { numRuns: 60 },
    );
  });

  it('an invalid alert among well-formed ones with unknown fields is refused by itself, named by its index; the others are recorded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validAlert, { minLength: 1, maxLength: 4 }), extras, fc.nat(), fc.constantFrom<unknown>(42, 'pending', null), async (alerts, moreOnAlert, at, status) => {
        const index = at % (alerts.length + 1);
        const bad = { ...withExtras(alerts[0] as object, moreOnAlert), status };
        const sent = alerts.map((a) => withExtras(a, moreOnAlert) as unknown);
        sent.splice(index, 0, bad);
        const res = await fetch(`${app.baseUrl}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: '4', status: 'firing', alerts: sent }) });
        expect(res.status).toBe(200);
        const answer = (await res.json()) as { accepted: number; rejected: { index: number; code: string; message: string }[] };
        expect(answer.accepted).toBe(alerts.length);
        expect(answer.rejected).toEqual([{ index, code: 'TOCSIN_ERR_INPUT_INVALID', message: expect.stringContaining(`alerts.${index}.status`) }]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('UPS webhook', () => {
  it('random and malformed bodies get 200 or a coded 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(wildUps, async (b) => {
        expect(cleanly((await json('/webhooks/ups', b)).status)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
  it('well-formed bodies are accepted, whatever unknown fields the sender adds (top level and among the variables)', async () => {
    await fc.assert(
      fc.asyncProperty(validUps, extras, fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }).map((k) => `x.${k}`), fc.oneof(fc.string({ maxLength: 50 }), fc.double({ noNaN: true })), { maxKeys: 4 }), async (b, more, moreVars) => {
        const r = await json('/webhooks/ups', withExtras({ ...b, vars: { ...moreVars, ...b.vars } }, more));
        expect(r.status, r.code).toBe(200);
      }),
      { numRuns: 100 },
    );
  });
});

describe('ACD webhook', () => {
  it('random and malformed bodies get 200 or a coded 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(wildAcd, async (b) => {
        expect(cleanly((await json('/webhooks/acd', b)).status)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
  it('well-formed bodies are accepted with unknown fields at the top, in the metrics and on seats', async () => {
    await fc.assert(
      fc.asyncProperty(validAcd, extras, extras, async (b, more, moreMetrics) => {
        const body = withExtras({ ...b, ...(b.metrics ? { metrics: withExtras(b.metrics, moreMetrics) } : {}), ...(b.seats ? { seats: b.seats.map((s) => ({ vendorField: 1, ...s })) } : {}) }, more);
        const r = await json('/webhooks/acd', body);
        expect(r.status, r.code).toBe(200);
      }),
      { numRuns: 100 },
    );
  });
});

describe('TaskRouter webhook (form-encoded, signed)', () => {
  it('random signed form bodies get 2xx or a coded 4xx, never 5xx; unknown parameters are tolerated', async () => {
    await fc.assert(
      fc.asyncProperty(taskForm, formExtras, async (params, more) => {
        const r = await postForm('/webhooks/taskrouter', { ...more, ...params });
        expect(cleanly(r.status), `${r.status} ${r.code}`).toBe(true);
        if (typeof params.EventType === 'string' && EVENT_TYPES.includes(params.EventType)) expect(r.status, r.code).toBeLessThan(300);
      }),
      { numRuns: 150 },
    );
  });
  it('a random body with a wrong or missing signature is refused with 403', async () => {
    await fc.assert(
      fc.asyncProperty(taskForm, fc.string({ maxLength: 40 }), async (params, sig) => {
        const r = await postForm('/webhooks/taskrouter', params, sig === twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/taskrouter`, params) ? 'x' : sig);
        expect(r.status).toBe(403);
        expect(r.code).toBe('TOCSIN_ERR_AUTH_SIGNATURE');
      }),
      { numRuns: 50 },
    );
  });
});

describe('our own API is strict', () => {
  it('an unknown field in a report, an acknowledgement, a maintenance window or an override is rejected with 422', async () => {
    const report = { class: 'hvac', site: 'hq', summary: 'hall B warm' };
    const until = new Date(app.clock.now() + 3_600_000).toISOString();
    const first = await json('/api/incidents', report);
    expect(first.status).toBe(201);
    const incidents = (await app.request('GET', '/api/incidents')).body.incidents as { id: string }[];
    const id = incidents[0]?.id ?? '';
    await fc.assert(
      fc.asyncProperty(fc.dictionary(extraKey.filter((k) => !['class', 'site', 'summary', 'details', 'labels', 'level', 'drill', 'by', 'key', 'note', 'name', 'from', 'until', 'sites', 'classes', 'all', 'role', 'person', 'reason'].includes(k)), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 }), async (more) => {
        for (const [path, body] of [
          ['/api/incidents', { ...report, ...more }],
          [`/api/incidents/${id}/ack`, { by: 'lead', ...more }],
          ['/api/maintenance', { name: 'upgrade', until, sites: ['hq'], ...more }],
          ['/api/overrides', { role: 'shift_lead', person: 'ana_costa', until, ...more }],
        ] as const) {
          const r = await json(path, body);
          expect(r.status, `${path} ${JSON.stringify(more)}`).toBe(422);
          expect(r.code).toBe('TOCSIN_ERR_INPUT_INVALID');
        }
      }),
      { numRuns: 30 },
    );
    // the same bodies without the unknown fields are fine
    expect((await json(`/api/incidents/${id}/ack`, { by: 'lead' })).status).toBe(200);
  });
});

describe('oversized bodies', () => {
  it('get 413 on every JSON endpoint and on the form callbacks (the Alertmanager webhook has its own, larger limit)', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    for (const path of ['/webhooks/ups', '/webhooks/acd', '/api/incidents']) {
      const r = await json(path, { site: 'hq', pad: big });
      expect(r.status, path).toBe(413);
      expect(r.code).toBe('TOCSIN_ERR_INPUT_TOO_LARGE');
    }
    expect((await json('/webhooks/alertmanager', { site: 'hq', pad: big })).code).toBe('TOCSIN_ERR_INPUT_INVALID');
    const form = await postForm('/webhooks/taskrouter', { EventType: 'task.created', Pad: big });
    expect(form.status).toBe(413);
  });
  it('the daemon is alive and ready after all of it', async () => {
    expect((await app.request('GET', '/healthz')).status).toBe(200);
    expect((await app.request('GET', '/readyz')).status).toBe(200);
  });
});
