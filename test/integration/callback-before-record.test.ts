/**
 * Twilio's status callback can reach the daemon before the daemon has written the page's `sent`
 * record: Twilio posts it as soon as the message or call is under way, maybe before its API answer
 * is back. The whole daemon (one, or two replicas on one Redis prefix) with the real twilio SDK
 * pointed at the loopback Twilio server, which holds its answer until the test has posted the signed
 * callback for that very message or call; real Redis, a manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { RedisEscalationQueue } from '../../src/store/escalation-queue.js';
import { makeKeys } from '../../src/store/keys.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio, type RecordedRequest } from '../support/fake-twilio.js';
import { replicas, type Replicas } from '../support/replicas.js';
import { pathOf, twilioPoster } from '../support/twilio-callbacks.js';

const SID = `AC${'5'.repeat(32)}`;
const TOKEN = 'callback_race_auth_token';
const FROM = '+15005550004';
const PUBLIC = 'https://tocsin.example.test';
const MIN = 60_000;
// 02:00 in Shanghai: the night shift lead is Ana Costa (sms, then voice), IT ops Omar Haddad (voice, then sms).
const T0 = Date.parse('2026-11-23T18:00:00Z');
const ANA = '+15555550102';
const OMAR = '+15555550103';

let fake: FakeTwilio | undefined;
let apps: TestApp[] = [];
let group: Replicas | undefined;

afterEach(async () => {
  for (const a of apps.splice(0)) await a.stop();
  await group?.stop();
  group = undefined;
  await fake?.stop();
  fake = undefined;
});

async function setUp(n = 1): Promise<{ fake: FakeTwilio; sender: TestApp; other: TestApp }> {
  const f = (fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start());
  const env = channelEnv({ twilio: f, sid: SID, token: TOKEN, from: FROM, publicUrl: PUBLIC });
  const clock = new ManualClock(T0);
  if (n === 1) {
    const app = await startTestApp({ clock, env });
    apps.push(app);
    return { fake: f, sender: app, other: app };
  }
  group = replicas();
  const [sender, other] = await group.start(2, { clock, env });
  if (!sender || !other) throw new Error('replicas not started');
  return { fake: f, sender, other };
}

const to = (list: RecordedRequest[], phone: string) => list.filter((r) => r.form.To === phone);

/**
 * Opens app_network_acd on `sender`; the loopback Twilio server holds its answer to the request that
 * `match`es until `meanwhile` (given that request, its sid chosen already) is done: the callback then
 * comes before the daemon knows the message or call went. Returns the incident id once the engine is idle.
 */
async function openRacing(sender: TestApp, f: FakeTwilio, match: (r: RecordedRequest) => boolean, meanwhile: (r: RecordedRequest) => Promise<void>): Promise<string> {
  const held = f.hold(match);
  const opened = sender.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down: agents cannot log in' });
  const request = await held.arrived;
  try {
    await meanwhile(request);
  } finally {
    held.release();
  }
  const r = await opened;
  expect(r.status).toBe(201);
  await sender.container.engine.idle();
  return r.body.id as string;
}

