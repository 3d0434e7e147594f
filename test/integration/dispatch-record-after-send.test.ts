/**
 * A page the provider took is never sent again because Redis failed right after: the store write of
 * its `sent` record is no channel failure. Real Redis (the shared one, and a private redis-server
 * stopped right after the send), channel doubles and the real Twilio SDK against the loopback Twilio
 * server, a store double failing a given number of times.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionLinks } from '../../src/app/action-links.js';
import { DispatchNotification, type DispatchRequest } from '../../src/app/dispatch-notification.js';
import { notificationId } from '../../src/app/page-chain.js';
import { createTwilioClient } from '../../src/channels/twilio/client.js';
import { TwilioSmsChannel } from '../../src/channels/twilio/sms-channel.js';
import { loadMessages } from '../../src/config/messages-schema.js';
import { TocsinError } from '../../src/domain/errors.js';
import type { NotificationStore, StoredNotification, TimelineNote } from '../../src/domain/escalation-ports.js';
import type { ChannelKind, Incident } from '../../src/domain/incident.js';
import type { Channel, Page, Recipient, SendResult } from '../../src/domain/ports.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { takeoverGraceMs } from '../../src/config/claim-timings.js';
import { reconnectPace } from '../../src/store/redis.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { ThrottlePages, throttleLimits } from '../../src/app/throttle-pages.js';
import { RedisThrottleRepository } from '../../src/store/throttle-repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { captureLogger } from '../support/log-capture.js';
import { PrivateRedis } from '../support/redis-server.js';

const LEASE = 30_000;
/** The record's retries wait in real time (the connection's reconnect pace), as the daemon's do. */
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A voice channel that takes every page; `after` runs once the provider has taken one (Redis goes down then, say). */
class VoiceChannel implements Channel {
  readonly kind: ChannelKind = 'voice';
  readonly live = true;
  readonly pages: Page[] = [];
  constructor(private readonly after: () => Promise<void> = async () => {}) {}
  async send(page: Page): Promise<SendResult> {
    this.pages.push(page);
    await this.after();
    return { status: 'sent', providerId: `CA${this.pages.length}` };
  }
}

