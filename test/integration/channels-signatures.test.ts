/** X-Twilio-Signature checks against the signed fixtures (auth token test_auth_token_123). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { verifyTwilioSignature } from '../../src/channels/twilio/callbacks.js';
import { voiceGatherUrl } from '../../src/channels/twilio/callback-urls.js';

interface Signed {
  url: string;
  headers: { 'X-Twilio-Signature': string };
  params: Record<string, string>;
}
const TOKEN = 'test_auth_token_123';
const FIX = join(import.meta.dirname, '../fixtures/twilio');
const load = (name: string): unknown => JSON.parse(readFileSync(join(FIX, name), 'utf8'));

const signed: Array<[string, Signed]> = [
  ['gather action', load('webhook-gatherAction.json') as Signed],
  ['inbound SMS', load('webhook-inboundSms.json') as Signed],
  ['SMS delivered', load('webhook-smsStatusCallbackDelivered.json') as Signed],
  ['SMS undelivered', load('webhook-smsStatusCallbackUndelivered.json') as Signed],
  ['call no-answer', load('webhook-voiceStatusCallbackNoAnswer.json') as Signed],
  ...(load('webhook-voiceStatusCallbackSequence.json') as { requests: Signed[] }).requests.map((r, i): [string, Signed] => [`call status #${i}`, r]),
];

describe.each(signed)('%s', (_name, f) => {
  const sig = f.headers['X-Twilio-Signature'];

  it('is valid for the URL it was signed for', () => {
    expect(f.url.startsWith('https://alerts.example.test/twilio/')).toBe(true);
    expect(verifyTwilioSignature(TOKEN, f.url, f.params, sig)).toBe(true);
  });

  it('also with the standard port written out', () => {
    expect(verifyTwilioSignature(TOKEN, f.url.replace('alerts.example.test', 'alerts.example.test:443'), f.params, sig)).toBe(true);
  });

  it('is invalid when a parameter was changed, added or removed', () => {
    const [key] = Object.keys(f.params);
    expect(verifyTwilioSignature(TOKEN, f.url, { ...f.params, [key ?? 'x']: `${f.params[key ?? 'x'] ?? ''}x` }, sig)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, f.url, { ...f.params, Digits: '6', Extra: '1' }, sig)).toBe(false);
    const { [key ?? 'x']: _dropped, ...rest } = f.params;
    expect(verifyTwilioSignature(TOKEN, f.url, rest, sig)).toBe(false);
  });

  it('is invalid for another URL, another token or no header', () => {
    expect(verifyTwilioSignature(TOKEN, f.url.replace('https://', 'http://'), f.params, sig)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, `${f.url}&n=1`, f.params, sig)).toBe(false);
    expect(verifyTwilioSignature('another_token', f.url, f.params, sig)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, f.url, f.params, undefined)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, f.url, f.params, '')).toBe(false);
    expect(verifyTwilioSignature('', f.url, f.params, sig)).toBe(false);
  });
});

describe('our own callback URLs', () => {
  it('a request Twilio signs for the Gather action URL we hand out verifies; a key changed in transit does not', () => {
    const url = voiceGatherUrl('https://tocsin.example.test', 'inc1:0:omar:voice:1');
    const params = { CallSid: 'CA1', Digits: '4', AccountSid: 'AC1' };
    const sig = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    expect(verifyTwilioSignature(TOKEN, url, params, sig)).toBe(true);
    expect(verifyTwilioSignature(TOKEN, url, { ...params, Digits: '6' }, sig)).toBe(false);
  });

  it('a malformed URL is simply invalid', () => {
    expect(verifyTwilioSignature(TOKEN, 'not a url', {}, 'abc')).toBe(false);
  });
});
