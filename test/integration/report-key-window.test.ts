/**
 * A report's idempotency key is remembered for `incidents.idempotencyWindow` from its first report,
 * whatever becomes of the incident: the same report sent again after the incident was resolved is a
 * duplicate of it (nothing reopened, nobody paged again); after the window the key is free. Real
 * Redis and HTTP, pages sent to the Twilio-compatible loopback server, a manual clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio } from '../support/fake-twilio.js';

const SID = `AC${'3'.repeat(32)}`;
const TOKEN = 'test_auth_token_key_window';
const FROM = '+15005550003';
const MIN = 60_000;
const HOUR = 60 * MIN;
const KEY = '8a6f2c1e-4b7d-4e3a-9c5f-1d2e3f4a5b6c';
const media = { class: 'media', site: 'hq', summary: 'a reporter at the front desk' };

const twilio = new FakeTwilio({ accountSid: SID, authToken: TOKEN });
let app: TestApp | undefined;
beforeAll(async () => {
  await twilio.start();
});
afterAll(() => twilio.stop());
afterEach(async () => {
  await app?.stop();
  app = undefined;
  twilio.reset();
});

/** A daemon whose `incidents` settings are the shipped ones but for `incidents`. */
async function start(incidents: Partial<Config['daemon']['incidents']> = {}): Promise<TestApp> {
  const base = loadConfig('config');
  const config = { ...base, daemon: { ...base.daemon, incidents: { ...base.daemon.incidents, ...incidents } } };
  app = await startTestApp({ config, env: channelEnv({ twilio, sid: SID, token: TOKEN, from: FROM }) });
  return app;
}

function running(): TestApp {
  if (!app) throw new Error('no app');
  return app;
}

/** The engine done with what is due now. */
async function settle(): Promise<void> {
  const a = running();
  await a.container.engine.idle();
  await a.container.engine.tick(a.clock.now());
  await a.container.engine.idle();
}

const report = (body: object, key?: string) => running().request('POST', '/api/incidents', body, key === undefined ? {} : { 'idempotency-key': key });
const incident = async (id: string) => (await running().request('GET', `/api/incidents/${id}`)).body;
const unresolved = async () => (await running().request('GET', '/api/incidents?state=unresolved')).body.incidents as any[];
const noteIds = async (id: string) => ((await incident(id)).notifications as any[]).map((n) => n.id as string).sort();

async function resolve(id: string): Promise<void> {
  expect((await running().request('POST', `/api/incidents/${id}/resolve`, { by: 'lin_wei' })).status).toBe(200);
  await settle();
}

/** What was paged so far: the calls and SMS Twilio took, and the incident's notifications. */
async function paged(id: string) {
  return { twilio: twilio.requests.length, notes: await noteIds(id) };
}

