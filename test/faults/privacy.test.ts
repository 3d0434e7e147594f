/**
 * No phone number or e-mail address in any log line or metric label, through a whole scenario:
 * SMS and calls through the real twilio SDK (one refused with the number in Twilio's error text),
 * e-mail through a real SMTP server (one refused), SMS replies (a stranger's and the lead's),
 * status callbacks carrying the number, acknowledgement, resolution and the all-clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio, type RecordedRequest } from '../support/fake-twilio.js';
import { captureLogger } from '../support/log-capture.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { pathOf, twilioPoster, type TwilioPoster } from '../support/twilio-callbacks.js';
import { channelEnv } from '../support/channel-env.js';

const SID = `AC${'5'.repeat(32)}`;
const TOKEN = 'privacy_auth_token';
const FROM = '+15005550006';
const PUBLIC = 'https://tocsin.example.test';
const MIN = 60_000;
// 02:00 in Shanghai: night shift (Ana Costa leads, Omar Haddad IT ops, Grace Okafor supervises)
const T0 = Date.parse('2026-11-23T18:00:00Z');
const ANA = '+15555550102';
const STRANGER = '+15555559999';

const PHONE = /(?<![A-Za-z0-9])\+?\d[\d\s().-]{6,}\d(?![A-Za-z0-9])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

let fake: FakeTwilio;
let sink: SmtpSink;
let app: TestApp;
let twilio: TwilioPoster;
const capture = captureLogger('debug');

beforeAll(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  sink = await new SmtpSink().start();
  app = await startTestApp({
    clock: new ManualClock(T0),
    logger: capture.logger,
    env: { ...channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, smtp: sink, publicUrl: PUBLIC }), LOG_LEVEL: 'debug' },
  });
  twilio = twilioPoster(app.baseUrl, PUBLIC, TOKEN);
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await sink?.stop();
});

async function at(ms: number): Promise<void> {
  app.clock.set(T0 + ms);
  await app.container.engine.tick(T0 + ms);
  await app.container.engine.idle();
}

const inbound = (from: string, body: string) => ({ AccountSid: SID, ApiVersion: '2010-04-01', Body: body, From: from, To: FROM, MessageSid: `SM${'c'.repeat(32)}`, SmsSid: `SM${'c'.repeat(32)}`, NumMedia: '0', NumSegments: '1', SmsStatus: 'received' });

/** Digits-only forms too: "+1 (555) 555-0102" and "15555550102" are the same number. */
function phonesIn(text: string): string[] {
  return (text.match(PHONE) ?? []).filter((m) => m.replace(/\D/g, '').length >= 7 && !/^\d{4}-\d{2}-\d{2}/.test(m));
}

describe('privacy', () => {
  it('a full scenario leaves no phone number or e-mail address in the logs or the metrics', async () => {
    const opened = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down: agents cannot log in' });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    await app.container.engine.idle();
    const sms = fake.messages().find((r: RecordedRequest) => r.form.To === ANA);
    expect(sms).toBeDefined();
    const code = /Reply ([0-9A-Z]{4,5})a to acknowledge/.exec(String(sms?.form.Body))?.[1] ?? '';
    expect(code).not.toBe('');

    // Twilio reports the SMS delivered (the callback carries the number)
    const status = await twilio.post(pathOf(String(sms?.form.StatusCallback)), { AccountSid: SID, MessageSid: `SM${'d'.repeat(32)}`, MessageStatus: 'delivered', To: ANA, From: FROM, ApiVersion: '2010-04-01' });
    expect(status.status).toBeLessThan(300);
    // a stranger replies with the lead's code: refused, and logged without the number
    const stranger = await twilio.post('/twilio/sms', inbound(STRANGER, `${code}a`));
    expect(stranger.status).toBe(200);

    // T+5m: the supervisor's call is refused by Twilio with the number in the error text → failover
    fake.failNext(1, { status: 400, code: 21211, message: "The 'To' number +15555550105 is not a valid phone number." });
    await at(5 * MIN);
    // T+10m managers by phone; T+1h (02:00 in Shanghai: an outage of an hour at night) the level climbs to 4 and
    // e-mail goes out, one refused by the server first
    await at(10 * MIN);
    sink.rejectNext(1, { code: 451, at: 'rcpt' });
    await at(60 * MIN);
    await at(61 * MIN);
    expect(sink.received.length).toBeGreaterThan(0);

    // the lead acknowledges by SMS, then the incident is resolved: the all-clear goes to everyone paged
    const ack = await twilio.post('/twilio/sms', inbound(ANA, `${code}a`));
    expect(ack.text).toContain(`Acknowledged ${code}`);
    expect((await app.request('POST', `/api/incidents/${id}/resolve`, { by: 'ops' })).status).toBe(200);
    await app.container.engine.idle();
    await at(32 * MIN);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect((inc.notifications as any[]).some((n) => n.status === 'failed')).toBe(true);
    expect((inc.notifications as any[]).some((n) => n.phase === 'all_clear')).toBe(true);

    // the scenario did reach the paths that handle numbers and addresses
    const lines = capture.lines.map((l) => JSON.stringify(l));
    expect(lines.length).toBeGreaterThan(20);
    const msgs = new Set(capture.lines.map((l) => String(l.msg)));
    expect(msgs.has('notification failed'), [...msgs].join(' | ')).toBe(true);

    const leaks = lines.filter((l) => phonesIn(l).length > 0 || EMAIL.test(l));
    expect(leaks, leaks.slice(0, 5).join('\n')).toEqual([]);

    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const labels = metrics
      .split('\n')
      .filter((l) => !l.startsWith('#') && l.includes('{'))
      .map((l) => l.slice(l.indexOf('{'), l.lastIndexOf('}') + 1));
    expect(labels.length).toBeGreaterThan(10);
    const labelLeaks = labels.filter((l) => phonesIn(l).length > 0 || EMAIL.test(l));
    expect(labelLeaks).toEqual([]);
  });
});