/** The real store, its writes of a sent record (`recordSent`, or an `update` to sent) failing `failures` times as a Redis down would. */
class FlakyRecords implements NotificationStore {
  failures: number;
  constructor(
    private readonly real: RedisNotificationRepository,
    failures: number,
  ) {
    this.failures = failures;
  }
  claim: NotificationStore['claim'] = (...a) => this.real.claim(...a);
  renew: NotificationStore['renew'] = (...a) => this.real.renew(...a);
  lookupCode: NotificationStore['lookupCode'] = (c) => this.real.lookupCode(c);
  async update(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean> {
    if (patch.status === 'sent') await this.failing();
    return this.real.update(incidentId, id, patch, owner, note);
  }
  async recordSent(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean> {
    await this.failing();
    return this.real.recordSent(incidentId, id, patch, owner, note);
  }
  private async failing(): Promise<void> {
    try {
      this.fail();
    } catch (e) {
      if (e instanceof Hung) await new Promise(() => {});
      throw e;
    }
  }
  /** Writes of a sent record go unanswered (a Redis that no longer replies) instead of failing. */
  hang = false;
  private fail(): void {
    if (this.hang) throw new Hung();
    if (this.failures <= 0) return;
    this.failures--;
    throw new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', 'Redis is unavailable; retry later');
  }
}

class Hung extends Error {}

const grace: Recipient = { id: 'grace_okafor', name: 'Grace Okafor', phone: '+15555550105', email: 'grace.okafor@example.com', locale: 'en', timezone: 'Asia/Shanghai', channels: ['voice', 'sms'] };
const links = new ActionLinks('test-secret', 'https://tocsin.example', 60_000);

let app: TestApp | undefined;
let redis: PrivateRedis | undefined;

afterEach(async () => {
  await app?.stop();
  await redis?.destroy();
  app = undefined;
  redis = undefined;
});

async function started(o: { redisUrl?: string } = {}): Promise<{ app: TestApp; incident: Incident }> {
  app = await startTestApp(o.redisUrl ? { env: { REDIS_URL: o.redisUrl } } : {});
  const r = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
  return { app, incident: (await app.request('GET', `/api/incidents/${r.body.id}`)).body as Incident };
}

function dispatcher(
  app: TestApp,
  voice: Channel,
  o: { owner?: string; logger?: Logger; sleep?: (ms: number) => Promise<void>; sms?: Channel; takeoverGraceMs?: number; stopWriteMs?: number; storeRetry?: (tries: number) => number; onStoreReady?: (listener: () => void) => void; throttle?: ThrottlePages } = {},
): DispatchNotification {
  return new DispatchNotification({
    throttle: o.throttle,
    channels: o.sms ? { sms: o.sms } : { voice, sms: new VoiceChannel() },
    channelsFor: () => (o.sms ? ['sms'] : ['voice', 'sms']),
    emailFromLevel: 4,
    takeoverGraceMs: o.takeoverGraceMs,
    stopWriteMs: o.stopWriteMs,
    retry: { attempts: 3, backoff: [2_000, 10_000] },
    leaseMs: LEASE,
    codeTtlMs: 60_000,
    links,
    now: () => app.clock.now(),
    sleep: o.sleep ?? (async () => {}),
    storeRetry: o.storeRetry ?? reconnectPace({ firstMs: app.container.config.daemon.redis.reconnect.first, maxMs: app.container.config.daemon.redis.reconnect.max }),
    onStoreReady: o.onStoreReady,
    metrics: createMetrics({ defaultMetrics: false }),
    logger: o.logger ?? pino({ level: 'silent' }),
    owner: o.owner ?? 'replica-a',
  });
}

function request(app: TestApp, incident: Incident, notifications: NotificationStore, o: Partial<DispatchRequest> = {}): DispatchRequest {
  return {
    incident,
    recipient: grace,
    role: 'supervisor',
    step: { key: 'blip-t1', tier: 1, phase: 'escalation', condition: 'unacknowledged', at: app.clock.now() },
    stillWanted: async () => true,
    notifications,
    incidents: app.container.stores.live,
    ...o,
  };
}

const repository = (app: TestApp) => new RedisNotificationRepository(app.container.redis, makeKeys(app.prefix, 'live'));

/** The records and timeline entries of this test's step (the engine pages the incident too, in log mode). */
async function shown(app: TestApp, incident: Incident): Promise<{ notifications: any[]; timeline: any[] }> {
  const body = (await app.request('GET', `/api/incidents/${incident.id}`)).body;
  const ours = (id: unknown) => typeof id === 'string' && id.includes(':blip-t1:');
  return { notifications: (body.notifications as any[]).filter((n) => ours(n.id)), timeline: (body.timeline as any[]).filter((e) => ours(e.notification)) };
}

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

/** Replica A sends a page (the provider takes it) while Redis takes none of its records: they wait, written again in real time. */
async function sentWhileRedisDown(o: Parameters<typeof dispatcher>[2] = {}) {
  const { app, incident } = await started();
  const { logger, lines } = captureLogger();
  const voice = new VoiceChannel();
  const store = new FlakyRecords(repository(app), 1_000);
  const a = dispatcher(app, voice, { logger, sleep: realSleep, ...o });
  expect(await a.dispatch(request(app, incident, store))).toBe('sent');
  return { app, incident, lines, voice, store, a };
}

describe('a store error right after the provider took the page', () => {
  it('is not a channel failure: the page is recorded sent (provider id, timeline) and the person is called once', async () => {
    const { app, incident } = await started();
    const voice = new VoiceChannel();
    const store = new FlakyRecords(repository(app), 1);
    expect(await dispatcher(app, voice).dispatch(request(app, incident, store))).toBe('sent');
    expect(voice.pages).toHaveLength(1);
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['voice', 1, 'sent', 'CA1']]);
    expect(inc.timeline.filter((e) => e.type === 'notification_failed')).toEqual([]);
    expect(inc.timeline.filter((e) => e.type === 'notified').map((e) => [e.channel, e.attempt, e.status])).toEqual([['voice', 1, 'sent']]);
  });

  it('Redis down longer than the retries made at once: the page stays claimed, is never sent again, and is recorded sent as soon as Redis answers', async () => {
    const { app, incident, lines, voice, store, a } = await sentWhileRedisDown();
    expect(voice.pages).toHaveLength(1);
    const failed = lines.find((l) => l.msg === 'notification sent but not recorded: Redis is unavailable; it stays claimed by this process and is recorded as soon as Redis answers');
    expect(failed).toMatchObject({ level: 'error', providerId: 'CA1', channel: 'voice', attempt: 1 });
    // still planned under this claim, never failed
    expect((await shown(app, incident)).notifications.map((n) => [n.channel, n.attempt, n.status, n.claimedBy])).toEqual([['voice', 1, 'planned', 'replica-a']]);
    // the step looked at again by this process after the lease ran out: nothing is sent, the page counts as sent
    app.clock.advance(LEASE + 1_000);
    expect(await a.dispatch(request(app, incident, store))).toBe('sent');
    expect(voice.pages).toHaveLength(1);
    // Redis answers again
    store.failures = 0;
    await until(() => a.unrecordedPages === 0);
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['voice', 1, 'sent', 'CA1']]);
    expect(inc.timeline.filter((e) => e.type === 'notified').map((e) => [e.channel, e.attempt, e.status])).toEqual([['voice', 1, 'sent']]);
    expect(inc.timeline.filter((e) => e.type === 'notification_failed')).toEqual([]);
    expect(lines.some((l) => l.msg === 'notification recorded as sent once Redis answered' && l.providerId === 'CA1')).toBe(true);
    // and for good
    app.clock.advance(10 * LEASE);
    expect(await a.dispatch(request(app, incident, repository(app)))).toBe('sent');
    expect(voice.pages).toHaveLength(1);
  });

  it('an outage outlasting the lease: a second replica that took the claim over and has not sent yet finds the page recorded, and sends nothing', async () => {
    const { app, incident, voice, store, a } = await sentWhileRedisDown();
    // replica B looks at the step after the lease: it takes the claim over; Redis answers A again
    // while B re-checks the incident, and A's record lands before B's send
    app.clock.advance(LEASE + 1_000);
    const b = dispatcher(app, voice, { owner: 'replica-b' });
    const checking = async () => {
      store.failures = 0;
      await until(() => a.unrecordedPages === 0);
      return true;
    };
    expect(await b.dispatch(request(app, incident, repository(app), { stillWanted: checking }))).toBe('held');
    expect(voice.pages).toHaveLength(1);
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['voice', 1, 'sent', 'CA1']]);
    // looked at again, it is settled: sent, nothing more goes
    expect(await b.dispatch(request(app, incident, repository(app)))).toBe('sent');
    expect(voice.pages).toHaveLength(1);
  });

  it('the call\'s status callback lands while the record waits for Redis: delivered stays, the late record adds its sent time and timeline entry once', async () => {
    const { app, incident, lines, voice, store, a } = await sentWhileRedisDown();
    const id = `${incident.id}:blip-t1:grace_okafor:voice:1`;
    // Twilio reports the call answered (the callback's own Redis connection works)
    const callback = { notificationId: id, providerId: 'CA1', providerStatus: 'completed', status: 'delivered', final: true, outcome: 'answered', answeredBy: 'human' } as const;
    expect(await app.container.phone.delivery('voice', callback)).toBe('recorded');
    store.failures = 0;
    await until(() => a.unrecordedPages === 0);
    const inc = await shown(app, incident);
    expect(inc.timeline.map((e) => `${e.type}:${e.status}`).sort()).toEqual(['delivered:delivered', 'notified:sent']);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId, typeof n.sentAt])).toEqual([['voice', 1, 'delivered', 'CA1', 'string']]);
    expect(lines.some((l) => l.msg === 'notification recorded as sent once Redis answered' && l.providerId === 'CA1')).toBe(true);
    // written once: a write made again (its answer lost, say) changes nothing more
    expect(await repository(app).recordSent(incident.id, id, { status: 'sent', providerId: 'CA1', sentAt: new Date().toISOString() }, '', { entry: { type: 'notified', notification: id, status: 'sent' }, at: app.clock.now() })).toBe(false);
    expect((await shown(app, incident)).timeline.filter((e) => e.type === 'notified')).toHaveLength(1);
    expect(voice.pages).toHaveLength(1);
  });

  it('the Redis connection ready again: a record waiting for Redis is written at once, not after its pause', async () => {
    const { app, incident } = await started();
    const store = new FlakyRecords(repository(app), 1_000);
    let ready = () => {};
    // the pause after the writes made at once is far longer than this test
    const a = dispatcher(app, new VoiceChannel(), { sleep: realSleep, storeRetry: (tries) => (tries < 3 ? 10 : 60_000), onStoreReady: (l) => (ready = l) });
    expect(await a.dispatch(request(app, incident, store))).toBe('sent');
    expect(a.unrecordedPages).toBe(1);
    store.failures = 0;
    ready();
    await until(() => a.unrecordedPages === 0, 2_000);
    expect((await shown(app, incident)).notifications.map((n) => [n.status, n.providerId])).toEqual([['sent', 'CA1']]);
  });

  it('a process stopping with Redis back: the last write made on stop records the page sent', async () => {
    const { app, incident, lines, store, a } = await sentWhileRedisDown({ stopWriteMs: 1_000 });
    expect(a.unrecordedPages).toBe(1);
    // Redis answers again just as the process stops, before the background write's next try
    store.failures = 0;
    await a.stop();
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['voice', 1, 'sent', 'CA1']]);
    expect(inc.timeline.filter((e) => e.type === 'notified').map((e) => [e.channel, e.attempt, e.status])).toEqual([['voice', 1, 'sent']]);
    expect(lines.find((l) => l.msg === 'notification recorded as sent on stop')).toMatchObject({ level: 'info', providerId: 'CA1' });
    expect(lines.filter((l) => l.level === 'error' && String(l.msg).startsWith('stopping'))).toEqual([]);
  });

  it('a process stopping while Redis still does not answer: the last write waits stopWriteMs at most, then each page is logged with its provider id', async () => {
    const { app, incident, lines, store, a } = await sentWhileRedisDown({ stopWriteMs: 300 });
    store.hang = true;
    const began = Date.now();
    await a.stop();
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(lines.find((l) => l.msg === 'stopping with a sent page not recorded (Redis unavailable): once its lease runs out it is sent again')).toMatchObject({ level: 'error', providerId: 'CA1' });
    store.hang = false;
    store.failures = 0;
    await until(() => a.unrecordedPages === 0);
    // no longer written: the page waits, planned, for its lease to run out
    expect((await shown(app, incident)).notifications.map((n) => n.status)).toEqual(['planned']);
  });

  it('a real redis-server stopped right after the send and started again 1.5 s later: recorded sent then, called once', async () => {
    redis = await PrivateRedis.start();
    const server = redis;
    const { app, incident } = await started({ redisUrl: server.url });
    let back: Promise<void> | undefined;
    // the provider has taken the page when Redis goes down (a failover of a second or two)
    const voice = new VoiceChannel(async () => {
      if (back) return;
      await server.down();
      back = new Promise((r) => setTimeout(r, 1_500)).then(() => server.up());
    });
    const a = dispatcher(app, voice, { sleep: realSleep });
    expect(await a.dispatch(request(app, incident, repository(app)))).toBe('sent');
    expect(voice.pages).toHaveLength(1);
    expect(a.unrecordedPages).toBe(1);
    // meanwhile the step is looked at again here: nothing is sent
    expect(await a.dispatch(request(app, incident, repository(app)))).toBe('sent');
    await back;
    await until(() => a.unrecordedPages === 0);
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['voice', 1, 'sent', 'CA1']]);
    expect(inc.timeline.filter((e) => e.type === 'notification_failed')).toEqual([]);
    expect(voice.pages).toHaveLength(1);
  }, 30_000);
});

