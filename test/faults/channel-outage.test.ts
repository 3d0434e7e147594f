/**
 * Providers failing under the whole daemon (channels configured from TWILIO_* and SMTP_URL):
 * Twilio failing → retries with backoff, then the person's next channel; Twilio timing out → Twilio is
 * asked whether it placed the call: a retry when it had not, the call recorded sent when it had;
 * the mail server down → retried with backoff until it is back; one that never greets → each try given
 * up after channels.email.greetingTimeout, retried, then the next channel. Every attempt is on the record.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { channelEnv } from '../support/channel-env.js';

const SID = `AC${'9'.repeat(32)}`;
const TOKEN = 'outage_auth_token';
const FROM = '+15005550009';
// 02:00 in Shanghai: IT ops on duty is Omar Haddad (voice first, then SMS); the supervisor Grace Okafor
const T0 = Date.parse('2026-11-23T18:00:00Z');
const OMAR = '+15555550103';

let fake: FakeTwilio | undefined;
let sink: SmtpSink | undefined;
let app: TestApp | undefined;
/** A mail server that never greets, and the connections it holds. */
let mute: Server | undefined;
const held = new Set<Socket>();
afterEach(async () => {
  await app?.stop();
  await fake?.stop();
  await sink?.stop();
  for (const socket of held) socket.destroy();
  held.clear();
  await new Promise((r) => (mute ? mute.close(r) : r(undefined)));
  app = fake = sink = mute = undefined;
});

async function until<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `twilioTimeout`: daemon.yaml channels.twilio.timeout in ms (the shipped 15 s when left out). */
async function withTwilio(speed: string, twilioTimeout?: number): Promise<TestApp> {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  const config = structuredClone(loadConfig('config', { clockSpeed: Number(speed) })) as any;
  if (twilioTimeout !== undefined) config.daemon.channels.twilio.timeout = twilioTimeout;
  app = await startTestApp({
    clock: new ManualClock(T0),
    config: config as Config,
    env: { ...channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM }), TOCSIN_CLOCK_SPEED: speed },
  });
  return app;
}

