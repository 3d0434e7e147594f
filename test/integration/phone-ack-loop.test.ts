/**
 * Pages leave the building and come back: the whole daemon with the real twilio SDK pointed at a
 * Twilio-compatible server on loopback, a real SMTP server, real Redis and a manual clock.
 * app_network_acd opens → the shift lead gets an SMS, IT ops a call → a reply, a key press or an
 * e-mail link acknowledges → at T+5m the supervisor is not paged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio, type RecordedRequest } from '../support/fake-twilio.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { pathOf, twilioPoster, type TwilioPoster } from '../support/twilio-callbacks.js';
import { channelEnv } from '../support/channel-env.js';

const SID = `AC${'7'.repeat(32)}`;
const TOKEN = 'phone_loop_auth_token';
const FROM = '+15005550001';
const PUBLIC = 'https://tocsin.example.test';
const MIN = 60_000;
// 02:00 in Shanghai: the night shift lead is Ana Costa, IT ops Omar Haddad, the supervisor Grace Okafor.
const T0 = Date.parse('2026-11-23T18:00:00Z');
const ANA = '+15555550102';
const OMAR = '+15555550103';
const GRACE = '+15555550105';

let fake: FakeTwilio;
let sink: SmtpSink;
let app: TestApp;
let twilio: TwilioPoster;

beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  sink = await new SmtpSink().start();
  app = await startTestApp({
    clock: new ManualClock(T0),
    env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, smtp: sink, publicUrl: PUBLIC }),
  });
  twilio = twilioPoster(app.baseUrl, PUBLIC, TOKEN);
});

afterEach(async () => {
  await app.stop();
  await fake.stop();
  await sink.stop();
});

async function open(body: Record<string, unknown> = {}): Promise<string> {
  const r = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down: agents cannot log in', ...body });
  expect(r.status).toBe(201);
  await app.container.engine.idle();
  return r.body.id as string;
}

async function incident(id: string): Promise<any> {
  const r = await app.request('GET', `/api/incidents/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function at(ms: number): Promise<void> {
  app.clock.set(T0 + ms);
  await app.container.engine.tick(T0 + ms);
  await app.container.engine.idle();
}

function to(list: RecordedRequest[], phone: string): RecordedRequest[] {
  return list.filter((r) => r.form.To === phone);
}

function one(list: RecordedRequest[]): RecordedRequest {
  expect(list).toHaveLength(1);
  return list[0] as RecordedRequest;
}

/** The reply code at the end of a paging SMS. */
function codeOf(sms: RecordedRequest): string {
  const m = /Reply ([0-9A-Z]{4,5})a to acknowledge, \1c to resolve$/.exec(String(sms.form.Body));
  expect(m, String(sms.form.Body)).not.toBeNull();
  return m?.[1] ?? '';
}

/** The `<Gather action>` of a paging call (TwiML escapes & as &amp;). */
function gatherPath(call: RecordedRequest): string {
  const m = /<Gather [^>]*action="([^"]+)"/.exec(String(call.form.Twiml));
  expect(m).not.toBeNull();
  return pathOf((m?.[1] ?? '').replace(/&amp;/g, '&'));
}

function inboundSms(from: string, body: string): Record<string, string> {
  return { AccountSid: SID, ApiVersion: '2010-04-01', Body: body, From: from, To: FROM, MessageSid: `SM${'a'.repeat(32)}`, SmsSid: `SM${'a'.repeat(32)}`, NumMedia: '0', NumSegments: '1', SmsStatus: 'received' };
}

function voiceParams(call: RecordedRequest, extra: Record<string, string>): Record<string, string> {
  return { AccountSid: SID, ApiVersion: '2010-04-01', CallSid: `CA${'b'.repeat(32)}`, From: FROM, To: String(call.form.To), Direction: 'outbound-api', ...extra };
}

function tier1Pages(inc: any): any[] {
  return inc.notifications.filter((n: any) => n.tier === 1);
}

/** The link's path with one character of its signature changed for another. */
const tamper = (path: string): string => {
  const i = path.length - 5;
  return path.slice(0, i) + (path.charAt(i) === 'A' ? 'B' : 'A') + path.slice(i + 1);
};

