/**
 * A page whose tier pages whoever acknowledged (`when: unresolved`: theft's centre manager at T+2m)
 * is carried on after a failed delivery also once the incident is acknowledged: the call nobody
 * answered is placed again on the voice cadence. The whole daemon on real Redis, the real twilio SDK against a Twilio-compatible server on
 * loopback, signed status callbacks and a manual clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio, type RecordedRequest } from '../support/fake-twilio.js';
import { pathOf, twilioPoster, type TwilioPoster } from '../support/twilio-callbacks.js';

const SID = `AC${'8'.repeat(32)}`;
const TOKEN = 'follow_up_after_ack_token';
const FROM = '+15005550001';
const PUBLIC = 'https://tocsin.example.test';
const MIN = 60_000;
// 12:00 in Shanghai
const T0 = Date.parse('2026-11-23T04:00:00Z');
const MARIA = '+15555550107'; // the centre manager: voice first

let fake: FakeTwilio;
let app: TestApp;
let twilio: TwilioPoster;

beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  app = await startTestApp({ clock: new ManualClock(T0), env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: FROM, publicUrl: PUBLIC }) });
  twilio = twilioPoster(app.baseUrl, PUBLIC, TOKEN);
});

afterEach(async () => {
  await app.stop();
  await fake.stop();
});

async function at(ms: number): Promise<void> {
  app.clock.set(T0 + ms);
  await app.container.engine.tick(T0 + ms);
  await app.container.engine.idle();
}

const calls = (): RecordedRequest[] => fake.calls().filter((r) => r.form.To === MARIA);

describe('a failed page of a tier that pages whoever acknowledged', () => {
  it("theft's centre manager, acknowledged before T+2m, is called again when nobody answers", async () => {
    const r = await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'laptop stolen from hall B', details: { kind: 'theft' } });
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    await app.container.engine.idle();
    await at(1 * MIN);
    expect((await app.request('POST', `/api/incidents/${id}/ack`, { by: 'grace_okafor' })).status).toBe(200);
    await app.container.engine.idle();

    await at(2 * MIN + 1_000);
    expect(calls()).toHaveLength(1);
    const first = calls()[0] as RecordedRequest;
    const answered = await twilio.post(pathOf(String(first.form.StatusCallback)), {
      AccountSid: SID,
      ApiVersion: '2010-04-01',
      CallSid: `CA${'d'.repeat(32)}`,
      From: FROM,
      To: MARIA,
      Direction: 'outbound-api',
      CallStatus: 'no-answer',
      SequenceNumber: '2',
    });
    expect(answered.status).toBe(204);
    await app.container.engine.idle();

    await at(3 * MIN + 2_000);
    await at(3 * MIN + 10_000);
    expect(calls()).toHaveLength(2);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.state).toBe('acknowledged');
    expect(inc.timeline.filter((e: any) => e.type === 'page_retry')).toEqual([expect.objectContaining({ person: 'maria_rossi', from: 'voice', to: 'voice', attempt: 2 })]);
  });
});