async function open(a: TestApp, klass: string): Promise<string> {
  const r = await a.request('POST', '/api/incidents', { class: klass, site: 'hq', summary: `${klass} test` });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const get = async (a: TestApp, id: string) => (await a.request('GET', `/api/incidents/${id}`)).body;

describe('Twilio failing', () => {
  it('network_infosys: three 503s on the call are retried with backoff, then IT ops gets an SMS; all on the record', async () => {
    // speed 10: the 2 s and 10 s backoffs are 0.2 s and 1 s
    const a = await withTwilio('10');
    fake?.failNext(3, { status: 503, code: 20503, message: 'Service unavailable' });
    const started = Date.now();
    const id = await open(a, 'network_infosys');
    await a.container.engine.idle();
    const inc = await until(async () => {
      const x = await get(a, id);
      return (x.notifications as any[]).some((n) => n.channel === 'sms' && n.status === 'sent') && (x.timeline as any[]).some((e) => e.type === 'notified' && e.channel === 'sms') ? x : undefined;
    });
    const order = (n: any) => `${n.channel === 'voice' ? 0 : 1}:${n.attempt}`;
    const omar = (inc.notifications as any[])
      .filter((n) => n.person === 'omar_haddad')
      .sort((x, y) => order(x).localeCompare(order(y)))
      .map((n) => [n.channel, n.attempt, n.status]);
    expect(omar).toEqual([
      ['voice', 1, 'failed'],
      ['voice', 2, 'failed'],
      ['voice', 3, 'failed'],
      ['sms', 1, 'sent'],
    ]);
    expect(fake?.calls().filter((c) => c.form.To === OMAR)).toHaveLength(3);
    expect(fake?.messages().filter((m) => m.form.To === OMAR)).toHaveLength(1);
    // the timeline tells the story: each failure with its provider code, then the SMS
    const story = (inc.timeline as any[]).filter((e) => (e.type === 'notified' || e.type === 'notification_failed') && e.person === 'omar_haddad');
    expect(story.map((e) => [e.type, e.channel, e.attempt, e.failure ?? e.status])).toEqual([
      ['notification_failed', 'voice', 1, 'temporary'],
      ['notification_failed', 'voice', 2, 'temporary'],
      ['notification_failed', 'voice', 3, 'temporary'],
      ['notified', 'sms', 1, 'sent'],
    ]);
    expect(story[0].providerCode).toBe(20503);
    // the SMS went out only after the backoffs (0.2 s + 1 s of real time at speed 10)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
    expect(inc.tier).toBe(0);
  });

  it('a call that times out (no answer from Twilio within channels.twilio.timeout) is retried and then goes through', async () => {
    const a = await withTwilio('10', 1_000);
    fake?.failNext(1, { hang: true });
    const started = Date.now();
    const id = await open(a, 'network_infosys');
    const inc = await until(async () => {
      const x = await get(a, id);
      return (x.notifications as any[]).some((n) => n.status === 'sent') ? x : undefined;
    }, 40_000);
    // the configured 1 s, not a built-in 15 s, then the 0.2 s backoff (2 s at speed 10)
    expect(Date.now() - started).toBeLessThan(8_000);
    expect((inc.notifications as any[]).filter((n) => n.person === 'omar_haddad').map((n) => [n.channel, n.attempt, n.status])).toEqual([
      ['voice', 1, 'failed'],
      ['voice', 2, 'sent'],
    ]);
    expect(fake?.calls().filter((c) => c.form.To === OMAR)).toHaveLength(2);
    // before the retry Twilio was asked, and had nothing: the first call never went
    expect(fake?.lists().some((r) => r.resource === 'CallList')).toBe(true);
    expect(fake?.createdSids('Calls')).toHaveLength(1);
  }, 60_000);

  it('a call Twilio placed but answered too late (after channels.twilio.timeout) is found on its list: recorded sent under its sid, never placed again', async () => {
    const a = await withTwilio('10', 1_000);
    // Twilio takes the call (the phone rings), its answer never comes back
    fake?.failNext(1, { hang: true, accepted: true }, 'Calls');
    const id = await open(a, 'network_infosys');
    const inc = await until(async () => {
      const x = await get(a, id);
      return (x.notifications as any[]).some((n) => n.person === 'omar_haddad' && n.status !== 'planned') ? x : undefined;
    }, 40_000);
    await a.container.engine.idle();
    const after = await get(a, id);
    const placed = fake?.createdSids('Calls') ?? [];
    expect(placed).toHaveLength(1);
    expect((after.notifications as any[]).filter((n) => n.person === 'omar_haddad').map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['voice', 1, 'sent', placed[0]]]);
    expect(fake?.calls().filter((c) => c.form.To === OMAR)).toHaveLength(1);
    expect((inc.timeline as any[]).filter((e) => e.type === 'notification_failed' && e.person === 'omar_haddad')).toEqual([]);
    // asked by number, never logged with it
    const asked = fake?.lists().find((r) => r.resource === 'CallList');
    expect(new URL(asked?.url ?? '', 'http://x').searchParams.get('To')).toBe(OMAR);
  }, 60_000);
});

