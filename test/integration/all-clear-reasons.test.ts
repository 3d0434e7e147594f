/**
 * An all-clear that time gave says why in the words a person receives: a business-hours heartbeat's
 * silence ended at closing ("Resolved: business hours ended."), an ACD agents collapse ended at
 * closing ("Closed: the queue closed for the day."). The whole daemon with the real twilio SDK pointed
 * at a Twilio-compatible server on loopback, a real SMTP server, real Redis and a manual clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { SmtpSink } from '../support/smtp-sink.js';

const SID = `AC${'5'.repeat(32)}`;
const TOKEN = 'all_clear_reason_token';
const SH = (hhmm: string) => Date.parse(`2026-12-05T${hhmm}:00+08:00`);

let fake: FakeTwilio;
let sink: SmtpSink;
let app: TestApp;

beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  sink = await new SmtpSink().start();
  app = await startTestApp({ clock: new ManualClock(SH('18:00')), env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: '+15005550001', smtp: sink }) });
});

afterEach(async () => {
  await app.stop();
  await fake.stop();
  await sink.stop();
});

async function at(hhmm: string): Promise<void> {
  app.clock.set(SH(hhmm));
  await app.container.engine.tick(SH(hhmm));
  await app.container.engine.idle();
}

/** Every text sent since `from` (SMS bodies, the calls' TwiML, the mails' text), one string each. */
async function sentSince(from: { twilio: number; mail: number }, mails: number): Promise<string[]> {
  if (mails > 0) await sink.waitFor(from.mail + mails);
  return [
    ...fake.requests.slice(from.twilio).map((r) => String(r.form.Body ?? r.form.Twiml ?? '')),
    ...sink.received.slice(from.mail).map((m) => `${m.mail.subject ?? ''}\n${m.mail.text ?? ''}`),
  ];
}
const mark = () => ({ twilio: fake.requests.length, mail: sink.received.length });
/** The reason's words, in English or Chinese (whichever the person reads). */
const HOURS_ENDED = /Resolved: business hours ended\.|已解除：营业时间已结束。/;
const CLOSED = /Closed: the queue closed for the day\.|已关闭：队列已下班。/;
const allClears = async (id: string) => ((await app.request('GET', `/api/incidents/${id}`)).body.notifications as any[]).filter((n) => n.phase === 'all_clear');

describe('an all-clear says why when time ended the incident', () => {
  it("a feed-silent incident ended at closing: every all-clear says business hours ended; the feed's return says no such thing", async () => {
    const report = () => app.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics: { calls_waiting: 1 } });
    expect((await report()).status).toBe(200);
    app.clock.set(SH('18:30'));
    expect(await app.container.heartbeats.check()).toEqual(['heartbeat:acd:hq/main']);
    await at('18:30');
    const [first] = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];

    // the feed reports again: its all-clear gives no closing reason
    app.clock.set(SH('18:40'));
    expect((await report()).status).toBe(200);
    let from = mark();
    await at('18:40');
    const back = await allClears(first.id);
    expect(back.length).toBeGreaterThan(0);
    let texts = await sentSince(from, back.filter((n) => n.channel === 'email').length);
    expect(texts).toHaveLength(back.length);
    for (const t of texts) expect(t).not.toMatch(HOURS_ENDED);

    // silent again, and still silent at closing: the all-clear says why, on every channel
    app.clock.set(SH('19:10'));
    expect(await app.container.heartbeats.check()).toEqual(['heartbeat:acd:hq/main']);
    await at('19:10');
    const [second] = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    expect(second.id).not.toBe(first.id);
    app.clock.set(SH('20:00'));
    expect(await app.container.heartbeats.check()).toEqual([]);
    from = mark();
    await at('20:00');
    const clears = await allClears(second.id);
    expect(clears.length).toBeGreaterThan(0);
    texts = await sentSince(from, clears.filter((n) => n.channel === 'email').length);
    expect(texts).toHaveLength(clears.length);
    for (const t of texts) expect(t).toMatch(HOURS_ENDED);
  });

  it('an agents collapse ended at closing: every all-clear says the queue closed', async () => {
    app.clock.set(SH('19:30'));
    const res = await app.request('POST', '/webhooks/acd', { site: 'cl', queue: 'main', metrics: { agents_logged_in: 1 } });
    expect(res.body.results[0]).toMatchObject({ member: 'acd:cl:main:agents', result: 'opened' });
    const id = res.body.results[0].incident as string;
    for (const t of ['19:30', '19:35', '19:40']) await at(t);
    const from = mark();
    await at('20:00');
    const clears = await allClears(id);
    expect(clears.length).toBeGreaterThan(0);
    const texts = await sentSince(from, clears.filter((n) => n.channel === 'email').length);
    expect(texts.length).toBe(clears.length);
    for (const t of texts) expect(t).toMatch(CLOSED);
  });
});
