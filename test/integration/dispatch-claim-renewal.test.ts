/**
 * A page's claim is renewed right before the provider call: two dispatchers (two replicas) on real
 * Redis, the real Twilio SDK against the loopback Twilio server. Whatever the time between the claim
 * and the send, a page is handed to Twilio once.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionLinks } from '../../src/app/action-links.js';
import { DispatchNotification, type DispatchOutcome, type DispatchRequest } from '../../src/app/dispatch-notification.js';
import { ThrottlePages, throttleLimits, throttleMemoryMs } from '../../src/app/throttle-pages.js';
import { createTwilioClient } from '../../src/channels/twilio/client.js';
import { TwilioSmsChannel } from '../../src/channels/twilio/sms-channel.js';
import { loadMessages } from '../../src/config/messages-schema.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Channel, Recipient } from '../../src/domain/ports.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { RedisThrottleRepository } from '../../src/store/throttle-repository.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { captureLogger } from '../support/log-capture.js';

const SID = `AC${'2'.repeat(32)}`;
const TOKEN = 'test_auth_token_lease';
const FROM = '+15005550001';
/** As shipped: escalation.lease 30s, channels.twilio.timeout 15s. */
const LEASE = 30_000;
const TWILIO_TIMEOUT = 15_000;

const fake = new FakeTwilio({ accountSid: SID, authToken: TOKEN });
const links = new ActionLinks('test-secret', 'https://tocsin.example', 60_000);
const grace: Recipient = { id: 'grace_okafor', name: 'Grace Okafor', phone: '+15555550105', email: 'grace.okafor@example.com', locale: 'en', timezone: 'Asia/Shanghai', channels: ['sms'] };

let app: TestApp;
let incident: Incident;
let sms: TwilioSmsChannel;