describe('SMTP down', () => {
  it('security (level 4, e-mail alongside the phone): the mail server is down, the e-mail is retried with backoff and delivered once it is back', async () => {
    sink = await new SmtpSink().start();
    // speed 1: the first retry waits the configured 2 s
    app = await startTestApp({ clock: new ManualClock(T0), env: { SMTP_URL: sink.url, MAIL_FROM: 'tocsin@example.test', PUBLIC_URL: 'https://tocsin.example.test' } });
    await sink.stop();
    const started = Date.now();
    const id = await open(app, 'security');
    const a = app;
    await until(async () => {
      const x = await get(a, id);
      return (x.notifications as any[]).some((n) => n.channel === 'email' && n.status === 'failed') ? true : undefined;
    });
    await sink.start();
    const s = sink;
    const inc = await until(async () => {
      const x = await get(a, id);
      const emails = (x.notifications as any[]).filter((n) => n.channel === 'email');
      const people = new Set(emails.map((n) => n.person));
      const noted = (x.timeline as any[]).filter((e) => e.type === 'notified' && e.channel === 'email').length;
      return people.size > 0 && [...people].every((p) => emails.some((n) => n.person === p && n.status === 'sent')) && noted === people.size ? x : undefined;
    });
    const emails = (inc.notifications as any[]).filter((n) => n.channel === 'email');
    for (const person of new Set(emails.map((n) => n.person))) {
      const mine = emails.filter((n) => n.person === person).sort((x, y) => x.attempt - y.attempt);
      // failed while the server was down, then sent; never more than the configured three attempts
      expect(mine[0].status).toBe('failed');
      expect(mine.at(-1).status).toBe('sent');
      expect(mine.length).toBeLessThanOrEqual(3);
      expect(mine.map((n) => n.attempt).sort()).toEqual(mine.map((_, i) => i + 1));
    }
    // the server was back within moments of the first failure; delivery waited the 2 s backoff
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    const received = await s.waitFor(new Set(emails.map((n) => n.person)).size);
    expect(received.length).toBe(new Set(emails.map((n) => n.person)).size);
    const story = (inc.timeline as any[]).filter((e) => (e.type === 'notified' || e.type === 'notification_failed') && e.channel === 'email');
    expect(story.filter((e) => e.type === 'notification_failed').map((e) => e.failure)).toEqual(emails.filter((n) => n.status === 'failed').map(() => 'temporary'));
    expect(story.filter((e) => e.type === 'notified').map((e) => e.status)).toEqual(emails.filter((n) => n.status === 'sent').map(() => 'sent'));
  }, 60_000);

  it('a mail server that takes the connection and never greets: each try fails after channels.email.greetingTimeout, is retried with backoff, then the next channel', async () => {
    const connections: number[] = [];
    const silent = createServer((socket) => {
      connections.push(Date.now());
      held.add(socket);
      socket.on('error', () => undefined);
    });
    mute = silent;
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const config = structuredClone(loadConfig('config', { clockSpeed: 10 })) as any;
    // the greeting's 1 s, well inside connectTimeout and the shipped 10 s
    config.daemon.channels.email = { connectTimeout: 5_000, greetingTimeout: 1_000, socketTimeout: 5_000, sendTimeout: 10_000 };
    // IT ops on duty, Omar Haddad, reads e-mail first, then SMS (log mode here: no Twilio)
    config.roster.people.omar_haddad.channels = ['email', 'sms'];
    app = await startTestApp({
      clock: new ManualClock(T0),
      config: config as Config,
      env: { SMTP_URL: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, MAIL_FROM: 'tocsin@example.test', PUBLIC_URL: 'https://tocsin.example.test', TOCSIN_CLOCK_SPEED: '10' },
    });
    const a = app;
    const started = Date.now();
    const id = await open(a, 'network_infosys');
    const inc = await until(async () => {
      const x = await get(a, id);
      return (x.notifications as any[]).some((n) => n.channel === 'sms') && (x.timeline as any[]).some((e) => e.type === 'notified' && e.channel === 'sms') ? x : undefined;
    }, 40_000);
    const took = Date.now() - started;
    const order = (n: any) => `${n.channel === 'email' ? 0 : 1}:${n.attempt}`;
    expect(
      (inc.notifications as any[])
        .filter((n) => n.person === 'omar_haddad')
        .sort((x, y) => order(x).localeCompare(order(y)))
        .map((n) => [n.channel, n.attempt, n.status]),
    ).toEqual([
      ['email', 1, 'failed'],
      ['email', 2, 'failed'],
      ['email', 3, 'failed'],
      ['sms', 1, 'logged'],
    ]);
    const failed = (inc.timeline as any[]).filter((e) => e.type === 'notification_failed' && e.person === 'omar_haddad');
    expect(failed.map((e) => [e.channel, e.attempt, e.failure, e.providerCode])).toEqual([1, 2, 3].map((n) => ['email', n, 'temporary', 'ETIMEDOUT']));
    // three connections, each given up 1 s after it was taken (not the shipped 10 s), the backoffs
    // (0.2 s and 1 s at speed 10) between them
    expect(connections).toHaveLength(3);
    const [c1 = 0, c2 = 0, c3 = 0] = connections;
    expect(c2 - c1).toBeGreaterThanOrEqual(1_000 + 200 - 50);
    expect(c3 - c2).toBeGreaterThanOrEqual(1_000 + 1_000 - 50);
    expect(c3 - c2).toBeLessThan(4_000);
    expect(took).toBeGreaterThanOrEqual(3 * 1_000 + 200 + 1_000);
    expect(took).toBeLessThan(10_000);
  }, 60_000);
});
