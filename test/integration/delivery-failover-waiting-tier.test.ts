/**
 * A page the provider reports not delivered (an SMS undelivered, a call nobody answered) is carried on
 * by the follow-ups alone — the next channel at once, a call again on the voice cadence — also while
 * someone else in its tier still waits, so that the step is looked at again meanwhile. The whole
 * daemon on real Redis, the real twilio SDK against a Twilio-compatible server on loopback, signed
 * status callbacks and a manual clock.
 *
 * seat_equipment pages the shift lead and IT ops. IT ops is covered by tom_baker (sms only), told of
 * it by SMS just before, so his page waits for the bundle window and the step stays due. The shift
 * lead is lin_wei (sms, then voice), or omar_haddad covering (voice, then sms).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio, type RecordedRequest } from '../support/fake-twilio.js';
import { pathOf, twilioPoster, type TwilioPoster } from '../support/twilio-callbacks.js';

const SID = `AC${'9'.repeat(32)}`;
const TOKEN = 'failover_waiting_tier_token';
const FROM = '+15005550001';
const PUBLIC = 'https://tocsin.example.test';
const MIN = 60_000;
// 12:00 in Shanghai: the day shift lead is Lin Wei
const T0 = Date.parse('2026-11-23T04:00:00Z');
const LIN = '+15555550101';
const OMAR = '+15555550103';
const TOM = '+15555550113';

let fake: FakeTwilio;
let app: TestApp;
let apps: TestApp[];
let twilio: TwilioPoster;

beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  app = await startTestApp({ clock: new ManualClock(T0), env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, publicUrl: PUBLIC }) });
  apps = [app];
  twilio = twilioPoster(app.baseUrl, PUBLIC, TOKEN);
});

afterEach(async () => {
  for (const a of apps.slice(1)) await a.stop({ keep: true });
  await app.stop();
  await fake.stop();
});

/** A second replica on the same Redis, its clock where the first one's is. */
async function replica(): Promise<TestApp> {
  const other = await startTestApp({ prefix: app.prefix, clock: new ManualClock(app.clock.now()), env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, publicUrl: PUBLIC }) });
  apps.push(other);
  return other;
}

async function cover(role: string, person: string): Promise<void> {
  const r = await app.request('POST', '/api/overrides', { role, person, until: new Date(T0 + 8 * 60 * MIN).toISOString(), reason: 'cover' });
  expect(r.status).toBe(201);
  await app.container.handover.idle();
}

async function open(): Promise<string> {
  for (const a of apps) a.clock.set(T0 + 10_000);
  const r = await app.request('POST', '/api/incidents', { class: 'seat_equipment', site: 'hq', summary: 'Seat 17 headset dead' });
  expect(r.status).toBe(201);
  await app.container.engine.idle();
  return r.body.id as string;
}

