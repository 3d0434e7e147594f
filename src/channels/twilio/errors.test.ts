import { describe, expect, it } from 'vitest';
import { TocsinError } from '../../domain/errors.js';
import { classifyTwilioCode, outcomeUnknown, toChannelError } from './errors.js';

/** Shaped like the SDK's RestException (status, code, message) — the message must never matter. */
const rest = (status: number, code: number, message = 'whatever the text says') => Object.assign(new Error(message), { status, code, moreInfo: '' });

describe('toChannelError', () => {
  it.each([21211, 21614, 21610, 21408, 21217, 13224, 20003])('Twilio code %i is permanent', (code) => {
    const e = toChannelError(rest(400, code), 'sms');
    expect(e).toBeInstanceOf(TocsinError);
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(e.retryable).toBe(false);
    expect(e.details).toMatchObject({ providerCode: code, httpStatus: 400, provider: 'twilio', channel: 'sms' });
  });

  it.each([
    [429, 20429],
    [503, 20503],
    [500, 20500],
    [400, 14107],
  ])('HTTP %i / code %i is temporary', (status, code) => {
    const e = toChannelError(rest(status, code), 'voice');
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(e.retryable).toBe(true);
    expect(e.details?.providerCode).toBe(code);
  });

  it('classifies an unlisted code by HTTP status: 4xx permanent, 5xx temporary', () => {
    expect(toChannelError(rest(400, 99999), 'sms').code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(toChannelError(rest(502, 99999), 'sms').code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
  });

  it('never reads the message text', () => {
    expect(toChannelError(rest(400, 21211, 'temporarily unavailable, try again'), 'sms').code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(toChannelError(rest(503, 20503, 'invalid phone number'), 'sms').code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
  });

  it('network failures and timeouts (no HTTP answer) are temporary', () => {
    for (const code of ['ECONNREFUSED', 'ECONNABORTED', 'ECONNRESET', 'ETIMEDOUT']) {
      const e = toChannelError(Object.assign(new Error('x'), { code }), 'sms');
      expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
      expect(e.details?.providerCode).toBe(code);
    }
    expect(toChannelError('boom', 'sms').code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
  });

  it('classifies delivery error codes of status callbacks', () => {
    expect(classifyTwilioCode('30003')).toBe('temporary');
    expect(classifyTwilioCode('30005')).toBe('permanent');
    expect(classifyTwilioCode('12345')).toBeUndefined();
    expect(classifyTwilioCode(undefined)).toBeUndefined();
  });
});

describe('outcomeUnknown', () => {
  const net = (code: string) => Object.assign(new Error('network'), { code });
  it.each(['ECONNABORTED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE'])('%s: the request may have reached Twilio, which may have taken it', (code) => {
    expect(outcomeUnknown(net(code))).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])('%s: the request never left, nothing was taken', (code) => {
    expect(outcomeUnknown(net(code))).toBe(false);
  });

  it("Twilio's own answers are known outcomes, whatever their status", () => {
    expect(outcomeUnknown(rest(503, 20503))).toBe(false);
    expect(outcomeUnknown(rest(400, 21211))).toBe(false);
    expect(outcomeUnknown(new TocsinError('TOCSIN_ERR_CHANNEL_PERMANENT', 'no number'))).toBe(false);
  });
});
