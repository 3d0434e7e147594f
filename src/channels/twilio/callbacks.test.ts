import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMessages, type MessagesConfig } from '../../config/messages-schema.js';
import { TocsinError } from '../../domain/errors.js';
import {
  gatherReplyTwiml,
  parseGatherAction,
  parseInboundSms,
  parseSmsReply,
  parseSmsStatusCallback,
  parseVoiceStatusCallback,
  smsReplyText,
  smsReplyTwiml,
} from './callbacks.js';

interface Signed {
  url: string;
  headers: { 'X-Twilio-Signature': string };
  params: Record<string, string>;
}
const FIX = join(import.meta.dirname, '../../../test/fixtures/twilio');
const fixture = <T = Signed>(name: string): T => JSON.parse(readFileSync(join(FIX, name), 'utf8')) as T;
const Q = { n: 'n-42' };

let messages: MessagesConfig;
beforeAll(() => {
  messages = loadMessages(join(import.meta.dirname, '../../../config'));
});

describe('parseSmsReply', () => {
  it.each([
    ['12a', '12', 'acknowledge'],
    ['12A', '12', 'acknowledge'],
    [' 12 a ', '12', 'acknowledge'],
    ['12c', '12', 'resolve'],
    ['12 C', '12', 'resolve'],
    ['ack 12', '12', 'acknowledge'],
    ['ACK   12', '12', 'acknowledge'],
    ['Ack: 12.', '12', 'acknowledge'],
    ['resolve 12', '12', 'resolve'],
    ['12 ack', '12', 'acknowledge'],
    ['ACK a-123', 'A-123', 'acknowledge'],
    ['ｋ7ａ', 'K7', 'acknowledge'],
    ['res1a', 'RES1', 'acknowledge'],
    ['7bkza', '7BKZ', 'acknowledge'],
    ['7BKZC', '7BKZ', 'resolve'],
    ['ack 7bkz', '7BKZ', 'acknowledge'],
  ])('%j → %s %s', (body, code, action) => {
    expect(parseSmsReply(body)).toEqual({ kind: 'command', code, action });
  });

  it.each(['', 'ok', 'ack', 'yes please', 'STOP', '12x', 'a', '12 b'])('%j is not understood', (body) => {
    expect(parseSmsReply(body)).toEqual({ kind: 'unknown' });
  });
});

describe('parseInboundSms', () => {
  it('reads the signed fixture', () => {
    const f = fixture('webhook-inboundSms.json');
    expect(parseInboundSms(f.params)).toEqual({
      providerId: 'SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      from: '+15005550006',
      to: '+15005550001',
      body: 'ACK a-123',
      reply: { kind: 'command', code: 'A-123', action: 'acknowledge' },
    });
  });

  it('rejects a body without From', () => {
    expect(() => parseInboundSms({ MessageSid: 'SM1', Body: '12a' })).toThrow(TocsinError);
  });
});

describe('parseSmsStatusCallback', () => {
  it('delivered', () => {
    expect(parseSmsStatusCallback(fixture('webhook-smsStatusCallbackDelivered.json').params, Q)).toEqual({
      notificationId: 'n-42',
      providerId: 'SMdddddddddddddddddddddddddddddddd',
      providerStatus: 'delivered',
      status: 'delivered',
      providerCode: undefined,
      failure: undefined,
    });
  });

  it('undelivered carries the error code and whether a retry can help', () => {
    expect(parseSmsStatusCallback(fixture('webhook-smsStatusCallbackUndelivered.json').params, Q)).toMatchObject({
      status: 'failed',
      providerStatus: 'undelivered',
      providerCode: '30003',
      failure: 'temporary',
    });
    expect(parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '21610' }, Q)).toMatchObject({ status: 'failed', failure: 'permanent' });
  });

  it('in-between states leave the notification as it is', () => {
    expect(parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'queued' }, Q).status).toBeUndefined();
    expect(parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'sent' }, Q).status).toBe('sent');
  });

  it('needs the notification id of the callback URL', () => {
    expect(() => parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'sent' }, {})).toThrow(/missing n/);
  });
});

