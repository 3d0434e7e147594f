/**
 * Shift-handover notices leave the building: the whole daemon with the real twilio SDK pointed at a
 * Twilio-compatible server on loopback, a real SMTP server, real Redis and a manual clock. At 07:45 in
 * Shanghai the night lead hands the duty team lead role to the day lead: the day lead is told by SMS
 * (in Chinese, her roster locale) with the incident still open that the role was paged for, the night
 * lead who takes over; a failing SMS falls over to e-mail; a notice never rings a phone and is sent once.
 * A notice counts toward the person's throttles as any message does, from before the provider is asked
 * (a page decided while the SMS is still on its way sees it), and only on the channel that took it;
 * none of them holds it back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisThrottleRepository } from '../../src/store/throttle-repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio, type RecordedRequest } from '../support/fake-twilio.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { channelEnv } from '../support/channel-env.js';

const SID = `AC${'5'.repeat(32)}`;
const TOKEN = 'handover_auth_token';
const FROM = '+15005550001';
// 02:00 in Shanghai: Ana Costa leads the night shift; Lin Wei takes over at 08:00 (00:00Z).
const T0 = Date.parse('2026-11-23T18:00:00Z');
const NOTICE = Date.parse('2026-11-23T23:46:00Z');
const LIN = '+15555550101';
const ANA = '+15555550102';
const GRACE = '+15555550105';
const LI_QIANG = '+15555550111';

let fake: FakeTwilio;
let sink: SmtpSink;
let app: TestApp;

beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  sink = await new SmtpSink().start();
  app = await startTestApp({
    clock: new ManualClock(T0),
    env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, smtp: sink }),
  });
});

afterEach(async () => {
  await app.stop();
  await fake.stop();
  await sink.stop();
});

const to = (list: RecordedRequest[], phone: string) => list.filter((r) => r.form.To === phone).map((r) => String(r.form.Body));

async function openAcdOutage(): Promise<string> {
  const r = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down: agents cannot log in' });
  expect(r.status).toBe(201);
  await app.container.engine.idle();
  expect(to(fake.messages(), ANA)).toHaveLength(1); // the night lead was paged
  return r.body.id as string;
}

async function handover(at = NOTICE): Promise<number> {
  app.clock.set(at);
  return app.container.handover.tick(at);
}

/** The person's messages in the throttle's record (every channel), as "<channel>@<ms>". */
async function throttleHistory(person: string, now: number): Promise<string[]> {
  const store = new RedisThrottleRepository(app.container.redis, makeKeys(app.env.redisPrefix, 'live'), 24 * 60 * 60_000);
  return (await store.history(person, 'sms', now)).sent.map((m) => `${m.channel}@${m.at}`);
}

async function metric(name: string): Promise<string[]> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

