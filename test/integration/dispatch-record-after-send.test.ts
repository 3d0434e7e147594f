/**
 * A page the provider took is never sent again because Redis failed right after: the store write of
 * its `sent` record is no channel failure. Real Redis (the shared one, and a private redis-server
 * stopped right after the send), channel doubles, a store double failing a given number of times.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionLinks } from '../../src/app/action-links.js';
import { DispatchNotification, type DispatchRequest } from '../../src/app/dispatch-notification.js';
import { TocsinError } from '../../src/domain/errors.js';
import type { NotificationStore, StoredNotification, TimelineNote } from '../../src/domain/escalation-ports.js';
import type { ChannelKind, Incident } from '../../src/domain/incident.js';
import type { Channel, Page, Recipient, SendResult } from '../../src/domain/ports.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { reconnectDelay } from '../../src/store/redis.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { startTestApp, type TestApp } from '../support/app.js';
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

/** The real store, its writes of a sent record (the first `update`, then `recordSent`) failing `failures` times as a Redis down would. */
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
    if (patch.status === 'sent') this.fail();
    return this.real.update(incidentId, id, patch, owner, note);
  }
  async recordSent(incidentId: string, id: string, patch: Partial<StoredNotification>, note?: TimelineNote): Promise<boolean> {
    this.fail();
    return this.real.recordSent(incidentId, id, patch, note);
  }
  private fail(): void {
    if (this.failures <= 0) return;
    this.failures--;
    throw new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', 'Redis is unavailable; retry later');
  }
}

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

function dispatcher(app: TestApp, voice: Channel, o: { owner?: string; logger?: Logger; sleep?: (ms: number) => Promise<void> } = {}): DispatchNotification {
  return new DispatchNotification({
    channels: { voice, sms: new VoiceChannel() },
    channelsFor: () => ['voice', 'sms'],
    retry: { attempts: 3, backoff: [2_000, 10_000] },
    leaseMs: LEASE,
    codeTtlMs: 60_000,
    links,
    now: () => app.clock.now(),
    sleep: o.sleep ?? (async () => {}),
    storeRetry: reconnectDelay,
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
    const { app, incident } = await started();
    const { logger, lines } = captureLogger();
    const voice = new VoiceChannel();
    const store = new FlakyRecords(repository(app), 1_000);
    const a = dispatcher(app, voice, { logger, sleep: realSleep });
    expect(await a.dispatch(request(app, incident, store))).toBe('sent');
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
    const { app, incident } = await started();
    const voice = new VoiceChannel();
    const store = new FlakyRecords(repository(app), 1_000);
    const a = dispatcher(app, voice, { sleep: realSleep });
    expect(await a.dispatch(request(app, incident, store))).toBe('sent');
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

  it('a process stopping before Redis answers logs each page it sent and could not record, with its provider id', async () => {
    const { app, incident } = await started();
    const { logger, lines } = captureLogger();
    const store = new FlakyRecords(repository(app), 1_000);
    const a = dispatcher(app, new VoiceChannel(), { logger, sleep: realSleep });
    expect(await a.dispatch(request(app, incident, store))).toBe('sent');
    a.stop();
    expect(lines.find((l) => l.msg === 'stopping with a sent page not recorded (Redis unavailable): once its lease runs out it is sent again')).toMatchObject({ level: 'error', providerId: 'CA1' });
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