describe('parseVoiceStatusCallback', () => {
  it('a call a person answered is delivered, never acknowledged', () => {
    const seq = fixture<{ requests: Signed[] }>('webhook-voiceStatusCallbackSequence.json').requests.map((r) => parseVoiceStatusCallback(r.params, Q));
    expect(seq.map((s) => [s.providerStatus, s.outcome, s.status, s.final, s.sequence])).toEqual([
      ['initiated', 'in_progress', 'sent', false, 0],
      ['ringing', 'in_progress', 'sent', false, 1],
      ['in-progress', 'answered', 'delivered', false, 2],
      ['completed', 'answered', 'delivered', true, 3],
    ]);
    expect(seq.every((s) => s.acknowledged === false)).toBe(true);
    expect(seq[3]).toMatchObject({ answeredBy: 'human', durationSeconds: 17, retry: false });
  });

  it('no answer fails and is worth another call', () => {
    expect(parseVoiceStatusCallback(fixture('webhook-voiceStatusCallbackNoAnswer.json').params, Q)).toMatchObject({
      outcome: 'no_answer',
      status: 'failed',
      final: true,
      retry: true,
      acknowledged: false,
      providerCode: 'sip_487',
    });
  });

  it.each(['machine_start', 'machine_end_beep', 'machine_end_silence', 'fax'])('a call answered by %s is voicemail, not delivered', (answeredBy) => {
    expect(parseVoiceStatusCallback({ CallSid: 'CA1', CallStatus: 'completed', AnsweredBy: answeredBy }, Q)).toMatchObject({
      outcome: 'voicemail',
      status: 'failed',
      retry: true,
      acknowledged: false,
    });
  });

  it('busy retries; a failed call with a permanent code does not', () => {
    expect(parseVoiceStatusCallback({ CallSid: 'CA1', CallStatus: 'busy' }, Q)).toMatchObject({ outcome: 'busy', retry: true });
    expect(parseVoiceStatusCallback({ CallSid: 'CA1', CallStatus: 'failed', ErrorCode: '13224' }, Q)).toMatchObject({ outcome: 'failed', retry: false, providerCode: '13224' });
  });
});

describe('parseGatherAction', () => {
  it.each([
    ['4', 'acknowledge'],
    ['6', 'resolve'],
    ['5', 'escalate'],
    ['*', 'repeat'],
    ['1', 'unknown'],
    ['', 'unknown'],
  ])('key %j → %s', (digits, action) => {
    const params = { ...fixture('webhook-gatherAction.json').params, Digits: digits };
    expect(parseGatherAction(params, Q)).toMatchObject({ notificationId: 'n-42', providerId: 'CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', digits, action });
  });
});

describe('replies', () => {
  it('answers a key press in the person\'s language', () => {
    expect(gatherReplyTwiml(messages, 'zh-CN', { kind: 'acknowledged' }, 'https://x.test/g', 8)).toContain('<Say voice="alice" language="zh-CN">已确认，谢谢。</Say><Hangup/>');
    expect(gatherReplyTwiml(messages, 'en', { kind: 'not_active' }, 'https://x.test/g', 8)).toContain('This page is no longer active. Goodbye.');
  });

  it('answers an SMS reply with a MessagingResponse', () => {
    const text = smsReplyText(messages, 'en', 'acknowledged', { code: '12', classId: 'power', site: 'hq' });
    expect(text).toBe('Acknowledged 12: Power failure at hq. Thank you.');
    expect(smsReplyTwiml(text)).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>${text}</Message></Response>`);
    expect(smsReplyText(messages, 'en', 'unknownCode', { code: '99' })).toBe('Code 99 is unknown or no longer active.');
    expect(smsReplyText(messages, 'zh-CN', 'notUnderstood')).toContain('12a');
    expect(smsReplyText(messages, 'zh-CN', 'resolved', { code: '12', classId: 'power', site: 'hq' })).toBe('已解决12：hq电力故障。谢谢。');
  });

  it('marks the answers about a drill DRILL, as its page was', () => {
    expect(smsReplyText(messages, 'en', 'acknowledged', { code: '12', classId: 'power', site: 'hq', drill: true })).toBe('[DRILL] Acknowledged 12: Power failure at hq. Thank you.');
    expect(smsReplyText(messages, 'en', 'alreadyResolved', { code: '12', classId: 'power', site: 'hq', drill: true })).toBe('[DRILL] 12: Power failure at hq is already resolved.');
    expect(smsReplyText(messages, 'zh-CN', 'resolved', { code: '12', classId: 'power', site: 'hq', drill: true })).toBe('[DRILL 演练] 已解决12：hq电力故障。谢谢。');
    expect(gatherReplyTwiml(messages, 'en', { kind: 'acknowledged', drill: true }, 'https://x.test/g', 8)).toContain('>This is a drill. Acknowledged. Thank you.</Say>');
  });
});