describe('a claim taken over after an outage outlasting the lease', () => {
  const SID = `AC${'7'.repeat(32)}`;
  const TOKEN = 'test_auth_token_takeover';
  const FROM = '+15005550007';
  const twilio = new FakeTwilio({ accountSid: SID, authToken: TOKEN });
  let sms: TwilioSmsChannel;
  beforeAll(async () => {
    await twilio.start();
    const client = createTwilioClient({ accountSid: SID, authToken: TOKEN, from: FROM, apiUrl: twilio.url }, { timeoutMs: 15_000 });
    const messages = loadMessages(join(import.meta.dirname, '../../config'));
    sms = new TwilioSmsChannel({ client, from: FROM, publicUrl: 'https://tocsin.example.test', messages, logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
  });
  afterAll(() => twilio.stop());
  /** The SMS the loopback Twilio server took for Grace. */
  const texts = () => twilio.messages().filter((m) => m.form.To === grace.phone);

  it('the first sender writes its record within the grace: the replica that took the claim over sends nothing, and Grace gets one SMS', async () => {
    const { app, incident, voice, store, a } = await sentWhileRedisDown({ sms });
    expect(texts()).toHaveLength(1);
    expect(a.unrecordedPages).toBe(1);
    // replica B looks at the step after the lease and takes the claim over; Redis answers A again
    // only then, while A is in its pause between two writes: B's renewal comes before A's write
    // without the grace
    app.clock.advance(LEASE + 1_000);
    const taking = new FlakyRecords(repository(app), 0);
    const claim = taking.claim;
    taking.claim = async (...args) => {
      const r = await claim(...args);
      // taken over from A (the claim says from whom)
      expect(r).toMatchObject({ outcome: 'reclaimed', from: 'replica-a' });
      store.failures = 0;
      return r;
    };
    const b = dispatcher(app, voice, { sms, owner: 'replica-b', sleep: realSleep, takeoverGraceMs: takeoverGraceMs(app.container.config.daemon.redis) });
    expect(await b.dispatch(request(app, incident, taking))).toBe('held');
    expect(a.unrecordedPages).toBe(0);
    expect(texts()).toHaveLength(1);
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.attempt, n.status, n.providerId])).toEqual([['sms', 1, 'sent', expect.stringMatching(/^SM/)]]);
    // looked at again, it is settled: sent, nothing more goes
    expect(await b.dispatch(request(app, incident, repository(app)))).toBe('sent');
    expect(texts()).toHaveLength(1);
  }, 30_000);
});