describe('shift handover notices', () => {
  it('the day lead gets an SMS naming the incident still open; the night lead one saying who takes over; no call', async () => {
    await openAcdOutage();
    const callsBefore = fake.calls().length;
    fake.reset();
    expect(await handover()).toBeGreaterThanOrEqual(2);

    expect(to(fake.messages(), LIN)).toEqual(['交接：您自11月24日周二 08:00起担任值班组长，接替Ana Costa。仍未结束：应用/网络/ACD故障 (hq)。']);
    expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 08:00.']);
    const lin = fake.messages().find((r) => r.form.To === LIN);
    expect(lin?.form.From).toBe(FROM);
    expect(lin?.form.StatusCallback).toBeUndefined(); // nothing to answer, nothing to track
    expect(fake.calls()).toHaveLength(0);
    expect(callsBefore).toBeGreaterThan(0); // IT ops was called for the page itself: calls do work here

    // once only, however often the check runs before the handover
    expect(await handover(NOTICE + 5 * 60_000)).toBe(0);
    expect(to(fake.messages(), LIN)).toHaveLength(1);
    expect(await metric('tocsin_handover_notices_total{channel="sms",result="sent"}')).toEqual([expect.stringMatching(/ ([2-9]|\d\d+)$/)]);
  });

  it('an override is a handover too: told ahead of its start and of its end, once each', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const o = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'lin_wei', from: iso(T0 + 10 * 60_000), until: iso(T0 + 60 * 60_000), reason: 'covering' });
    expect(o.status).toBe(201);
    // its start is less than 15 minutes away: told as it is made, not at the next check
    await app.container.handover.idle();
    expect(to(fake.messages(), LIN)).toEqual([expect.stringMatching(/^交接：您自11月24日周二 02:10起担任值班组长，接替Ana Costa。/)]);
    expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 02:10.']);
    fake.reset();
    expect(await handover(T0 + 60_000)).toBe(0); // once

    fake.reset();
    expect(await handover(T0 + 30 * 60_000)).toBe(0); // the end is still more than 15 minutes away
    expect(await handover(T0 + 50 * 60_000)).toBe(2);
    expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: you hold Duty team lead from Tue 24 Nov, 03:00, taking over from Lin Wei.']);
    expect(to(fake.messages(), LIN)).toEqual(['交接：值班组长将于11月24日周二 03:00由您交给Ana Costa。']);
    expect(fake.calls()).toHaveLength(0);
  });

  it('an override that starts at once tells both sides at once, once each — also with two replicas on one Redis', async () => {
    const other = await startTestApp({ prefix: app.prefix, clock: app.clock, env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, smtp: sink }) });
    try {
      // no `from`: Lin Wei covers the night lead from now on
      const o = await other.request('POST', '/api/overrides', { role: 'shift_lead', person: 'lin_wei', until: new Date(T0 + 60 * 60_000).toISOString() });
      expect(o.status).toBe(201);
      // the replica that made it checks at once; the other's check runs meanwhile
      await Promise.all([app.container.handover.tick(T0), other.container.handover.idle()]);
      expect(to(fake.messages(), LIN)).toEqual(['交接：您自11月24日周二 02:00起担任值班组长，接替Ana Costa。']);
      expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 02:00.']);
      // later checks of either replica send nothing again
      expect(await Promise.all([handover(T0 + 30_000), other.container.handover.tick(T0 + 60_000)])).toEqual([0, 0]);
      expect(fake.messages()).toHaveLength(2);
      expect(fake.calls()).toHaveLength(0);
    } finally {
      await other.stop({ keep: true });
    }
  });

  it('an override ended early (DELETE) tells both sides at once, once each; ending it again tells nobody', async () => {
    const o = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'lin_wei', until: new Date(T0 + 60 * 60_000).toISOString() });
    expect(o.status).toBe(201);
    await app.container.handover.idle();
    fake.reset();
    // at 02:20 Lin Wei is released: Ana Costa holds the night lead again
    app.clock.set(T0 + 20 * 60_000);
    expect((await app.request('DELETE', `/api/overrides/${o.body.id}`)).status).toBe(204);
    await app.container.handover.idle();
    expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: you hold Duty team lead from Tue 24 Nov, 02:20, taking over from Lin Wei.']);
    expect(to(fake.messages(), LIN)).toEqual(['交接：值班组长将于11月24日周二 02:20由您交给Ana Costa。']);
    expect((await app.request('GET', '/api/overrides')).body.overrides).toEqual([]);
    const duty = await app.request('GET', '/api/oncall');
    expect((duty.body.roles as any[]).find((r) => r.role === 'shift_lead')).toMatchObject({ source: 'schedule', people: [expect.objectContaining({ id: 'ana_costa' })] });
    // again, and later checks: nothing more
    expect((await app.request('DELETE', `/api/overrides/${o.body.id}`)).status).toBe(204);
    await app.container.handover.idle();
    expect(await handover(T0 + 21 * 60_000)).toBe(0);
    expect(fake.messages()).toHaveLength(2);
    expect(fake.calls()).toHaveLength(0);
  });

  it('an override deleted before it starts is gone, and nobody is told of it', async () => {
    const o = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'lin_wei', from: new Date(T0 + 3 * 60 * 60_000).toISOString(), until: new Date(T0 + 4 * 60 * 60_000).toISOString() });
    expect(o.status).toBe(201);
    expect((await app.request('DELETE', `/api/overrides/${o.body.id}`)).status).toBe(204);
    expect((await app.request('DELETE', `/api/overrides/${o.body.id}`)).status).toBe(404);
    await app.container.handover.idle();
    expect(await handover(T0 + 3 * 60 * 60_000 - 60_000)).toBe(0);
    expect(fake.messages()).toHaveLength(0);
  });

  it('people who put calls first in the roster are told by SMS, never called', async () => {
    // the supervisors change over daily at 08:00 in Shanghai; Grace Okafor and Li Qiang both list voice first
    await handover(Date.parse('2026-11-24T23:46:00Z'));
    const texts = [...to(fake.messages(), GRACE), ...to(fake.messages(), LI_QIANG)];
    expect(texts.sort()).toEqual([
      'HANDOVER: you hold Call-centre supervisor from Wed 25 Nov, 08:00, taking over from Li Qiang.',
      '交接：呼叫中心主管将于11月25日周三 08:00由您交给Grace Okafor。',
    ]);
    expect(fake.calls()).toHaveLength(0);
  });

  it('a resolved incident is not mentioned, and with nothing open the day lead is told only that she takes over', async () => {
    const id = await openAcdOutage();
    expect((await app.request('POST', `/api/incidents/${id}/resolve`, { by: 'ana_costa' })).status).toBe(200);
    await app.container.engine.idle();
    fake.reset();
    await handover();
    expect(to(fake.messages(), LIN)).toEqual(['交接：您自11月24日周二 08:00起担任值班组长，接替Ana Costa。']);
  });

  it('a handover SMS counts toward the SMS gap of the pages after it, and is never held back by a page before it', async () => {
    const ana = async (id: string) => ((await app.request('GET', `/api/incidents/${id}`)).body.notifications as any[]).find((n) => n.person === 'ana_costa' && n.phase === 'page');
    const hallTooWarm = async (site: string) => {
      const r = await app.request('POST', '/api/incidents', { class: 'hvac', site, summary: `hall too warm at ${site}` });
      expect(r.status).toBe(201);
      await app.container.engine.idle();
      return r.body.id as string;
    };
    // 07:45:30 in Shanghai: the night lead is paged by SMS; her handover notice comes 30 s later all the same
    app.clock.set(NOTICE - 30_000);
    const before = await hallTooWarm('hq');
    expect(await ana(before)).toMatchObject({ channel: 'sms', status: 'sent' });
    expect(await handover()).toBeGreaterThanOrEqual(2);
    expect(to(fake.messages(), ANA)).toEqual([expect.stringContaining('hall too warm'), 'HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 08:00.']);

    // a page 20 s after the notice waits out the bundle window after it, like one after any other SMS
    app.clock.set(NOTICE + 20_000);
    const after = await hallTooWarm('annex');
    expect(await ana(after)).toMatchObject({ channel: 'sms', status: 'planned', deferredUntil: NOTICE + 2 * 60_000, limit: 'bundle_window' });
    expect(to(fake.messages(), ANA)).toHaveLength(2);
    app.clock.set(NOTICE + 2 * 60_000);
    await app.container.engine.tick(NOTICE + 2 * 60_000);
    await app.container.engine.idle();
    expect(await ana(after)).toMatchObject({ status: 'sent', at: new Date(NOTICE + 2 * 60_000).toISOString() });
    expect(to(fake.messages(), ANA)).toHaveLength(3);
  });

  it('a page decided while the handover SMS is still on its way sees it: it waits out the bundle window after the notice', async () => {
    const ana = async (id: string) => ((await app.request('GET', `/api/incidents/${id}`)).body.notifications as any[]).find((n) => n.person === 'ana_costa' && n.phase === 'page');
    // the provider takes its time over the night lead's notice
    const slow = fake.hold((r) => r.resource === 'Messages' && r.form.To === ANA);
    const telling = handover();
    await slow.arrived;
    expect(await throttleHistory('ana_costa', NOTICE)).toEqual([`sms@${NOTICE}`]); // counted before the provider answered

    // 20 s on, the SMS still unanswered: a page to her waits out the bundle window after the notice
    app.clock.set(NOTICE + 20_000);
    const r = await app.request('POST', '/api/incidents', { class: 'hvac', site: 'annex', summary: 'hall too warm at annex' });
    expect(r.status).toBe(201);
    await app.container.engine.idle();
    expect(await ana(r.body.id)).toMatchObject({ channel: 'sms', status: 'planned', deferredUntil: NOTICE + 2 * 60_000, limit: 'bundle_window' });
    expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 08:00.']);

    slow.release();
    expect(await telling).toBeGreaterThanOrEqual(2);
    expect(await throttleHistory('ana_costa', NOTICE + 20_000)).toEqual([`sms@${NOTICE}`]); // once, at its time
    app.clock.set(NOTICE + 2 * 60_000);
    await app.container.engine.tick(NOTICE + 2 * 60_000);
    await app.container.engine.idle();
    expect(await ana(r.body.id)).toMatchObject({ status: 'sent', at: new Date(NOTICE + 2 * 60_000).toISOString() });
    expect(to(fake.messages(), ANA)).toEqual(['HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 08:00.', expect.stringContaining('hall too warm')]);
  });

  it('a handover SMS the provider refuses after a while counts while it is on its way, then only the e-mail that took the notice does', async () => {
    const slow = fake.hold((r) => r.resource === 'Messages' && r.form.To === LIN);
    fake.failNext(1, { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }, 'Messages');
    const telling = handover();
    await slow.arrived;
    expect(await throttleHistory('lin_wei', NOTICE)).toEqual([`sms@${NOTICE}`]);
    slow.release();
    expect(await telling).toBeGreaterThanOrEqual(2);
    await sink.waitFor(1);
    expect(await throttleHistory('lin_wei', NOTICE)).toEqual([`email@${NOTICE}`]);
    expect(await throttleHistory('ana_costa', NOTICE)).toEqual([`sms@${NOTICE}`]);
  });

  it('a handover SMS counts toward the daily cap, and is never dropped at it', async () => {
    // a daily cap of 2 messages a person
    await app.stop();
    const shipped = loadConfig('config');
    const config = { ...shipped, daemon: { ...shipped.daemon, throttle: { ...shipped.daemon.throttle, dailyCap: 2 } } } as Config;
    app = await startTestApp({ clock: new ManualClock(T0), config, env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, smtp: sink }) });
    const page = async (id: string) => ((await app.request('GET', `/api/incidents/${id}`)).body.notifications as any[]).find((n) => n.person === 'ana_costa' && n.phase === 'page');
    const hallTooWarm = async (site: string) => {
      const r = await app.request('POST', '/api/incidents', { class: 'hvac', site, summary: `hall too warm at ${site}` });
      expect(r.status).toBe(201);
      await app.container.engine.idle();
      return r.body.id as string;
    };
    // 07:40: a page reaches the night lead; 07:46: her handover notice is her second message today
    app.clock.set(NOTICE - 6 * 60_000);
    expect(await page(await hallTooWarm('hq'))).toMatchObject({ status: 'sent' });
    expect(await handover()).toBeGreaterThanOrEqual(2);
    expect(to(fake.messages(), ANA)).toEqual([expect.stringContaining('hall too warm'), 'HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 08:00.']);

    // 07:50: her next page is over the cap: a seat at the annex, of which IT operations (paged with her,
    // under the cap) hear; hers is cancelled at the next look
    app.clock.set(NOTICE + 4 * 60_000);
    const seat = await app.request('POST', '/api/incidents', { class: 'seat_equipment', site: 'annex', summary: 'seat A12 headset dead' });
    expect(seat.status).toBe(201);
    await app.container.engine.idle();
    await app.container.engine.tick(app.clock.now());
    expect(await page(seat.body.id)).toMatchObject({ status: 'cancelled', reason: 'throttled', limit: 'daily_cap' });
    expect(to(fake.messages(), ANA)).toHaveLength(2);

    // 07:52: the day lead takes over at once (until her shift starts); the night lead is told though she is over the cap
    app.clock.set(NOTICE + 6 * 60_000);
    const o = await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'lin_wei', until: new Date(NOTICE + 14 * 60_000).toISOString() });
    expect(o.status).toBe(201);
    await app.container.handover.idle();
    expect(to(fake.messages(), ANA)).toHaveLength(3);
    expect(to(fake.messages(), ANA)[2]).toBe('HANDOVER: Duty team lead passes from you to Lin Wei at Tue 24 Nov, 07:52.');
  });

  it('an SMS the provider refuses falls over to e-mail, in the person\'s language', async () => {
    await openAcdOutage();
    fake.reset();
    fake.failNext(1, { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }); // Lin Wei's SMS, the first notice
    await handover();
    const [mail] = await sink.waitFor(1);
    expect(mail?.envelope.to).toEqual(['lin.wei@example.com']);
    expect(mail?.mail.subject).toBe('[交接] 值班组长：11月24日周二 08:00');
    expect(mail?.mail.text?.trim()).toBe('交接：您自11月24日周二 08:00起担任值班组长，接替Ana Costa。仍未结束：应用/网络/ACD故障 (hq)。');
    expect(mail?.mail.headers.get('x-tocsin-notice')).toBe('handover:shift_lead:2026-11-24T00:00:00.000Z:lin_wei');
    expect(to(fake.messages(), ANA)).toHaveLength(1);
    expect(await metric('tocsin_handover_notices_total{channel="sms",result="failed"}')).toEqual([expect.stringMatching(/ 1$/)]);
    expect(await metric('tocsin_handover_notices_total{channel="email",result="sent"}')).toEqual([expect.stringMatching(/ 1$/)]);
    // the notice counts on the channel that took it only: a page by SMS after it keeps no SMS gap for it
    expect(await throttleHistory('lin_wei', NOTICE)).toEqual([`email@${NOTICE}`]);
  });
});
