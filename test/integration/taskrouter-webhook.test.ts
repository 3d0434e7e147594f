/**
 * POST /webhooks/taskrouter (and /twilio/taskrouter-events) through the real app and real Redis: the shared
 * signed TaskRouter fixtures, tampered ones, and a queue surge built from task events.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

interface Capture {
  url: string;
  headers: { 'X-Twilio-Signature': string };
  params: Record<string, string>;
}
const fixtures = JSON.parse(readFileSync('../shared/fixtures/twilio/webhook-taskRouterEventCallbacks.json', 'utf8')) as Record<string, Capture>;
const capture = (name: string): Capture => {
  const c = fixtures[name];
  if (!c) throw new Error(`no fixture ${name}`);
  return c;
};
const ORDER = ['task.created', 'task-queue.entered', 'reservation.accepted', 'task.wrapup', 'task.canceled', 'worker.activity.update'];

// The fixtures were signed for https://alerts.example.test/twilio/taskrouter-events with this token.
const PUBLIC_URL = 'https://alerts.example.test';
const TOKEN = 'test_auth_token_123';

/** Twilio's scheme: Base64(HMAC-SHA1(token, url + every param name+value, names sorted)). */
function sign(url: string, params: Record<string, string>, token = TOKEN): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

let app: TestApp;
const start = async (env: Record<string, string> = { PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN }) => {
  app = await startTestApp({ env });
};
afterEach(async () => {
  await app.stop();
});

const form = (path: string, params: Record<string, string>, signature?: string) =>
  app.request('POST', path, new URLSearchParams(params).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    ...(signature !== undefined ? { 'x-twilio-signature': signature } : {}),
  });
const postFixture = (name: string) => {
  const c = capture(name);
  return form(new URL(c.url).pathname, c.params, c.headers['X-Twilio-Signature']);
};
/** A task event signed for /webhooks/taskrouter. */
const taskEvent = (eventType: string, taskSid: string, extra: Record<string, string>) => {
  const params: Record<string, string> = {
    AccountSid: 'AC00000000000000000000000000000001',
    WorkspaceSid: 'WSdddddddddddddddddddddddddddddddd',
    EventType: eventType,
    ResourceType: 'task',
    ResourceSid: taskSid,
    TaskSid: taskSid,
    TaskQueueSid: 'WQeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    TaskQueueName: 'On-call',
    ...extra,
  };
  return form('/webhooks/taskrouter', params, sign(`${PUBLIC_URL}/webhooks/taskrouter`, params));
};