describe('the page goes out', () => {
  it('app_network_acd: the shift lead gets an SMS with a reply code, IT ops a call with the key menu', async () => {
    const id = await open();
    const sms = one(to(fake.messages(), ANA));
    expect(sms.auth).toEqual({ username: SID, password: TOKEN });
    expect(sms.form.From).toBe(FROM);
    expect(String(sms.form.Body)).toMatch(/ACD down: agents cannot log in/);
    const code = codeOf(sms);
    expect(String(sms.form.StatusCallback)).toMatch(new RegExp(`^${PUBLIC}/twilio/sms/status\\?n=${id}`));

    const call = one(to(fake.calls(), OMAR));
    expect(call.form.From).toBe(FROM);
    expect(call.form.MachineDetection).toBe('Enable');
    expect(call.form.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(String(call.form.StatusCallback)).toMatch(new RegExp(`^${PUBLIC}/twilio/voice/status\\?n=${id}`));
    expect(String(call.form.Twiml)).toContain('Press 4 to acknowledge, 6 to resolve, 5 to escalate now, or star to repeat.');
    expect(gatherPath(call)).toMatch(new RegExp(`^/twilio/voice/gather\\?n=${id}`));

    const inc = await incident(id);
    const bySms = inc.notifications.find((n: any) => n.person === 'ana_costa');
    expect(bySms).toMatchObject({ channel: 'sms', status: 'sent', code });
    expect(inc.notifications.find((n: any) => n.person === 'omar_haddad')).toMatchObject({ channel: 'voice', status: 'sent' });
  });
});

describe('acknowledging from a phone stops the climb', () => {
  it('an SMS reply "<code>A" (case and space tolerant) acknowledges; at T+5m the supervisor is not paged', async () => {
    const id = await open();
    const code = codeOf(one(to(fake.messages(), ANA)));
    const r = await twilio.post('/twilio/sms', inboundSms(ANA, ` ${code.toLowerCase()}A `));
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/text\/xml/);
    expect(r.text).toContain(`<Message>Acknowledged ${code}: Application, network or ACD outage at hq. Thank you.</Message>`);
    await app.container.engine.idle();

    let inc = await incident(id);
    expect(inc.state).toBe('acknowledged');
    expect(inc.acknowledgedBy).toBe('ana_costa');
    expect(inc.timeline.find((e: any) => e.type === 'acknowledged')).toMatchObject({ by: 'ana_costa', via: 'sms' });
    expect(inc.notifications.find((n: any) => n.person === 'ana_costa').status).toBe('acknowledged');

    await at(5 * MIN);
    inc = await incident(id);
    expect(tier1Pages(inc)).toEqual([]);
    expect(to(fake.calls(), GRACE)).toEqual([]);
    expect(inc.tier).toBe(0);
  });

  it('"ack <code>" works too, and a second reply answers politely without changing anything', async () => {
    const id = await open();
    const code = codeOf(one(to(fake.messages(), ANA)));
    expect((await twilio.post('/twilio/sms', inboundSms(ANA, `ACK ${code}`))).text).toContain(`Acknowledged ${code}`);
    expect((await twilio.post('/twilio/sms', inboundSms(ANA, `${code} a`))).text).toContain(`Acknowledged ${code}`);
    await app.container.engine.idle();
    const inc = await incident(id);
    expect(inc.timeline.filter((e: any) => e.type === 'acknowledged')).toHaveLength(1);
  });

  it('key 4 on the paging call acknowledges; at T+5m the supervisor is not paged', async () => {
    const id = await open();
    const call = one(to(fake.calls(), OMAR));
    const r = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '4', FinishedOnKey: '', msg: 'Gather End' }));
    expect(r.status).toBe(200);
    expect(r.text).toContain('<Say voice="alice" language="en-US">Acknowledged. Thank you.</Say><Hangup/></Response>');
    await app.container.engine.idle();

    // the call's last status arrives after the key press: it does not undo the acknowledgement
    const status = `/twilio/voice/status?n=${encodeURIComponent(new URL(PUBLIC + gatherPath(call)).searchParams.get('n') ?? '')}`;
    expect((await twilio.post(status, voiceParams(call, { CallStatus: 'completed', AnsweredBy: 'human', SequenceNumber: '3', CallDuration: '21' }))).status).toBe(204);

    let inc = await incident(id);
    expect(inc.state).toBe('acknowledged');
    expect(inc.timeline.find((e: any) => e.type === 'acknowledged')).toMatchObject({ by: 'omar_haddad', via: 'voice' });
    expect(inc.notifications.find((n: any) => n.person === 'omar_haddad').status).toBe('acknowledged');

    await at(5 * MIN);
    inc = await incident(id);
    expect(tier1Pages(inc)).toEqual([]);
    expect(to(fake.calls(), GRACE)).toEqual([]);
  });

  it('an answered call without a key press is not an acknowledgement: the supervisor is paged at T+5m', async () => {
    const id = await open();
    const call = one(to(fake.calls(), OMAR));
    const n = new URL(PUBLIC + gatherPath(call)).searchParams.get('n') ?? '';
    const status = `/twilio/voice/status?n=${encodeURIComponent(n)}`;
    for (const [seq, s] of [['0', 'initiated'], ['1', 'ringing'], ['2', 'in-progress'], ['3', 'completed']] as const) {
      expect((await twilio.post(status, voiceParams(call, { CallStatus: s, AnsweredBy: 'human', SequenceNumber: seq }))).status).toBe(204);
    }
    await app.container.engine.idle();
    let inc = await incident(id);
    expect(inc.state).toBe('open');
    expect(inc.notifications.find((x: any) => x.id === n).status).toBe('delivered');
    expect(to(fake.calls(), OMAR)).toHaveLength(1); // answered: not called again

    await at(5 * MIN);
    inc = await incident(id);
    expect(tier1Pages(inc).map((p: any) => `${p.person}/${p.channel}`)).toEqual(['grace_okafor/voice']);
    expect(to(fake.calls(), GRACE)).toHaveLength(1);
  });

  it('the e-mail link: GET shows the incident and a button and changes nothing; POST acknowledges', async () => {
    // level 4: e-mail goes out in parallel with the phone pages
    const id = await open({ level: 4 });
    const mails = await sink.waitFor(2);
    const mail = mails.find((m) => m.envelope.to.includes('ana.costa@example.com'));
    expect(mail).toBeDefined();
    const text = String(mail?.mail.text);
    const link = new RegExp(`${PUBLIC}/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`).exec(text)?.[0];
    expect(link, text).toBeDefined();
    expect(text).toMatch(new RegExp(`${PUBLIC}/resolve/`));
    const path = pathOf(link ?? '');

    const shown = await fetch(app.baseUrl + path);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('<form method="post"><button type="submit">Acknowledge as Ana Costa</button></form>');
    expect(html).toContain('ACD down: agents cannot log in');
    expect((await incident(id)).state).toBe('open');

    const done = await fetch(app.baseUrl + path, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Acknowledged. The escalation has stopped');
    await app.container.engine.idle();
    let inc = await incident(id);
    expect(inc.state).toBe('acknowledged');
    expect(inc.timeline.find((e: any) => e.type === 'acknowledged')).toMatchObject({ by: 'ana_costa', via: 'email' });

    await at(5 * MIN);
    inc = await incident(id);
    expect(tier1Pages(inc)).toEqual([]);
    expect(to(fake.calls(), GRACE)).toEqual([]);
  });

  it('the e-mail link page speaks the language of the person the mail went to (zh-CN), a bad link the browser\'s', async () => {
    // 10:00 in Shanghai: the day shift lead is Lin Wei, whose locale is zh-CN
    app.clock.set(Date.parse('2026-11-24T02:00:00Z'));
    const id = await open({ level: 4 });
    const mails = await sink.waitFor(2);
    const mail = mails.find((m) => m.envelope.to.includes('lin.wei@example.com'));
    expect(mail).toBeDefined();
    const link = new RegExp(`${PUBLIC}/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`).exec(String(mail?.mail.text))?.[0] ?? '';
    expect(link).not.toBe('');
    const path = pathOf(link);

    const shown = await (await fetch(app.baseUrl + path, { headers: { 'accept-language': 'en-US' } })).text();
    expect(shown).toContain('<html lang="zh-CN">');
    expect(shown).toContain('<title>确认事件</title>');
    expect(shown).toContain('<tr><th>类别</th><td>应用/网络/ACD故障</td></tr>');
    expect(shown).toContain('<tr><th>状态</th><td>未确认</td></tr>');
    expect(shown).toContain('<tr><th>发生时间</th><td>2026-11-24 10:00（Asia/Shanghai）</td></tr>');
    expect(shown).toContain('<form method="post"><button type="submit">以Lin Wei身份确认</button></form>');
    expect(shown).not.toMatch(/Acknowledge|Incident/);

    const done = await (await fetch(app.baseUrl + path, { method: 'POST' })).text();
    expect(done).toContain('<h1>事件已确认</h1>');
    expect(done).toContain('<p>已确认。升级已停止，处理经过已记录您的确认。</p>');
    expect(done).toContain('<tr><th>确认人</th><td>Lin Wei</td></tr>');
    expect((await fetch(app.baseUrl + path)).ok).toBe(true);
    expect(await (await fetch(app.baseUrl + path)).text()).toContain('<p>该事件已经确认。</p>');
    expect((await incident(id)).acknowledgedBy).toBe('lin_wei');

    // a link not valid names nobody: the browser's language, else the default
    const bad = await fetch(`${app.baseUrl}${tamper(path)}`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(bad.status).toBe(404);
    expect(await bad.text()).toContain('<p>此链接无效或已过期。请通过API处理，或回复最新的通知。</p>');
    expect(await (await fetch(`${app.baseUrl}${tamper(path)}`)).text()).toContain('<html lang="en">');
  });

  it('an expired e-mail link says so in the language of the person the mail went to (zh-CN), not the browser\'s', async () => {
    const sent = Date.parse('2026-11-24T02:00:00Z'); // 10:00 in Shanghai: Lin Wei (zh-CN) leads the day shift
    app.clock.set(sent);
    await open({ level: 4 });
    const mail = (await sink.waitFor(2)).find((m) => m.envelope.to.includes('lin.wei@example.com'));
    const link = new RegExp(`${PUBLIC}/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`).exec(String(mail?.mail.text))?.[0] ?? '';
    expect(link).not.toBe('');
    const path = pathOf(link);

    app.clock.set(sent + app.container.config.daemon.escalation.linkTtl + MIN);
    for (const method of ['GET', 'POST']) {
      const r = await fetch(app.baseUrl + path, { method, headers: { 'accept-language': 'en-US,en;q=0.9' } });
      expect(r.status).toBe(404);
      const html = await r.text();
      expect(html).toContain('<html lang="zh-CN">');
      expect(html).toContain('<p>此链接无效或已过期。请通过API处理，或回复最新的通知。</p>');
    }
    // the same link on the other action is not valid either, and still names its reader's language
    expect(await (await fetch(app.baseUrl + path.replace('/ack/', '/resolve/'), { headers: { 'accept-language': 'en' } })).text()).toContain('<html lang="zh-CN">');
    // a person with no language of their own got the mail in the default one (en): so does the page
    const other = (await sink.waitFor(2)).find((m) => !m.envelope.to.includes('lin.wei@example.com'));
    const otherLink = new RegExp(`${PUBLIC}/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`).exec(String(other?.mail.text))?.[0] ?? '';
    expect(otherLink).not.toBe('');
    const r = await fetch(app.baseUrl + pathOf(otherLink), { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('<html lang="en">');
  });

  it('a forged or tampered link gets "not valid" and changes nothing', async () => {
    const id = await open({ level: 4 });
    const mails = await sink.waitFor(2);
    const link = new RegExp(`${PUBLIC}/ack/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`).exec(String(mails[0]?.mail.text))?.[0] ?? '';
    const tampered = tamper(pathOf(link));
    const r = await fetch(app.baseUrl + tampered, { method: 'POST' });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('not valid or has expired');
    // a resolve link does not acknowledge, nor an ack token on /resolve
    expect((await fetch(app.baseUrl + pathOf(link).replace('/ack/', '/resolve/'), { method: 'POST' })).status).toBe(404);
    expect((await incident(id)).state).toBe('open');
  });
});

describe('a drill', () => {
  it('every answer on the phone says DRILL, as the page did: key 4, * and the SMS reply', async () => {
    const id = await open({ drill: true });
    expect(id.startsWith('drill-')).toBe(true);
    const sms = one(to(fake.messages(), ANA));
    expect(String(sms.form.Body).startsWith('[DRILL] ')).toBe(true);
    const call = one(to(fake.calls(), OMAR));
    expect(String(call.form.Twiml)).toContain('>This is a drill. ALERT.');

    const again = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '*' }));
    expect(again.text.match(/This is a drill\./g)).toHaveLength(1);
    const key = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '4' }));
    expect(key.text).toContain('<Say voice="alice" language="en-US">This is a drill. Acknowledged. Thank you.</Say><Hangup/></Response>');
    const reply = await twilio.post('/twilio/sms', inboundSms(ANA, `${codeOf(sms)}c`));
    expect(reply.text).toContain(`<Message>[DRILL] Resolved ${codeOf(sms)}: Application, network or ACD outage at hq. Thank you.</Message>`);
    await app.container.engine.idle();
    expect((await incident(id)).state).toBe('resolved');
    const late = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '6' }));
    expect(late.text).toContain('>This is a drill. This incident is already resolved. Goodbye.</Say>');
  });
});