async function incident(id: string): Promise<any> {
  const r = await app.request('GET', `/api/incidents/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** Every replica's clock at T0 + `ms`, each one's engine ticked at once. */
async function at(ms: number): Promise<void> {
  for (const a of apps) a.clock.set(T0 + ms);
  await Promise.all(apps.map((a) => a.container.engine.tick(T0 + ms)));
  await Promise.all(apps.map((a) => a.container.engine.idle()));
}

const to = (list: RecordedRequest[], phone: string): RecordedRequest[] => list.filter((r) => r.form.To === phone);
const statusOf = (r: RecordedRequest): string => pathOf(String(r.form.StatusCallback));
const pages = (inc: any, person: string): string[] => (inc.notifications as any[]).filter((n) => n.person === person).map((n) => `${n.channel}:${n.attempt}:${n.status}`).sort();

function voiceParams(call: RecordedRequest, extra: Record<string, string>): Record<string, string> {
  return { AccountSid: SID, ApiVersion: '2010-04-01', CallSid: `CA${'e'.repeat(32)}`, From: FROM, To: String(call.form.To), Direction: 'outbound-api', ...extra };
}

describe('a page not delivered while its tier still waits', () => {
  it('an undelivered SMS moves on to a call at once, once, and is not sent again by SMS', async () => {
    await cover('it_ops', 'tom_baker');
    expect(to(fake.messages(), TOM)).toHaveLength(1); // told of his cover
    const id = await open();
    const sms = to(fake.messages(), LIN);
    expect(sms).toHaveLength(1);
    expect(to(fake.messages(), TOM)).toHaveLength(1); // his page waits for the bundle window
    expect(pages(await incident(id), 'tom_baker')).toEqual(['sms:1:planned']);

    const r = await twilio.post(statusOf(sms[0] as RecordedRequest), { AccountSid: SID, ApiVersion: '2010-04-01', MessageSid: `SM${'f'.repeat(32)}`, From: FROM, To: LIN, MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30003' });
    expect(r.status).toBe(204);
    await app.container.engine.idle();

    expect(to(fake.messages(), LIN)).toHaveLength(1);
    expect(to(fake.calls(), LIN)).toHaveLength(1);
    let inc = await incident(id);
    expect(pages(inc, 'lin_wei')).toEqual(['sms:1:failed', 'voice:1:sent']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_failover')).toEqual([expect.objectContaining({ person: 'lin_wei', from: 'sms', to: 'voice', attempt: 1, reason: 'undelivered' })]);
    expect(inc.timeline.filter((e: any) => e.type === 'page_retry')).toEqual([]);

    // the bundle window over: tom's page goes, lin_wei gets nothing more
    await at(3 * MIN);
    await at(4 * MIN);
    expect(to(fake.messages(), TOM)).toHaveLength(2);
    expect(to(fake.messages(), LIN)).toHaveLength(1);
    expect(to(fake.calls(), LIN)).toHaveLength(1);
    inc = await incident(id);
    expect(pages(inc, 'lin_wei')).toEqual(['sms:1:failed', 'voice:1:sent']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_failover')).toHaveLength(1);
  });

  it('a call nobody answered is placed again on the voice cadence, not at once, and never twice', async () => {
    await cover('shift_lead', 'omar_haddad');
    await cover('it_ops', 'tom_baker');
    const id = await open();
    const calls = () => to(fake.calls(), OMAR);
    expect(calls()).toHaveLength(1);
    expect(pages(await incident(id), 'tom_baker')).toEqual(['sms:1:planned']);

    const first = calls()[0] as RecordedRequest;
    expect((await twilio.post(statusOf(first), voiceParams(first, { CallStatus: 'no-answer', SequenceNumber: '2' }))).status).toBe(204);
    await app.container.engine.idle();
    expect(calls()).toHaveLength(1); // not at once: voiceRetry.every later
    let inc = await incident(id);
    expect(pages(inc, 'omar_haddad')).toEqual(['voice:1:failed']);
    expect(pages(inc, 'tom_baker')).toEqual(['sms:1:planned']);

    await at(10_000 + 1 * MIN);
    expect(calls()).toHaveLength(2);
    expect(statusOf(calls()[1] as RecordedRequest)).toMatch(/voice%3A2$/);
    inc = await incident(id);
    expect(pages(inc, 'omar_haddad')).toEqual(['voice:1:failed', 'voice:2:sent']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_retry')).toEqual([expect.objectContaining({ person: 'omar_haddad', from: 'voice', to: 'voice', attempt: 2, reason: 'no_answer' })]);

    await at(4 * MIN);
    expect(calls()).toHaveLength(2);
    expect(to(fake.messages(), OMAR).filter((m) => /Reply/.test(String(m.form.Body)))).toHaveLength(0);
    inc = await incident(id);
    expect(pages(inc, 'omar_haddad')).toEqual(['voice:1:failed', 'voice:2:sent']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_retry')).toHaveLength(1);
  });

  it('with two replicas, the callback taken by the one that did not send the SMS: one call, one failover', async () => {
    await cover('it_ops', 'tom_baker');
    const other = await replica();
    const id = await open();
    const sms = to(fake.messages(), LIN);
    expect(sms).toHaveLength(1);
    expect(pages(await incident(id), 'tom_baker')).toEqual(['sms:1:planned']);

    const r = await twilioPoster(other.baseUrl, PUBLIC, TOKEN).post(statusOf(sms[0] as RecordedRequest), { AccountSid: SID, ApiVersion: '2010-04-01', MessageSid: `SM${'f'.repeat(32)}`, From: FROM, To: LIN, MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30003' });
    expect(r.status).toBe(204);
    await Promise.all(apps.map((a) => a.container.engine.idle()));
    await at(10_000);
    await at(20_000);

    expect(to(fake.messages(), LIN)).toHaveLength(1);
    expect(to(fake.calls(), LIN)).toHaveLength(1);
    await at(3 * MIN);
    await at(4 * MIN);
    expect(to(fake.messages(), TOM)).toHaveLength(2);
    expect(to(fake.messages(), LIN)).toHaveLength(1);
    expect(to(fake.calls(), LIN)).toHaveLength(1);
    const inc = await incident(id);
    expect(pages(inc, 'lin_wei')).toEqual(['sms:1:failed', 'voice:1:sent']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_failover')).toEqual([expect.objectContaining({ person: 'lin_wei', from: 'sms', to: 'voice', reason: 'undelivered' })]);
    expect(inc.timeline.filter((e: any) => e.type === 'page_retry')).toEqual([]);
  });
});