describe('TaskRouter webhook', () => {
  beforeEach(async () => start());

  it('the test signer agrees with the shared fixtures (so the URL they were signed for is known)', () => {
    for (const name of ORDER) expect(sign(capture(name).url, capture(name).params)).toBe(capture(name).headers['X-Twilio-Signature']);
  });

  it('accepts every signed fixture and follows the task through the On-call queue', async () => {
    const answers: Record<string, any> = {};
    for (const name of ORDER) {
      const res = await postFixture(name);
      expect(res.status, name).toBe(200);
      answers[name] = res.body;
    }
    expect(answers['task.created']).toMatchObject({ eventType: 'task.created', change: 'task', accepted: 0 });
    // one task waiting, nothing crossed: a calm report of calls waiting and longest wait (nothing open, so ignored)
    expect(answers['task-queue.entered']).toMatchObject({
      accepted: 2,
      results: [
        { member: 'acd:default:On-call:surge:calls_waiting', result: 'ignored', incident: null },
        { member: 'acd:default:On-call:surge:longest_wait', result: 'ignored', incident: null },
      ],
    });
    expect(answers['worker.activity.update']).toMatchObject({ change: 'worker', accepted: 0 });
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^tocsin_acd_calls_waiting\{site="default",queue="On-call"\} 0$/m);
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);
  });

  it('refuses a tampered fixture, a missing signature and a signature for another URL with 403', async () => {
    const c = capture('task-queue.entered');
    const tampered = await form('/twilio/taskrouter-events', { ...c.params, TaskAge: '999' }, c.headers['X-Twilio-Signature']);
    expect(tampered.status).toBe(403);
    expect(tampered.body.error.code).toBe('TOCSIN_ERR_AUTH_SIGNATURE');
    const missing = await form('/twilio/taskrouter-events', c.params);
    expect(missing.status).toBe(403);
    expect(missing.body.error.message).toContain('X-Twilio-Signature');
    // signed for /twilio/taskrouter-events, posted to /webhooks/taskrouter
    const moved = await form('/webhooks/taskrouter', c.params, c.headers['X-Twilio-Signature']);
    expect(moved.status).toBe(403);
    expect(moved.body.error.message).toContain(`${PUBLIC_URL}/webhooks/taskrouter`);
    const wrongToken = await form('/webhooks/taskrouter', c.params, sign(`${PUBLIC_URL}/webhooks/taskrouter`, c.params, 'another_token'));
    expect(wrongToken.status).toBe(403);
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);
  });

  it('a task waiting longer than the surge threshold opens inbound_surge; the queue emptying resolves it after the hold', async () => {
    const entered = await taskEvent('task-queue.entered', 'WT01', { TaskAge: '200', TaskAssignmentStatus: 'pending' });
    expect(entered.status).toBe(200);
    expect(entered.body.results).toEqual([
      { member: 'acd:default:On-call:surge:calls_waiting', result: 'ignored', incident: null },
      { member: 'acd:default:On-call:surge:longest_wait', result: 'opened', incident: expect.any(String) },
    ]);
    const id = entered.body.results[1].incident as string;
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ class: 'inbound_surge', level: 3, state: 'open', source: 'taskrouter' });
    expect(inc.summary).toContain('longest wait 200 s');

    // the task is answered: nobody waits, the queue is calm but not yet controlled
    app.clock.advance(10_000);
    const accepted = await taskEvent('reservation.accepted', 'WT01', { ResourceType: 'reservation', TaskAge: '210', TaskAssignmentStatus: 'assigned' });
    expect(accepted.body.results[1]).toMatchObject({ result: 'holding', incident: id });
    app.clock.advance(10 * 60_000 + 1_000);
    const next = await taskEvent('task-queue.entered', 'WT02', { TaskAge: '0', TaskAssignmentStatus: 'pending' });
    expect(next.body.results[1]).toMatchObject({ result: 'resolved', incident: id });
  });

  it('counts many waiting tasks per queue across callbacks', async () => {
    let last: any;
    for (let i = 0; i < 31; i++) last = await taskEvent('task-queue.entered', `WT${i}`, { TaskAge: '1', TaskAssignmentStatus: 'pending' });
    expect(last.body.results[0]).toMatchObject({ result: 'opened' });
    const inc = (await app.request('GET', `/api/incidents/${last.body.results[0].incident}`)).body;
    expect(inc.summary).toContain('31 calls waiting');
    // a task re-sent as entered is not counted twice
    const again = await taskEvent('task-queue.entered', 'WT0', { TaskAge: '5', TaskAssignmentStatus: 'pending' });
    expect(again.body.results[0].result).toBe('duplicate');
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^tocsin_acd_calls_waiting\{site="default",queue="On-call"\} 31$/m);
  });

  it("a calm queue's callbacks answer their all-clears ignored without counting them as events", async () => {
    const received = async () =>
      Object.fromEntries((await app.container.metrics.eventsReceived.get()).values.filter((v) => v.labels.source === 'taskrouter' && v.value > 0).map((v) => [String(v.labels.result), v.value]));
    for (let i = 0; i < 3; i++) {
      const res = await taskEvent('task-queue.entered', `WT${i}`, { TaskAge: '1', TaskAssignmentStatus: 'pending' });
      expect(res.body.results.map((r: any) => r.result)).toEqual(['ignored', 'ignored']);
    }
    expect(await received()).toEqual({});
    const stuck = await taskEvent('task-queue.entered', 'WT9', { TaskAge: '200', TaskAssignmentStatus: 'pending' });
    expect(stuck.body.results.map((r: any) => r.result)).toEqual(['ignored', 'opened']);
    expect(await received()).toEqual({ opened: 1 });
  });

  it('a body without an EventType is refused with 422 (after the signature)', async () => {
    const params = { WorkspaceSid: 'WS1' };
    const res = await form('/webhooks/taskrouter', params, sign(`${PUBLIC_URL}/webhooks/taskrouter`, params));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('EventType');
  });
});