describe('escalate now, repeat, unknown answers', () => {
  it('key 5 pages the next tier at once and says so on the timeline', async () => {
    const id = await open();
    const call = one(to(fake.calls(), OMAR));
    const r = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '5' }));
    expect(r.text).toContain('Escalating now. Goodbye.');
    await app.container.engine.idle();
    const inc = await incident(id);
    expect(tier1Pages(inc).map((p: any) => `${p.role}/${p.person}/${p.channel}`)).toEqual(['supervisor/grace_okafor/voice']);
    expect(to(fake.calls(), GRACE)).toHaveLength(1);
    expect(inc.state).toBe('open');
    expect(inc.tier).toBe(1);
    expect(inc.timeline.find((e: any) => e.type === 'escalation_requested')).toMatchObject({ by: 'omar_haddad', via: 'voice', tier: 1 });
  });

  it('key 5 with no tier left to page says so, and does not say it is escalating', async () => {
    // seat equipment: one tier, IT operations by call; nothing above it
    const id = await open({ class: 'seat_equipment', summary: 'seat A12 headset dead' });
    const call = one(to(fake.calls(), OMAR));
    const r = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '5' }));
    expect(r.text).toContain('>There is no further tier to page; the incident stays with you. Goodbye.</Say>');
    expect(r.text).not.toContain('Escalating now');
    await app.container.engine.idle();
    const inc = await incident(id);
    expect(inc.timeline.find((e: any) => e.type === 'escalation_requested')).toMatchObject({ by: 'omar_haddad', via: 'voice', result: 'no further tier' });
    expect(inc.notifications.filter((n: any) => n.tier > 0)).toEqual([]);
    expect(inc.state).toBe('open');
  });

  it('key * repeats the page and the menu; another key says it is not on the menu', async () => {
    await open();
    const call = one(to(fake.calls(), OMAR));
    const again = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '*' }));
    expect(again.text).toContain('ACD down: agents cannot log in');
    expect(again.text).toContain('Press 4 to acknowledge');
    expect(again.text).toMatch(/<Gather [^>]*numDigits="1"/);
    const wrong = await twilio.post(gatherPath(call), voiceParams(call, { CallStatus: 'in-progress', Digits: '9' }));
    expect(wrong.text).toContain('Sorry, that key is not on the menu.');
  });

  it('an unknown code and an unreadable reply get a clear answer and change nothing', async () => {
    const id = await open();
    const unknown = await twilio.post('/twilio/sms', inboundSms(ANA, 'ZZZZa'));
    expect(unknown.status).toBe(200);
    expect(unknown.text).toContain('<Message>Code ZZZZ is unknown or no longer active.</Message>');
    const gibberish = await twilio.post('/twilio/sms', inboundSms(ANA, 'on my way'));
    expect(gibberish.text).toContain('Not understood. Reply with the code from the page');
    // a valid code from a number that is not on the roster is not trusted
    const code = codeOf(one(to(fake.messages(), ANA)));
    const stranger = await twilio.post('/twilio/sms', inboundSms('+15555559999', `${code}a`));
    expect(stranger.text).toContain(`Code ${code} is unknown or no longer active.`);
    expect((await incident(id)).state).toBe('open');
  });

  it('a wrong or missing signature is 403 and changes nothing', async () => {
    const id = await open();
    const code = codeOf(one(to(fake.messages(), ANA)));
    const params = inboundSms(ANA, `${code}a`);
    const wrong = await twilio.post('/twilio/sms', params, { signature: 'bm90IHRoZSBzaWduYXR1cmU=' });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text).error.code).toBe('TOCSIN_ERR_AUTH_SIGNATURE');
    expect((await twilio.post('/twilio/sms', params, { signature: null })).status).toBe(403);
    // signed for another body
    const { getExpectedTwilioSignature } = (await import('twilio')).default;
    const other = getExpectedTwilioSignature(TOKEN, `${PUBLIC}/twilio/sms`, { ...params, Body: 'hello' });
    expect((await twilio.post('/twilio/sms', params, { signature: other })).status).toBe(403);
    const call = one(to(fake.calls(), OMAR));
    expect((await twilio.post(gatherPath(call), voiceParams(call, { Digits: '4' }), { signature: other })).status).toBe(403);
    await app.container.engine.idle();
    const inc = await incident(id);
    expect(inc.state).toBe('open');
    expect(inc.notifications.every((n: any) => n.status === 'sent')).toBe(true);
  });
});