beforeAll(async () => {
  await fake.start();
  const client = createTwilioClient({ accountSid: SID, authToken: TOKEN, from: FROM, apiUrl: fake.url }, { timeoutMs: TWILIO_TIMEOUT });
  const messages = loadMessages(join(import.meta.dirname, '../../config'));
  sms = new TwilioSmsChannel({ client, from: FROM, publicUrl: 'https://tocsin.example.test', messages, logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
});
afterAll(() => fake.stop());

beforeEach(async () => {
  fake.reset();
  app = await startTestApp();
  const r = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
  incident = (await app.request('GET', `/api/incidents/${r.body.id}`)).body as Incident;
});
afterEach(async () => {
  await app.stop();
});

/** A replica's throttles as shipped, on the test's Redis (the engine's own pages never reach the people paged here). */
function throttle(): ThrottlePages {
  const cfg = app.container.config.daemon.throttle;
  const limits = throttleLimits(cfg);
  const store = (ns: 'live' | 'drill') => new RedisThrottleRepository(app.container.redis, makeKeys(app.prefix, ns), throttleMemoryMs(limits));
  return new ThrottlePages({
    limits,
    phases: new Set(cfg.phases),
    gathered: new Set(cfg.gather),
    stores: { live: store('live'), drill: store('drill') },
    leaseMs: LEASE,
    suppression: { check: async () => ({ kind: 'none' }) },
    metrics: createMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
  });
}

/** One replica's dispatcher: its own owner id, the lease and the Twilio channel as shipped. */
function replica(owner: string, channel: Channel = sms, logger: Logger = pino({ level: 'silent' }), throttles?: ThrottlePages): DispatchNotification {
  return new DispatchNotification({
    throttle: throttles,
    channels: { sms: channel },
    channelsFor: () => ['sms'],
    emailFromLevel: 4,
    retry: { attempts: 1, backoff: [2_000] },
    leaseMs: LEASE,
    codeTtlMs: 60_000,
    links,
    now: () => app.clock.now(),
    sleep: async () => {},
    storeRetry: () => 0,
    metrics: createMetrics({ defaultMetrics: false }),
    logger,
    owner,
  });
}

function request(o: Partial<DispatchRequest> = {}): DispatchRequest {
  return {
    incident,
    recipient: grace,
    role: 'supervisor',
    step: { key: 'lease-t1', tier: 1, phase: 'escalation', condition: 'unacknowledged', at: app.clock.now() },
    stillWanted: async () => true,
    notifications: new RedisNotificationRepository(app.container.redis, makeKeys(app.prefix, 'live')),
    incidents: app.container.stores.live,
    ...o,
  };
}

/** The records of the page both replicas dispatch. */
async function records(): Promise<any[]> {
  const shown = (await app.request('GET', `/api/incidents/${incident.id}`)).body;
  return (shown.notifications as any[]).filter((n) => n.tier === 1 && n.channel === 'sms');
}

/** The SMS the loopback Twilio server took for Grace. */
const texts = () => fake.messages().filter((m) => m.form.To === grace.phone);

describe('a claim renewed right before the provider call', () => {
  it('a claim taken over after its lease ran out, between the claim and the send, is not sent by its first claimer', async () => {
    const { logger, lines } = captureLogger();
    const b = replica('replica-b');
    let second: DispatchOutcome | undefined;
    // replica A claims, then stalls before its send (a slow Redis) until the lease has run out;
    // replica B takes the page over and sends it meanwhile
    const stalled = async () => {
      app.clock.advance(LEASE + 1_000);
      second = await b.dispatch(request());
      return true;
    };
    const first = await replica('replica-a', sms, logger).dispatch(request({ stillWanted: stalled }));
    expect(second).toBe('sent');
    expect(first).toBe('held');
    expect(texts()).toHaveLength(1);
    const [rec] = await records();
    expect(rec).toMatchObject({ status: 'sent', attempt: 1 });
    expect(lines.some((l) => l.msg === 'notification not sent: its claim was lost before the send' && l.claim === 'settled')).toBe(true);
  });

  it('a slow step before the send (longer than the lease less the Twilio timeout) no longer lets a second replica send the page in flight', async () => {
    const b = replica('replica-b');
    let second: DispatchOutcome | undefined;
    // Twilio takes 14 s to answer A (under its 15 s timeout); B looks at the page meanwhile, 34 s
    // after A claimed it: past the claim's lease, within the lease renewed when the send began
    const slowTwilio: Channel = {
      kind: 'sms',
      live: true,
      async send(page) {
        const going = sms.send(page);
        app.clock.advance(TWILIO_TIMEOUT - 1_000);
        second = await b.dispatch(request());
        return going;
      },
    };
    // the re-check before the send takes 20 s: more than the 15 s the lease leaves past the timeout
    const slowCheck = async () => {
      app.clock.advance(LEASE - TWILIO_TIMEOUT + 5_000);
      return true;
    };
    expect(await replica('replica-a', slowTwilio).dispatch(request({ stillWanted: slowCheck }))).toBe('sent');
    expect(second).toBe('held');
    expect(texts()).toHaveLength(1);
    const [rec] = await records();
    expect(rec).toMatchObject({ status: 'sent', attempt: 1 });
    // once sent it stays sent: B looking again later sends nothing
    app.clock.advance(10 * LEASE);
    expect(await b.dispatch(request())).toBe('sent');
    expect(texts()).toHaveLength(1);
  });

  it('a waiting page a message carries is renewed with it: a second replica does not send it by itself while the message is in flight', async () => {
    // pages of a major incident (level 3): a count never holds them, a message goes one bundle window after the last at most
    const other = (await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'annex', summary: 'ACD annex down' })).body.id as string;
    const x = { ...incident, level: 3 as const };
    const y = { ...((await app.request('GET', `/api/incidents/${other}`)).body as Incident), level: 3 as const };
    const li: Recipient = { ...grace, id: 'lease_test_person', phone: '+15555550177' };
    const toLi = () => fake.messages().filter((m) => m.form.To === li.phone);
    const step = (key: string) => ({ key, tier: 1, phase: 'escalation' as const, condition: 'unacknowledged' as const, at: app.clock.now() });
    const page = (inc: Incident, key: string, o: Partial<DispatchRequest> = {}) => request({ incident: inc, recipient: li, step: step(key), deferred: () => {}, ...o });
    const b = replica('replica-b', sms, undefined, throttle());
    let second: DispatchOutcome | undefined;
    const slowTwilio: Channel = {
      kind: 'sms',
      live: true,
      async send(p) {
        const going = sms.send(p);
        if (p.bundle) {
          // the carried page's own step looked at by replica B while Twilio has not answered yet
          app.clock.advance(TWILIO_TIMEOUT - 1_000);
          second = await b.dispatch(page(y, 'y1'));
        }
        return going;
      },
    };
    const a = replica('replica-a', slowTwilio, undefined, throttle());

    expect(await a.dispatch(page(x, 'x1'))).toBe('sent');
    // ten seconds later the annex's page waits for the bundle window
    app.clock.advance(10_000);
    let until = 0;
    expect(await a.dispatch(page(y, 'y1', { deferred: (t) => (until = t) }))).toBe('held');
    expect(until).toBeGreaterThan(app.clock.now());
    // at its end the next page of the first incident goes, carrying it, after a 20 s re-check
    app.clock.set(until);
    const slowCheck = async () => {
      app.clock.advance(LEASE - TWILIO_TIMEOUT + 5_000);
      return true;
    };
    expect(await a.dispatch(page(x, 'x2', { stillWanted: slowCheck }))).toBe('sent');
    expect(second).toBe('held');
    expect(toLi()).toHaveLength(2);
    const carried = ((await app.request('GET', `/api/incidents/${other}`)).body.notifications as any[]).find((n) => n.person === li.id);
    expect(carried).toMatchObject({ status: 'sent', bundledWith: incident.id });
  });
});