describe('TaskRouter: waiting tasks age between callbacks', () => {
  beforeEach(async () => start());
  const LONGEST = 'acd:default:On-call:surge:longest_wait';

  it('a task entered at 170 s and then silence: the re-check raises the surge once its wait passes 180 s, once across replicas', async () => {
    const entered = await taskEvent('task-queue.entered', 'WT01', { TaskAge: '170', TaskAssignmentStatus: 'pending' });
    expect(entered.body.results.map((r: any) => r.result)).toEqual(['ignored', 'ignored']);
    // a second daemon on the same Redis, with its own re-check
    const replica = await startTestApp({ prefix: app.prefix, clock: app.clock, env: { PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN } });
    try {
      app.clock.advance(5_000);
      expect(await app.container.taskQueueRecheck.run(app.clock.now())).toEqual([]); // 175 s: under
      app.clock.advance(13_000); // 188 s, nothing heard from TaskRouter
      const [mine, theirs] = await Promise.all([app.container.taskQueueRecheck.run(app.clock.now()), replica.container.taskQueueRecheck.run(app.clock.now())]);
      const outcomes = [...mine, ...theirs].map((r) => `${r.event.member}=${r.outcome.kind}`).sort();
      expect(outcomes).toEqual([`${LONGEST}=duplicate`, `${LONGEST}=opened`]);
      const incidents = (await app.request('GET', '/api/incidents')).body.incidents as any[];
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ class: 'inbound_surge', state: 'open', source: 'taskrouter', site: 'default' });
      expect(incidents[0].summary).toContain('longest wait 188 s (over 180 s)');
      // the next run finds the same wait over: the same incident, a duplicate
      app.clock.advance(10_000);
      const again = await replica.container.taskQueueRecheck.run(app.clock.now());
      expect(again.map((r) => `${r.outcome.kind} ${r.outcome.id}`)).toEqual([`duplicate ${incidents[0].id}`]);
      // the call is answered: nothing waits, nothing more to re-check; the callback holds the surge
      const answered = await taskEvent('reservation.accepted', 'WT01', { ResourceType: 'reservation', TaskAge: '200', TaskAssignmentStatus: 'assigned' });
      expect(answered.body.results[1]).toMatchObject({ member: LONGEST, result: 'holding' });
      expect(await app.container.taskQueueRecheck.run(app.clock.now())).toEqual([]);
    } finally {
      await replica.stop({ keep: true });
    }
  });
});

describe('TaskRouter: the longest-wait gauge while a call is stuck', () => {
  beforeEach(async () => start());
  const gauge = async (base: string, name: string) => {
    const text = await fetch(`${base}/metrics`).then((r) => r.text());
    return new RegExp(`^${name}\\{site="default",queue="On-call"\\} (\\S+)$`, 'm').exec(text)?.[1];
  };

  it('each re-check sets the wait it aged to, on every replica, without a callback', async () => {
    await taskEvent('task-queue.entered', 'WT01', { TaskAge: '30', TaskAssignmentStatus: 'pending' });
    expect(await gauge(app.baseUrl, 'tocsin_acd_longest_wait_seconds')).toBe('30');
    const replica = await startTestApp({ prefix: app.prefix, clock: app.clock, env: { PUBLIC_URL, TWILIO_AUTH_TOKEN: TOKEN } });
    try {
      app.clock.advance(60_000);
      await app.container.taskQueueRecheck.run(app.clock.now());
      expect(await gauge(app.baseUrl, 'tocsin_acd_longest_wait_seconds')).toBe('90');
      expect(await gauge(replica.baseUrl, 'tocsin_acd_longest_wait_seconds')).toBe('90');
      expect(await gauge(replica.baseUrl, 'tocsin_acd_calls_waiting')).toBe('1');
      app.clock.advance(120_000);
      await replica.container.taskQueueRecheck.run(app.clock.now());
      expect(await gauge(app.baseUrl, 'tocsin_acd_longest_wait_seconds')).toBe('210');
      // answered: the callback says nobody waits
      await taskEvent('reservation.accepted', 'WT01', { ResourceType: 'reservation', TaskAge: '215', TaskAssignmentStatus: 'assigned' });
      expect(await gauge(replica.baseUrl, 'tocsin_acd_longest_wait_seconds')).toBe('0');
    } finally {
      await replica.stop({ keep: true });
    }
  });
});

describe('TaskRouter webhook without TWILIO_AUTH_TOKEN', () => {
  beforeEach(async () => start({ PUBLIC_URL }));
  it('refuses every callback with 403 and says why', async () => {
    const res = await postFixture('task-queue.entered');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'TOCSIN_ERR_AUTH_SIGNATURE' });
    expect(res.body.error.message).toContain('TWILIO_AUTH_TOKEN is not configured');
  });
});