describe('delivery callbacks', () => {
  it('delivered lands on the SMS notification; a late "sent" does not undo it', async () => {
    const id = await open();
    const sms = one(to(fake.messages(), ANA));
    const status = pathOf(String(sms.form.StatusCallback));
    const base = { AccountSid: SID, ApiVersion: '2010-04-01', MessageSid: `SM${'c'.repeat(32)}`, From: FROM, To: ANA };
    expect((await twilio.post(status, { ...base, MessageStatus: 'delivered', SmsStatus: 'delivered' })).status).toBe(204);
    expect((await twilio.post(status, { ...base, MessageStatus: 'sent', SmsStatus: 'sent' })).status).toBe(204);
    const inc = await incident(id);
    expect(inc.notifications.find((n: any) => n.person === 'ana_costa').status).toBe('delivered');
    expect(inc.timeline.find((e: any) => e.type === 'delivered')).toMatchObject({ person: 'ana_costa', channel: 'sms', providerStatus: 'delivered' });
    expect(String((await app.request('GET', '/metrics')).body)).toContain('tocsin_notifications_total{channel="sms",result="delivered"} 1\n');
  });

  it('an undelivered SMS is failed on the record and the shift lead is called instead', async () => {
    const id = await open();
    const sms = one(to(fake.messages(), ANA));
    const status = pathOf(String(sms.form.StatusCallback));
    const r = await twilio.post(status, { AccountSid: SID, ApiVersion: '2010-04-01', MessageSid: `SM${'d'.repeat(32)}`, From: FROM, To: ANA, MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30003' });
    expect(r.status).toBe(204);
    await app.container.engine.idle();
    const inc = await incident(id);
    const ana = inc.notifications.filter((n: any) => n.person === 'ana_costa');
    expect(ana.map((n: any) => `${n.channel}:${n.status}`).sort()).toEqual(['sms:failed', 'voice:sent']);
    expect(inc.timeline.find((e: any) => e.type === 'delivery_failed')).toMatchObject({ person: 'ana_costa', channel: 'sms', providerCode: '30003' });
    expect(to(fake.calls(), ANA)).toHaveLength(1);
  });

  it('an unanswered call is called again on the configured cadence, voicemail counts as unanswered, then SMS', async () => {
    const id = await open();
    const calls = () => to(fake.calls(), OMAR);
    const statusOf = (c: RecordedRequest) => pathOf(String(c.form.StatusCallback));
    const first = one(calls());
    await twilio.post(statusOf(first), voiceParams(first, { CallStatus: 'no-answer', SequenceNumber: '2' }));
    await app.container.engine.idle();
    expect(calls()).toHaveLength(1); // not at once: `every` later

    await at(1 * MIN);
    expect(calls()).toHaveLength(2);
    const second = calls()[1] as RecordedRequest;
    expect(statusOf(second)).toMatch(/voice%3A2$/);
    await twilio.post(statusOf(second), voiceParams(second, { CallStatus: 'completed', AnsweredBy: 'machine_start', SequenceNumber: '3' }));
    await app.container.engine.idle();

    await at(2 * MIN);
    expect(calls()).toHaveLength(3);
    const third = calls()[2] as RecordedRequest;
    await twilio.post(statusOf(third), voiceParams(third, { CallStatus: 'busy', SequenceNumber: '2' }));
    await app.container.engine.idle();

    // three calls nobody answered: the next channel
    const sms = one(to(fake.messages(), OMAR));
    expect(String(sms.form.Body)).toMatch(/Reply [0-9A-Z]{4,5}a to acknowledge/);
    const inc = await incident(id);
    const omar = inc.notifications.filter((n: any) => n.person === 'omar_haddad').map((n: any) => `${n.channel}:${n.attempt}:${n.status}`);
    expect(omar.sort()).toEqual(['sms:1:sent', 'voice:1:failed', 'voice:2:failed', 'voice:3:failed']);
    expect(inc.timeline.filter((e: any) => e.type === 'page_retry').map((e: any) => e.reason)).toEqual(['no_answer', 'voicemail']);
    expect(inc.timeline.find((e: any) => e.type === 'page_failover')).toMatchObject({ person: 'omar_haddad', from: 'voice', to: 'sms', reason: 'busy' });

    await at(4 * MIN);
    expect(calls()).toHaveLength(3);
    // on /metrics: the three calls undelivered, each once, and the two placed again retried
    const text = String((await app.request('GET', '/metrics')).body);
    expect(text).toContain('tocsin_notifications_total{channel="voice",result="undelivered"} 3\n');
    expect(text).toContain('tocsin_notifications_total{channel="voice",result="retried"} 2\n');
  });

  it('a call that failed for good (invalid number) is not placed again: the next channel at once', async () => {
    const id = await open();
    const first = one(to(fake.calls(), OMAR));
    await twilio.post(pathOf(String(first.form.StatusCallback)), voiceParams(first, { CallStatus: 'failed', ErrorCode: '21217' }));
    await app.container.engine.idle();
    expect(to(fake.messages(), OMAR)).toHaveLength(1);
    await at(3 * MIN);
    expect(to(fake.calls(), OMAR)).toHaveLength(1);
    const failed = (await incident(id)).timeline.find((e: any) => e.type === 'delivery_failed');
    expect(failed).toMatchObject({ person: 'omar_haddad', channel: 'voice', outcome: 'failed', providerCode: '21217' });
  });

  it('an acknowledged incident stops the call retries', async () => {
    const id = await open();
    const first = one(to(fake.calls(), OMAR));
    await twilio.post(pathOf(String(first.form.StatusCallback)), voiceParams(first, { CallStatus: 'no-answer' }));
    const code = codeOf(one(to(fake.messages(), ANA)));
    await twilio.post('/twilio/sms', inboundSms(ANA, `${code}a`));
    await app.container.engine.idle();
    await at(2 * MIN);
    expect(to(fake.calls(), OMAR)).toHaveLength(1);
    expect(to(fake.messages(), OMAR)).toHaveLength(0);
    expect((await incident(id)).state).toBe('acknowledged');
  });
});

describe('it is over', () => {
  it('"<code>c" resolves from the phone and everyone paged gets the all-clear', async () => {
    const id = await open();
    const code = codeOf(one(to(fake.messages(), ANA)));
    const r = await twilio.post('/twilio/sms', inboundSms(ANA, `${code}C`));
    expect(r.text).toContain(`Resolved ${code}`);
    await app.container.engine.idle();
    const inc = await incident(id);
    expect(inc.state).toBe('resolved');
    expect(inc.timeline.find((e: any) => e.type === 'resolved')).toMatchObject({ by: 'ana_costa', via: 'sms' });
    const clear = to(fake.messages(), ANA)[1];
    expect(String(clear?.form.Body)).toMatch(/^ALL CLEAR .*ACD down: agents cannot log in/);
    expect(String(clear?.form.Body)).not.toMatch(/Reply/);
    expect(to(fake.calls(), OMAR)).toHaveLength(2); // the all-clear call
    expect(String(to(fake.calls(), OMAR)[1]?.form.Twiml)).toContain('ALL CLEAR');
    // a code of a resolved incident gets a clear answer
    expect((await twilio.post('/twilio/sms', inboundSms(ANA, `${code}a`))).text).toContain(`${code}: Application, network or ACD outage at hq is already resolved.`);
  });
});