describe('a page a throttle held, taken up by another replica once its wait is over', () => {
  const GRACE = 2_500;
  /** Someone the engine never pages for the incident: what the throttle counts for her is the test's. */
  const ada: Recipient = { ...grace, id: 'ada_test', name: 'Ada Test' };
  /** The real throttle on the test's Redis. */
  function throttle(app: TestApp): ThrottlePages {
    const store = new RedisThrottleRepository(app.container.redis, makeKeys(app.prefix, 'live'), 24 * 3_600_000);
    return new ThrottlePages({
      limits: throttleLimits(app.container.config.daemon.throttle),
      phases: new Set(['escalation']),
      gathered: new Set(),
      stores: { live: store, drill: store },
      leaseMs: LEASE,
      suppression: { check: async () => ({ kind: 'none' }) },
      metrics: createMetrics({ defaultMetrics: false }),
      logger: pino({ level: 'silent' }),
    });
  }

  /** Replica A calls Ada for tier 0, then holds tier 1's call (voice minGap 2m); returns when it may go. */
  async function heldByA(app: TestApp, incident: Incident, voice: VoiceChannel, t: ThrottlePages): Promise<number> {
    const a = dispatcher(app, voice, { throttle: t });
    let until = 0;
    const deferred = (u: number) => (until = u);
    expect(await a.dispatch(request(app, incident, repository(app), { recipient: ada, step: { key: 'blip-t0', tier: 0, phase: 'escalation', condition: 'unacknowledged', at: app.clock.now() }, deferred }))).toBe('sent');
    expect(await a.dispatch(request(app, incident, repository(app), { recipient: ada, deferred }))).toBe('held');
    expect(until).toBeGreaterThan(app.clock.now());
    return until;
  }

  it('goes when its wait is over, without the takeover grace: nobody was sending it', async () => {
    const { app, incident } = await started();
    const voice = new VoiceChannel();
    const t = throttle(app);
    const until = await heldByA(app, incident, voice, t);
    app.clock.advance(until - app.clock.now());
    const sleeps: number[] = [];
    const b = dispatcher(app, voice, { owner: 'replica-b', throttle: t, takeoverGraceMs: GRACE, sleep: async (ms) => void sleeps.push(ms) });
    const taking = new FlakyRecords(repository(app), 0);
    const claim = taking.claim;
    taking.claim = async (...args) => {
      const r = await claim(...args);
      expect(r).toMatchObject({ outcome: 'reclaimed', from: 'replica-a' });
      return r;
    };
    expect(await b.dispatch(request(app, incident, taking, { recipient: ada, deferred: () => {} }))).toBe('sent');
    expect(sleeps).toEqual([]);
    expect(voice.pages).toHaveLength(2);
    const inc = await shown(app, incident);
    expect(inc.notifications.map((n) => [n.channel, n.status, n.claimedBy, n.throttle])).toEqual([['voice', 'sent', 'replica-b', 'bundled']]);
  });

  it('taken over from a replica that took it up after its wait and was sending it: the grace is waited', async () => {
    const { app, incident } = await started();
    const voice = new VoiceChannel();
    const t = throttle(app);
    const until = await heldByA(app, incident, voice, t);
    app.clock.advance(until - app.clock.now());
    // replica B takes the page up, then nothing more is heard of it (its send may be on its way)
    const id = notificationId(incident.id, 'blip-t1', ada.id, 'voice', 1);
    const record = (await shown(app, incident)).notifications.find((n) => n.id === id) as StoredNotification;
    expect(await repository(app).claim(record, app.clock.now(), LEASE, 'replica-b')).toMatchObject({ outcome: 'reclaimed', from: 'replica-a' });
    app.clock.advance(LEASE + 1_000);
    const sleeps: number[] = [];
    const c = dispatcher(app, voice, { owner: 'replica-c', throttle: t, takeoverGraceMs: GRACE, sleep: async (ms) => void sleeps.push(ms) });
    expect(await c.dispatch(request(app, incident, repository(app), { recipient: ada, deferred: () => {} }))).toBe('sent');
    expect(sleeps).toEqual([GRACE]);
  });

  it('taken by a carrier that then went silent: whoever takes it over waits the grace', async () => {
    const { app, incident } = await started();
    const voice = new VoiceChannel();
    const t = throttle(app);
    const until = await heldByA(app, incident, voice, t);
    // a message to Ada carried it before its wait was over (the carrier's claim, as ThrottlePages.take writes it)
    const carriedAt = app.clock.now() + 1_000;
    const id = notificationId(incident.id, 'blip-t1', ada.id, 'voice', 1);
    expect(await t.storeFor(incident.id).fold(incident.id, id, { claimedBy: 'replica-c', claimedAtMs: carriedAt, takenAtMs: carriedAt }, '')).toBe(true);
    app.clock.advance(Math.max(until, carriedAt + LEASE) - app.clock.now());
    const sleeps: number[] = [];
    const b = dispatcher(app, voice, { owner: 'replica-b', throttle: t, takeoverGraceMs: GRACE, sleep: async (ms) => void sleeps.push(ms) });
    await b.dispatch(request(app, incident, repository(app), { recipient: ada, deferred: () => {} }));
    expect(sleeps).toEqual([GRACE]);
  });
});