async function incident(app: TestApp, id: string): Promise<any> {
  const r = await app.request('GET', `/api/incidents/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function at(app: TestApp, ms: number): Promise<void> {
  app.clock.set(T0 + ms);
  await app.container.engine.tick(T0 + ms);
  await app.container.engine.idle();
}

function smsStatus(r: RecordedRequest, status: string, extra: Record<string, string> = {}): Record<string, string> {
  return { AccountSid: SID, ApiVersion: '2010-04-01', MessageSid: String(r.sid), SmsSid: String(r.sid), From: FROM, To: String(r.form.To), MessageStatus: status, SmsStatus: status, ...extra };
}

function callStatus(r: RecordedRequest, status: string, extra: Record<string, string> = {}): Record<string, string> {
  return { AccountSid: SID, ApiVersion: '2010-04-01', CallSid: String(r.sid), From: FROM, To: String(r.form.To), Direction: 'outbound-api', CallStatus: status, ...extra };
}

const smsTo = (phone: string) => (r: RecordedRequest) => r.resource === 'Messages' && r.form.To === phone;
const callTo = (phone: string) => (r: RecordedRequest) => r.resource === 'Calls' && r.form.To === phone;

/** The person's records as `channel:attempt:status`. */
function pagesOf(inc: any, person: string): string[] {
  return (inc.notifications as any[]).filter((n) => n.person === person).map((n) => `${n.channel}:${n.attempt}:${n.status}`).sort();
}

describe('a status callback that comes before the page is recorded sent', () => {
  it('undelivered SMS: failed on the record, and the shift lead is called instead (one SMS, one call)', async () => {
    const { fake: f, sender } = await setUp();
    const poster = twilioPoster(sender.baseUrl, PUBLIC, TOKEN);
    const id = await openRacing(sender, f, smsTo(ANA), async (sms) => {
      const r = await poster.post(pathOf(String(sms.form.StatusCallback)), smsStatus(sms, 'undelivered', { ErrorCode: '30003' }));
      expect(r.status).toBe(204);
    });
    const inc = await incident(sender, id);
    expect(pagesOf(inc, 'ana_costa')).toEqual(['sms:1:failed', 'voice:1:sent']);
    const sms = inc.notifications.find((n: any) => n.person === 'ana_costa' && n.channel === 'sms');
    expect(sms).toMatchObject({ providerId: one(to(f.messages(), ANA)).sid, deliveryFailure: 'undelivered' });
    expect(inc.timeline.find((e: any) => e.type === 'delivery_failed')).toMatchObject({ person: 'ana_costa', channel: 'sms', providerCode: '30003' });
    expect(inc.timeline.find((e: any) => e.type === 'page_failover')).toMatchObject({ person: 'ana_costa', from: 'sms', to: 'voice', reason: 'undelivered' });
    // the send is on the timeline once, as any other
    expect(inc.timeline.filter((e: any) => e.type === 'notified' && e.person === 'ana_costa').map((e: any) => `${e.channel}:${e.status}`).sort()).toEqual(['sms:sent', 'voice:sent']);
    expect(to(f.messages(), ANA)).toHaveLength(1);
    expect(to(f.calls(), ANA)).toHaveLength(1);

    // looked at again later: nothing more goes to Ana
    await at(sender, 1 * MIN);
    expect(to(f.messages(), ANA)).toHaveLength(1);
    expect(to(f.calls(), ANA)).toHaveLength(1);
  });

  it('delivered SMS: delivered on the record (not sent), counted once, and nothing more goes', async () => {
    const { fake: f, sender } = await setUp();
    const poster = twilioPoster(sender.baseUrl, PUBLIC, TOKEN);
    const id = await openRacing(sender, f, smsTo(ANA), async (sms) => {
      const path = pathOf(String(sms.form.StatusCallback));
      expect((await poster.post(path, smsStatus(sms, 'sent'))).status).toBe(204);
      expect((await poster.post(path, smsStatus(sms, 'delivered'))).status).toBe(204);
    });
    const inc = await incident(sender, id);
    expect(pagesOf(inc, 'ana_costa')).toEqual(['sms:1:delivered']);
    expect(inc.notifications.find((n: any) => n.person === 'ana_costa')).toMatchObject({ providerId: one(to(f.messages(), ANA)).sid, providerStatus: 'delivered' });
    expect(inc.timeline.filter((e: any) => e.person === 'ana_costa').map((e: any) => e.type).sort()).toEqual(['delivered', 'notified']);
    expect(String((await sender.request('GET', '/metrics')).body)).toContain('tocsin_notifications_total{channel="sms",result="delivered"} 1\n');
    await at(sender, 1 * MIN);
    expect(to(f.messages(), ANA)).toHaveLength(1);
    expect(to(f.calls(), ANA)).toHaveLength(0);
  });

  it('a call nobody answered: failed on the record and called again a minute later (one call per attempt)', async () => {
    const { fake: f, sender } = await setUp();
    const poster = twilioPoster(sender.baseUrl, PUBLIC, TOKEN);
    const id = await openRacing(sender, f, callTo(OMAR), async (call) => {
      const path = pathOf(String(call.form.StatusCallback));
      expect((await poster.post(path, callStatus(call, 'initiated', { SequenceNumber: '0' }))).status).toBe(204);
      expect((await poster.post(path, callStatus(call, 'no-answer', { SequenceNumber: '2' }))).status).toBe(204);
    });
    let inc = await incident(sender, id);
    expect(pagesOf(inc, 'omar_haddad')).toEqual(['voice:1:failed']);
    expect(to(f.calls(), OMAR)).toHaveLength(1);

    await at(sender, 1 * MIN);
    inc = await incident(sender, id);
    expect(pagesOf(inc, 'omar_haddad')).toEqual(['voice:1:failed', 'voice:2:sent']);
    expect(inc.timeline.find((e: any) => e.type === 'page_retry')).toMatchObject({ person: 'omar_haddad', from: 'voice', to: 'voice', reason: 'no_answer' });
    expect(to(f.calls(), OMAR)).toHaveLength(2);
    expect(to(f.messages(), OMAR)).toHaveLength(0);
  });

  it('the callback reaches another replica than the sender: the failover happens once, on one replica', async () => {
    const { fake: f, sender, other } = await setUp(2);
    const poster = twilioPoster(other.baseUrl, PUBLIC, TOKEN);
    const id = await openRacing(sender, f, smsTo(ANA), async (sms) => {
      const r = await poster.post(pathOf(String(sms.form.StatusCallback)), smsStatus(sms, 'undelivered', { ErrorCode: '30003' }));
      expect(r.status).toBe(204);
    });
    await other.container.engine.idle();
    // both replicas look at what is due then
    await Promise.all([at(sender, 1_000), at(other, 1_000)]);
    const inc = await incident(other, id);
    expect(pagesOf(inc, 'ana_costa')).toEqual(['sms:1:failed', 'voice:1:sent']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_failover')).toHaveLength(1);
    expect(to(f.messages(), ANA)).toHaveLength(1);
    expect(to(f.calls(), ANA)).toHaveLength(1);
  });
});

describe('a status callback that comes while a run holds the incident', () => {
  it('an undelivered SMS reported while another run holds the incident (it looked at the pages before): looked at again once that run hands it back', async () => {
    const { fake: f, sender } = await setUp();
    const opened = await sender.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down: agents cannot log in' });
    expect(opened.status).toBe(201);
    await sender.container.engine.idle();
    const id = opened.body.id as string;
    const sms = one(to(f.messages(), ANA));
    // a run of another replica holds the incident, past its follow-ups already
    const queue = new RedisEscalationQueue(sender.container.redis, makeKeys(sender.prefix, 'live'), { leaseMs: sender.container.config.daemon.escalation.lease });
    const claim = await queue.claim(id, T0 + 500);
    expect(claim).toBeDefined();
    const poster = twilioPoster(sender.baseUrl, PUBLIC, TOKEN);
    expect((await poster.post(pathOf(String(sms.form.StatusCallback)), smsStatus(sms, 'undelivered', { ErrorCode: '30003' }))).status).toBe(204);
    await sender.container.engine.idle();
    expect(to(f.calls(), ANA)).toHaveLength(0);
    // that run hands it back with the next look it planned (the next tier, at T+5m)
    await queue.reschedule(id, claim?.token ?? '', T0 + 5 * MIN);
    await at(sender, 1_000);
    const inc = await incident(sender, id);
    expect(pagesOf(inc, 'ana_costa')).toEqual(['sms:1:failed', 'voice:1:sent']);
    expect(inc.timeline.find((e: any) => e.type === 'page_failover')).toMatchObject({ person: 'ana_costa', from: 'sms', to: 'voice', reason: 'undelivered' });
    expect(to(f.messages(), ANA)).toHaveLength(1);
    expect(to(f.calls(), ANA)).toHaveLength(1);
  });
});

function one(list: RecordedRequest[]): RecordedRequest {
  expect(list).toHaveLength(1);
  return list[0] as RecordedRequest;
}
