/** The real twilio SDK, pointed by TWILIO_API_URL at a Twilio-compatible server on loopback. */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMessages, type MessagesConfig } from '../../src/config/messages-schema.js';
import { createTwilioClient, rewriteUri, type TwilioSettings } from '../../src/channels/twilio/client.js';
import { TwilioSmsChannel } from '../../src/channels/twilio/sms-channel.js';
import { TwilioVoiceChannel } from '../../src/channels/twilio/voice-channel.js';
import { createTwilioChannels } from '../../src/channels/twilio/twilio-channels.js';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load-config.js';
import { TocsinError } from '../../src/domain/errors.js';
import { buildChannels } from '../../src/wiring/channel-wiring.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { captureLogger } from '../support/log-capture.js';
import { makeIncident, makePage, makeRecipient } from '../support/page-fixture.js';

const SID = `AC${'1'.repeat(32)}`;
const TOKEN = 'test_auth_token_123';
const FROM = '+15005550001';
const PUBLIC = 'https://tocsin.example.test';

const fake = new FakeTwilio({ accountSid: SID, authToken: TOKEN });
let messages: MessagesConfig;
let settings: TwilioSettings;

beforeAll(async () => {
  await fake.start();
  messages = loadMessages(join(import.meta.dirname, '../../config'));
  settings = { accountSid: SID, authToken: TOKEN, from: FROM, apiUrl: fake.url };
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

function channels(timeoutMs = 5000) {
  const client = createTwilioClient(settings, { timeoutMs });
  const { logger, lines } = captureLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const deps = { client, from: FROM, publicUrl: PUBLIC, messages, logger, metrics };
  const calls = { ringTimeoutSeconds: 30, machineDetection: 'Enable', keyTimeoutSeconds: 8 } as const;
  return { sms: new TwilioSmsChannel(deps), voice: new TwilioVoiceChannel({ ...deps, settings: calls }), lines, metrics };
}

async function failure(p: Promise<unknown>): Promise<TocsinError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TocsinError);
  return e as TocsinError;
}