describe('an idempotency key after its incident is resolved', () => {
  it('the same key again is a duplicate of the resolved incident: same id, still resolved, nobody paged again (within and after the reopen window)', async () => {
    const a = await start();
    const first = await report(media, KEY);
    expect(first.body.result).toBe('opened');
    const id = first.body.id as string;
    await settle();
    expect(twilio.requests.length).toBeGreaterThan(0); // supervisor and center manager, at once
    await resolve(id);
    const before = await paged(id);

    // a retry whose first answer was lost, a minute later: within incidents.reopenWindow (10m)
    a.clock.advance(MIN);
    const retry = await report(media, KEY);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ id, result: 'duplicate' });
    await settle();
    expect(await paged(id)).toEqual(before);
    expect(await unresolved()).toEqual([]);
    let inc = await incident(id);
    expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'lin_wei', reopenCount: 0, eventCount: 2, memberCount: 1 });
    expect((inc.timeline as any[]).filter((e) => e.type === 'reopened')).toEqual([]);
    expect((inc.timeline as any[]).at(-1)).toMatchObject({ type: 'duplicate', member: `api:key:${KEY}` });

    // the script run again hours later: after the reopen window, within the key's (24h)
    a.clock.advance(5 * HOUR);
    await settle();
    const later = await paged(id);
    const rerun = await report({ ...media, key: KEY });
    expect(rerun.body).toEqual({ id, result: 'duplicate' });
    await settle();
    expect(await paged(id)).toEqual(later);
    expect(await unresolved()).toEqual([]);
    inc = await incident(id);
    expect(inc).toMatchObject({ state: 'resolved', reopenCount: 0, eventCount: 3 });
    expect((await running().request('GET', '/api/incidents')).body.incidents.map((i: any) => i.id)).toEqual([id]);
  });

  it('copies sent at the same moment after the resolution all answer the one incident', async () => {
    const a = await start();
    const id = (await report(media, KEY)).body.id as string;
    await settle();
    await resolve(id);
    const before = await paged(id);
    a.clock.advance(2 * MIN);
    const answers = await Promise.all(Array.from({ length: 6 }, () => report(media, KEY)));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(answers.map((r) => r.body)).toEqual(Array(6).fill({ id, result: 'duplicate' }));
    await settle();
    expect(await paged(id)).toEqual(before);
    expect(await incident(id)).toMatchObject({ state: 'resolved', eventCount: 7 });
    expect(await unresolved()).toEqual([]);
  });

  it('after the window the key is free: a report like any other, opening a new incident that pages, and remembered afresh', async () => {
    const a = await start({ idempotencyWindow: HOUR });
    const id = (await report(media, KEY)).body.id as string;
    await settle();
    await resolve(id);
    const calls = twilio.requests.length;

    a.clock.advance(HOUR + 1000);
    const again = await report(media, KEY);
    expect(again.body.result).toBe('opened');
    const next = again.body.id as string;
    expect(next).not.toBe(id);
    await settle();
    expect(twilio.requests.length).toBeGreaterThan(calls);
    expect((await unresolved()).map((i) => i.id)).toEqual([next]);
    expect((await incident(id)).state).toBe('resolved');

    await resolve(next);
    a.clock.advance(MIN);
    expect((await report(media, KEY)).body).toEqual({ id: next, result: 'duplicate' });
    expect(await unresolved()).toEqual([]);
  });

  it('a window shorter than the reopen window: after it the key reopens its incident as any report of its group would', async () => {
    const a = await start({ idempotencyWindow: 5 * MIN });
    const id = (await report(media, KEY)).body.id as string;
    await settle();
    await resolve(id);
    a.clock.advance(2 * MIN);
    expect((await report(media, KEY)).body).toEqual({ id, result: 'duplicate' });
    a.clock.advance(4 * MIN); // 6 minutes after the first report, 6 after the resolution
    expect((await report(media, KEY)).body).toEqual({ id, result: 'reopened' });
    expect((await unresolved()).map((i) => i.id)).toEqual([id]);
  });

  it('for a class grouped per site the key answers its own incident, not the one the site opened since', async () => {
    const a = await start();
    const fire = { class: 'security', site: 'hq', summary: 'fire alarm, hall B', details: { kind: 'fire' } };
    const id = (await report(fire, KEY)).body.id as string;
    await settle();
    await resolve(id);
    a.clock.advance(30 * MIN); // after the reopen window: the site's next report opens a new incident
    const other = await report({ ...fire, summary: 'smoke in hall C' });
    expect(other.body.result).toBe('opened');
    expect(other.body.id).not.toBe(id);
    await settle();
    const before = await paged(id);

    expect((await report(fire, KEY)).body).toEqual({ id, result: 'duplicate' });
    await settle();
    expect(await paged(id)).toEqual(before);
    expect(await incident(other.body.id)).toMatchObject({ state: 'open', eventCount: 1, memberCount: 1 });
    expect(await incident(id)).toMatchObject({ state: 'resolved', eventCount: 2 });
  });

  it('the same key with another class or site is another report; a drill keeps its keys apart', async () => {
    const a = await start();
    const id = (await report(media, KEY)).body.id as string;
    await settle();
    await resolve(id);
    a.clock.advance(MIN);

    const north = await report({ ...media, site: 'north' }, KEY);
    const complaint = await report({ ...media, class: 'complaint_escalation' }, KEY);
    expect([north.body.result, complaint.body.result]).toEqual(['opened', 'opened']);
    expect(new Set([id, north.body.id, complaint.body.id]).size).toBe(3);
    expect((await report(media, KEY)).body).toEqual({ id, result: 'duplicate' });

    const drill = await report({ ...media, drill: true }, KEY);
    expect(drill.body.result).toBe('opened');
    expect(drill.body.id).toMatch(/^drill-/);
    await resolve(drill.body.id);
    a.clock.advance(MIN);
    expect((await report({ ...media, drill: true }, KEY)).body).toEqual({ id: drill.body.id, result: 'duplicate' });
    expect((await incident(drill.body.id)).state).toBe('resolved');
  });

  it('an incident no longer kept (retention shorter than the window): the key still answers its id as a duplicate, and nothing is opened or paged', async () => {
    const a = await start({ retention: 1000 });
    const id = (await report(media, KEY)).body.id as string;
    await settle();
    await resolve(id);
    const calls = twilio.requests.length;
    // retention runs in Redis's real time
    const deadline = Date.now() + 10_000;
    while ((await running().request('GET', `/api/incidents/${id}`)).status !== 404) {
      if (Date.now() > deadline) throw new Error('the incident did not expire');
      await new Promise((r) => setTimeout(r, 100));
    }
    a.clock.advance(MIN);
    const retry = await report(media, KEY);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ id, result: 'duplicate' });
    await settle();
    expect((await running().request('GET', `/api/incidents/${id}`)).status).toBe(404);
    expect((await running().request('GET', '/api/incidents')).body.incidents).toEqual([]);
    expect(twilio.requests.length).toBe(calls);
  });

  it('idempotencyWindow 0: a key holds only while its incident is open or acknowledged, as before', async () => {
    const a = await start({ idempotencyWindow: 0 });
    const id = (await report(media, KEY)).body.id as string;
    expect((await report(media, KEY)).body).toEqual({ id, result: 'duplicate' });
    await settle();
    await resolve(id);
    a.clock.advance(MIN);
    expect((await report(media, KEY)).body).toEqual({ id, result: 'reopened' });
  });
});