describe('TwilioSmsChannel', () => {
  it('sends the rendered SMS with a status callback for the notification', async () => {
    const { sms, lines } = channels();
    const page = makePage({ notificationId: 'inc1:0:omar_haddad:sms:1', incident: makeIncident({ class: 'hvac', summary: 'Hall B 31C' }) });
    const result = await sms.send(page);
    expect(result.status).toBe('sent');
    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);

    expect(fake.messages()).toHaveLength(1);
    const req = fake.messages()[0];
    expect(req?.method).toBe('POST');
    expect(req?.accountSid).toBe(SID);
    expect(req?.auth).toEqual({ username: SID, password: TOKEN });
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.form).toEqual({
      To: '+15555550103',
      From: FROM,
      Body: 'ALERT A/C failure @hq L3: Hall B 31C.\nReply 12a to acknowledge, 12c to resolve',
      StatusCallback: 'https://tocsin.example.test/twilio/sms/status?n=inc1%3A0%3Aomar_haddad%3Asms%3A1',
    });
    expect(lines.find((l) => l.msg === 'page sent')).toMatchObject({ channel: 'sms', providerId: result.providerId });
    expect(JSON.stringify(lines)).not.toContain('+15555550103');
  });

  it('sends Chinese text as is', async () => {
    const { sms } = channels();
    await sms.send(makePage({ recipient: makeRecipient({ locale: 'zh-CN' }), incident: makeIncident({ drill: true }) }));
    const body = fake.messages()[0]?.form.Body;
    expect(body).toBe('[DRILL 演练] 告警 hq电力故障（3级重大事件）：UPS ups1 on battery。\n回复12a确认，12c解决');
  });

  it.each([
    [21211, 'invalid number'],
    [21614, 'not a mobile number'],
    [21610, 'unsubscribed'],
    [21408, 'region not enabled'],
  ])('Twilio %i (%s) is a permanent failure with the provider code', async (code) => {
    const { sms, metrics } = channels();
    fake.failNext(1, { status: 400, code });
    const e = await failure(sms.send(makePage()));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(e.details).toMatchObject({ providerCode: code, httpStatus: 400 });
    expect((await metrics.registry.getSingleMetricAsString('tocsin_twilio_errors_total'))).toContain(`code="${code}"`);
  });

  it('wrong credentials (401 / 20003) are permanent: no retry will fix them', async () => {
    settings = { ...settings, authToken: 'wrong' };
    try {
      const e = await failure(channels().sms.send(makePage()));
      expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
      expect(e.details?.providerCode).toBe(20003);
    } finally {
      settings = { ...settings, authToken: TOKEN };
    }
  });

  it.each([
    [{ status: 429, code: 20429 }, 20429],
    [{ status: 500 }, 20500],
    [{ status: 503, code: 20503 }, 20503],
  ])('%j is temporary', async (f, providerCode) => {
    const { sms } = channels();
    fake.failNext(1, f);
    const e = await failure(sms.send(makePage()));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(e.retryable).toBe(true);
    expect(e.details?.providerCode).toBe(providerCode);
  });

  it('a dropped connection is temporary', async () => {
    const { sms } = channels();
    fake.failNext(1, { reset: true });
    const e = await failure(sms.send(makePage()));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(e.details?.providerCode).toBe('ECONNRESET');
  });

  it('a server that never answers times out as temporary', async () => {
    const { sms } = channels(300);
    fake.failNext(1, { hang: true });
    const e = await failure(sms.send(makePage()));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(e.details?.providerCode).toBe('ECONNABORTED');
    // Twilio was asked whether it took the message all the same, and has nothing: sent again as before
    expect(fake.lists().map((r) => r.resource)).toEqual(['MessageList']);
    expect(fake.createdSids('Messages')).toEqual([]);
  });

  it.each([
    ['its answer timed out', { hang: true, accepted: true } as const],
    ['the connection dropped', { reset: true, accepted: true } as const],
  ])('a message Twilio took, then %s, is sent under the sid Twilio has: found by number and body, not sent again', async (_, f) => {
    const { sms, lines } = channels(300);
    fake.failNext(1, f, 'Messages');
    const page = makePage({ notificationId: 'inc1:0:omar_haddad:sms:2' });
    const result = await sms.send(page);
    const [sid] = fake.createdSids('Messages');
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result).toEqual({ status: 'sent', providerId: sid });
    expect(fake.messages()).toHaveLength(1);
    // asked once, for the messages from our number to theirs, through the real SDK
    const asked = fake.lists();
    expect(asked).toHaveLength(1);
    const q = new URL(asked[0]?.url ?? '', 'http://x').searchParams;
    expect([q.get('To'), q.get('From')]).toEqual(['+15555550103', FROM]);
    expect(lines.find((l) => String(l.msg).startsWith('Twilio did not answer, but had taken it'))).toMatchObject({ notificationId: page.notificationId, channel: 'sms', providerId: sid });
    expect(lines.some((l) => l.msg === 'page not sent')).toBe(false);
    expect(JSON.stringify(lines)).not.toContain('+15555550103');
  });

  it("another page's message to the same number is not taken for this one: not found, sent again", async () => {
    const { sms } = channels(300);
    await sms.send(makePage({ notificationId: 'inc2:0:omar_haddad:sms:1', code: '77' }));
    fake.failNext(1, { hang: true }, 'Messages');
    const e = await failure(sms.send(makePage({ notificationId: 'inc1:0:omar_haddad:sms:1', code: '12' })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(fake.lists()).toHaveLength(1);
    expect(fake.createdSids('Messages')).toHaveLength(1);
  });

  it('Twilio not answering the question either: counted as not sent, so the page goes again (twice rather than never)', async () => {
    const { sms, lines } = channels(300);
    fake.failNext(1, { hang: true, accepted: true }, 'Messages');
    fake.failNext(1, { status: 503, code: 20503 }, 'MessageList');
    const e = await failure(sms.send(makePage()));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(e.details?.providerCode).toBe('ECONNABORTED');
    expect(lines.find((l) => String(l.msg).startsWith('Twilio did not answer, nor when asked'))).toMatchObject({ channel: 'sms', lookupCode: 20503 });
  });

  it("a failure Twilio answered (503) is known: Twilio is not asked", async () => {
    const { sms } = channels();
    fake.failNext(1, { status: 503, code: 20503 });
    await failure(sms.send(makePage()));
    expect(fake.lists()).toEqual([]);
  });

  it('a notice Twilio took without answering is sent under its sid, not sent again', async () => {
    const { sms } = channels(300);
    fake.failNext(1, { hang: true, accepted: true }, 'Messages');
    const result = await sms.notice({ id: 'handover:1', recipient: makeRecipient(), subject: 'On call', text: 'You are on call from 08:00.', sms: 'You are on call from 08:00.' });
    expect(result).toEqual({ status: 'sent', providerId: fake.createdSids('Messages')[0] });
    expect(fake.messages()).toHaveLength(1);
  });

  it('a person without a phone number is a permanent failure, nothing is sent', async () => {
    const e = await failure(channels().sms.send(makePage({ recipient: makeRecipient({ phone: undefined }) })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('TwilioVoiceChannel', () => {
  it('places the call with inline TwiML, status callbacks, AMD and a ring timeout', async () => {
    const { voice } = channels();
    const page = makePage({ channel: 'voice', notificationId: 'n-7', recipient: makeRecipient({ locale: 'zh-CN' }) });
    const result = await voice.send(page);
    expect(result.providerId).toMatch(/^CA[0-9a-f]{32}$/);
    const form = fake.calls()[0]?.form ?? {};
    expect(form).toMatchObject({
      To: '+15555550103',
      From: FROM,
      StatusCallback: 'https://tocsin.example.test/twilio/voice/status?n=n-7',
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      StatusCallbackMethod: 'POST',
      Timeout: '30',
      MachineDetection: 'Enable',
    });
    const twiml = String(form.Twiml);
    expect(twiml).toContain('<Gather input="dtmf" numDigits="1" action="https://tocsin.example.test/twilio/voice/gather?n=n-7" method="POST"');
    expect(twiml).toContain('<Say voice="alice" language="zh-CN">告警。hq站点发生电力故障。级别3级，重大事件。UPS ups1 on battery。</Say>');
    expect(twiml).toContain('确认请按4，解决请按6，立即升级请按5，重听请按星号键。');
  });

  it('a call Twilio placed, its answer timed out, is sent under the sid Twilio has: not placed again', async () => {
    const { voice, lines } = channels(300);
    fake.failNext(1, { hang: true, accepted: true }, 'Calls');
    const result = await voice.send(makePage({ channel: 'voice', notificationId: 'n-8' }));
    const [sid] = fake.createdSids('Calls');
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(result).toEqual({ status: 'sent', providerId: sid });
    expect(fake.calls()).toHaveLength(1);
    expect(fake.lists().map((r) => r.resource)).toEqual(['CallList']);
    expect(lines.find((l) => String(l.msg).startsWith('Twilio did not answer, but had taken it'))).toMatchObject({ notificationId: 'n-8', channel: 'voice', providerId: sid });
  });

  it('a call Twilio did not place, its answer timed out, is temporary: placed again as before', async () => {
    const { voice } = channels(300);
    fake.failNext(1, { hang: true }, 'Calls');
    const e = await failure(voice.send(makePage({ channel: 'voice' })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(fake.lists().map((r) => r.resource)).toEqual(['CallList']);
    expect(fake.createdSids('Calls')).toEqual([]);
  });

  it('an invalid number (13224) is permanent', async () => {
    const { voice } = channels();
    fake.failNext(1, { status: 400, code: 13224 });
    const e = await failure(voice.send(makePage({ channel: 'voice' })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(e.details).toMatchObject({ providerCode: 13224, channel: 'voice' });
  });
});

describe('createTwilioChannels', () => {
  it('builds live sms and voice channels from the settings, with the configured ring time', async () => {
    const { logger } = captureLogger();
    const { sms, voice } = createTwilioChannels({ settings, publicUrl: PUBLIC, messages, logger, timeoutMs: 5000, voice: { ringTimeoutSeconds: 20, machineDetection: 'DetectMessageEnd', keyTimeoutSeconds: 12 } });
    expect([sms.kind, sms.live, voice.kind, voice.live]).toEqual(['sms', true, 'voice', true]);
    await sms.send(makePage());
    await voice.send(makePage({ channel: 'voice' }));
    expect(fake.messages()).toHaveLength(1);
    expect(fake.calls()[0]?.form).toMatchObject({ Timeout: '20', MachineDetection: 'DetectMessageEnd' });
    expect(String(fake.calls()[0]?.form.Twiml)).toContain('timeout="12"');
  });
});

describe('daemon.yaml channels.twilio.voice', () => {
  it('places the calls with the configured ring time, answering-machine detection and key wait', async () => {
    const base = loadConfig('config');
    const voice = { ringTimeout: 45_000, machineDetection: 'DetectMessageEnd' as const, keyTimeout: 12_000 };
    const config = { ...base, daemon: { ...base.daemon, channels: { ...base.daemon.channels, twilio: { ...base.daemon.channels.twilio, voice } } } };
    const env = readEnv({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TWILIO_API_URL: fake.url, PUBLIC_URL: PUBLIC });
    const { logger } = captureLogger();
    const built = buildChannels({ env, config, logger, metrics: createMetrics({ defaultMetrics: false }) }, messages);
    try {
      await built.channels.voice.send(makePage({ channel: 'voice' }));
    } finally {
      built.close();
    }
    const form = fake.calls()[0]?.form ?? {};
    expect(form).toMatchObject({ Timeout: '45', MachineDetection: 'DetectMessageEnd' });
    expect(String(form.Twiml).match(/<Gather [^>]*timeout="12"/g)).toHaveLength(2);
  });

  it('ships a 30 s ring, Enable and an 8 s key wait', () => {
    expect(loadConfig('config').daemon.channels.twilio.voice).toEqual({ ringTimeout: 30_000, machineDetection: 'Enable', keyTimeout: 8_000 });
  });
});

describe('base URL override', () => {
  it('moves api.twilio.com under the base and keeps other hosts as a path prefix', () => {
    expect(rewriteUri('https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json', 'http://127.0.0.1:9')).toBe('http://127.0.0.1:9/2010-04-01/Accounts/AC1/Calls.json');
    expect(rewriteUri('https://taskrouter.twilio.com/v1/Workspaces/WS1?x=1', 'http://127.0.0.1:9')).toBe('http://127.0.0.1:9/taskrouter.twilio.com/v1/Workspaces/WS1?x=1');
  });
});
