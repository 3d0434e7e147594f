/**
 * The dead-man's switch through the real app, real Redis and a manual clock: a source that stops
 * reporting opens a network_infosys incident; its next report resolves it. Alertmanager's Watchdog
 * only feeds the heartbeat.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import type { HeartbeatsConfig } from '../../src/config/schema.js';
import { Heartbeats } from '../../src/app/heartbeats.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisHeartbeatStore } from '../../src/store/heartbeat-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { deleteByPrefix, randomPrefix } from '../support/redis.js';
import { replicas } from '../support/replicas.js';

const MIN = 60_000;
const shipped = loadConfig('config');

function withHeartbeats(patch: (h: HeartbeatsConfig) => Partial<HeartbeatsConfig>): Config {
  const h = shipped.sources.heartbeats;
  return { ...shipped, sources: { ...shipped.sources, heartbeats: { ...h, ...patch(h) } } };
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const incidents = async (a: TestApp, state?: string) => (await a.request('GET', `/api/incidents${state ? `?state=${state}` : ''}`)).body.incidents as any[];
const amBody = (alerts: { alertname: string; site?: string; status?: 'firing' | 'resolved' }[]) => ({
  version: '4',
  status: 'firing',
  receiver: 'tocsin',
  alerts: alerts.map((a) => ({
    status: a.status ?? 'firing',
    labels: { alertname: a.alertname, severity: 'none', ...(a.site ? { site: a.site } : {}) },
    annotations: {},
    startsAt: '2026-11-23T09:00:00Z',
  })),
});
/** Two replicas on one prefix and one clock, taken down and started again as a test needs (every replica down over a closing). */
function replicaPair(clock: ManualClock, prefix = randomPrefix()) {
  const apps: TestApp[] = [];
  const down = async () => {
    for (const x of apps.splice(0)) await x.stop({ keep: true });
  };
  return {
    async start() {
      const started = await Promise.all([startTestApp({ clock, prefix }), startTestApp({ clock, prefix })]);
      apps.push(...started);
      const [a, b] = started;
      if (!a || !b) throw new Error('two replicas expected');
      return [a, b] as const;
    },
    /** Every replica down; the keys stay. */
    down,
    /** Every replica down, and the prefix's keys deleted. */
    async remove() {
      await down();
      await deleteByPrefix(prefix);
    },
  };
}

/** One tick of each replica's engine, and every step it started run to the end. */
const engines = async (xs: readonly TestApp[], at: number) => {
  await Promise.all(xs.map((x) => x.container.engine.tick(at)));
  await Promise.all(xs.map((x) => x.container.engine.idle()));
};

/** The app's heartbeats with another intake in front of its own (one that fails when told to). */
const heartbeatsOver = (a: TestApp, ingest: Pick<TestApp['container']['ingest'], 'ingest'>) =>
  new Heartbeats({
    config: a.container.config.sources.heartbeats,
    businessHours: a.container.config.daemon.businessHours,
    store: new RedisHeartbeatStore(a.container.redis, makeKeys(a.prefix, 'live')),
    ingest,
    clock: a.clock,
    metrics: a.container.metrics,
    logger: a.container.logger,
  });
const lastSeenMetric = async (a: TestApp) => (await a.container.metrics.sourceLastSeen.get()).values.map((v) => ({ source: v.labels.source, value: v.value }));

describe('heartbeats', () => {
  it('Alertmanager Watchdog: never an incident itself; silent for 10m opens one; the next Watchdog resolves it', async () => {
    app = await startTestApp();
    const a = app;
    const res = await a.request('POST', '/webhooks/alertmanager', amBody([{ alertname: 'Watchdog' }]));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(0);
    expect(await incidents(a)).toEqual([]);
    expect(await lastSeenMetric(a)).toEqual([{ source: 'alertmanager', value: a.clock.now() / 1000 }]);

    a.clock.advance(9 * MIN);
    expect(await a.container.heartbeats.check()).toEqual([]);
    expect(await incidents(a)).toEqual([]);

    a.clock.advance(MIN);
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:alertmanager:default']);
    const [open] = await incidents(a, 'open');
    expect(open).toMatchObject({ class: 'network_infosys', site: 'default', level: 2, state: 'open', summary: 'Alertmanager Watchdog silent for 10m (default)' });
    expect(open.labels).toMatchObject({ heartbeat: 'alertmanager', key: 'default' });

    // looked at again while still silent: the same incident, nothing new
    a.clock.advance(5 * MIN);
    expect(await a.container.heartbeats.check()).toEqual([]);
    expect(await incidents(a)).toHaveLength(1);

    a.clock.advance(MIN);
    await a.request('POST', '/webhooks/alertmanager', amBody([{ alertname: 'Watchdog' }]));
    const back = (await a.request('GET', `/api/incidents/${open.id}`)).body;
    expect(back.state).toBe('resolved');
    expect(back.resolvedAt).toBe(new Date(a.clock.now()).toISOString());
    expect(await incidents(a, 'open')).toEqual([]);
  });

  it('a webhook with the Watchdog and a real alert: only the real alert becomes an incident; a resolved Watchdog is no beat', async () => {
    app = await startTestApp();
    const a = app;
    const res = await a.request('POST', '/webhooks/alertmanager', amBody([{ alertname: 'Watchdog', site: 'hq' }, { alertname: 'UpsOnBattery', site: 'hq' }]));
    expect(res.body.accepted).toBe(1);
    const all = await incidents(a);
    expect(all.map((i) => i.class)).toEqual(['power']);

    a.clock.advance(20 * MIN);
    await a.request('POST', '/webhooks/alertmanager', amBody([{ alertname: 'Watchdog', site: 'hq', status: 'resolved' }]));
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:alertmanager:hq']);
    expect((await incidents(a)).map((i) => i.summary).sort()).toEqual(['Alertmanager Watchdog silent for 10m (hq)', 'UpsOnBattery']);
  });

  it('a UPS poller that goes quiet for 5m opens an incident per device; its next post resolves it', async () => {
    app = await startTestApp();
    const a = app;
    const post = (device: string) => a.request('POST', '/webhooks/ups', { device, site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 100 } });
    expect((await post('ups1')).status).toBe(200);
    expect((await post('ups2@nut-host:3493')).status).toBe(200);
    a.clock.advance(3 * MIN);
    await post('ups2');
    a.clock.advance(2 * MIN);
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:ups:hq/ups1']);
    const [inc] = await incidents(a, 'open');
    expect(inc).toMatchObject({ class: 'network_infosys', site: 'hq', summary: 'UPS poller for ups1 silent for 5m (hq)' });

    a.clock.advance(30_000);
    await post('ups1');
    expect((await a.request('GET', `/api/incidents/${inc.id}`)).body.state).toBe('resolved');
    expect((await lastSeenMetric(a)).map((m) => m.source)).toEqual(['ups']);
  });

  it("upsmon's notifications are no poller's beat: a site with upsmon only gets no 'poller silent' incident", async () => {
    app = await startTestApp();
    const a = app;
    const notify = (event: string) => a.request('POST', '/webhooks/ups', { device: 'ups1@nut-host:3493', site: 'um', event, reporter: 'upsmon' });
    expect((await notify('ONBATT')).status).toBe(200);
    a.clock.advance(1 * MIN);
    expect((await notify('ONLINE')).status).toBe(200);
    a.clock.advance(30 * MIN);
    expect(await a.container.heartbeats.check()).toEqual([]);
    expect((await incidents(a)).filter((i) => i.class === 'network_infosys')).toEqual([]);
    expect(await lastSeenMetric(a)).toEqual([]);
  });

  it('upsmon notifications do not hide a dead poller: only ups-poll reports (or posts with variables) keep its watch', async () => {
    app = await startTestApp();
    const a = app;
    const polled = await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 100 }, reporter: 'ups-poll' });
    expect(polled.status).toBe(200);
    // the poller dies; upsmon keeps telling of changes
    for (const event of ['ONBATT', 'ONLINE', 'ONBATT', 'ONLINE']) {
      a.clock.advance(90_000);
      expect((await a.request('POST', '/webhooks/ups', { device: 'ups1@127.0.0.1:3493', site: 'hq', event, reporter: 'upsmon' })).status).toBe(200);
    }
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:ups:hq/ups1']);
    // the poller's COMMBAD (it could not read the UPS) is a beat: the poller itself is alive
    expect((await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'COMMBAD', reporter: 'ups-poll' })).status).toBe(200);
    const silent = (await incidents(a)).find((i) => i.class === 'network_infosys');
    expect((await a.request('GET', `/api/incidents/${silent.id}`)).body.state).toBe('resolved');
    expect((await a.request('POST', '/webhooks/ups', { device: 'ups1', event: 'ONLINE', reporter: 'someone' })).status).toBe(422);
  });

  it('a refused report is no beat: a 422 UPS or ACD body neither starts a watch nor keeps one alive', async () => {
    app = await startTestApp();
    const a = app;
    const ups = await a.request('POST', '/webhooks/ups', { device: 'ups9', vars: { 'ups.status': 'OL', 'battery.charge': 150 } });
    expect(ups.status).toBe(422);
    const acd = await a.request('POST', '/webhooks/acd', { site: 'hq', queue: 'vip', metrics: { service_level: 7 } });
    expect(acd.status).toBe(422);
    expect(await lastSeenMetric(a)).toEqual([]);
    a.clock.advance(60 * MIN);
    expect(await a.container.heartbeats.check()).toEqual([]);
    expect(await incidents(a)).toEqual([]);

    // a watched poller whose posts are now refused is silent all the same
    expect((await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 100 } })).status).toBe(200);
    a.clock.advance(3 * MIN);
    expect((await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OL', 'battery.charge': 'full' } })).status).toBe(422);
    a.clock.advance(2 * MIN);
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:ups:hq/ups1']);
  });

  it('an expected ACD feed that never reports opens an incident missingAfter after start-up; unseen feeds are not watched', async () => {
    app = await startTestApp({ config: withHeartbeats((h) => ({ acd: { ...h.acd, expected: ['hq/main'] } })) });
    const a = app;
    expect(await a.container.heartbeats.check()).toEqual([]);
    a.clock.advance(30 * MIN);
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:acd:hq/main']);
    const [inc] = await incidents(a, 'open');
    expect(inc.summary).toBe('ACD feed for queue main silent for 30m (hq)');

    const res = await a.request('POST', '/webhooks/acd', { site: 'hq', metrics: { calls_waiting: 2 } });
    expect(res.status).toBe(200);
    expect((await a.request('GET', `/api/incidents/${inc.id}`)).body.state).toBe('resolved');
    expect(await incidents(a)).toHaveLength(1); // a feed never seen (hq/vip) is not watched
  });

  it('on a sped-up clock the wait is shorter, and the summary still says the planned 10m', async () => {
    app = await startTestApp({ config: loadConfig('config', { clockSpeed: 60 }) });
    const a = app;
    expect((await a.request('POST', '/webhooks/alertmanager', amBody([{ alertname: 'Watchdog' }]))).status).toBe(200);
    a.clock.advance(10_000); // 10m / 60
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:alertmanager:default']);
    const [open] = await incidents(a, 'open');
    expect(open.summary).toBe('Alertmanager Watchdog silent for 10m (default)');
  });

  it('a disabled source is not watched', async () => {
    app = await startTestApp({ config: withHeartbeats((h) => ({ ups: { ...h.ups, enabled: false } })) });
    const a = app;
    await a.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OL' } });
    a.clock.advance(60 * MIN);
    expect(await a.container.heartbeats.check()).toEqual([]);
    expect(await incidents(a)).toEqual([]);
  });
});

describe('heartbeats that follow business hours (the ACD feed, as shipped; Shanghai 08:00-20:00)', () => {
  const SH = (day: string, hhmm: string) => Date.parse(`2026-12-${day}T${hhmm}+08:00`);
  const acd = (a: TestApp, queue: string) => a.request('POST', '/webhooks/acd', { site: 'hq', queue, metrics: { calls_waiting: 1 } });

  it('an ACD that stops posting at closing is no alarm at night; the watch starts over at opening, with openingGrace for the first report', async () => {
    app = await startTestApp({ clock: new ManualClock(SH('05', '19:58')) });
    const a = app;
    expect((await acd(a, 'main')).status).toBe(200);
    expect((await acd(a, 'vip')).status).toBe(200);
    expect((await a.request('POST', '/webhooks/alertmanager', amBody([{ alertname: 'Watchdog', site: 'hq' }]))).status).toBe(200);

    // the night: only the source watched always is missed
    a.clock.set(SH('05', '20:40'));
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:alertmanager:hq']);
    for (const t of ['05T23:59', '06T03:00', '06T07:59']) {
      a.clock.set(Date.parse(`2026-12-${t}:00+08:00`));
      expect(await a.container.heartbeats.check()).toEqual([]);
    }
    // the opening: the first report may take openingGrace (30m); vip reports in time, main does not
    a.clock.set(SH('06', '08:10'));
    expect((await acd(a, 'vip')).status).toBe(200);
    a.clock.set(SH('06', '08:29:59'));
    expect(await a.container.heartbeats.check()).toEqual([]);
    a.clock.set(SH('06', '08:30'));
    expect(await a.container.heartbeats.check()).toEqual(['heartbeat:acd:hq/main']);
    const feeds = (await incidents(a, 'open')).filter((i) => i.labels.heartbeat === 'acd');
    expect(feeds.map((i) => i.summary)).toEqual(['ACD feed for queue main silent since business hours opened at 08:00 (hq)']);
    expect(feeds[0].details).toMatchObject({ lastSeen: new Date(SH('05', '19:58')).toISOString(), sinceOpening: '08:00' });
    // as shipped: the ACD feed follows business hours, the others are watched always
    expect(shipped.sources.heartbeats.acd).toMatchObject({ during: 'business_hours', openingGrace: 30 * MIN });
    expect(shipped.sources.heartbeats.alertmanager.during).toBe('always');
  });

  it('a feed-silent incident still open at closing ends then, once on two replicas, with the all-clear to those paged', async () => {
    const clock = new ManualClock(SH('05', '18:00'));
    const r = replicas();
    try {
      const [a, b] = await r.start(2, { clock });
      if (!a || !b) throw new Error('two replicas expected');
      const both = async (at: number) => {
        clock.set(at);
        return (await Promise.all([a.container.heartbeats.check(at), b.container.heartbeats.check(at)])).flat();
      };
      const engines = async (at: number) => {
        await Promise.all([a.container.engine.tick(at), b.container.engine.tick(at)]);
        await Promise.all([a.container.engine.idle(), b.container.engine.idle()]);
      };
      expect((await acd(a, 'main')).status).toBe(200);
      expect(await both(SH('05', '18:30'))).toEqual(['heartbeat:acd:hq/main']);
      const [open] = await incidents(a, 'open');
      await engines(SH('05', '18:30'));
      const paged = (await a.request('GET', `/api/incidents/${open.id}`)).body.notifications.filter((n: any) => n.phase === 'page');
      expect(paged.length).toBeGreaterThan(0);

      expect(await both(SH('05', '20:00'))).toEqual([]);
      await engines(SH('05', '20:00'));
      const ended = (await b.request('GET', `/api/incidents/${open.id}`)).body;
      expect(ended).toMatchObject({ state: 'resolved', resolvedBy: 'source:heartbeat', resolvedAt: new Date(SH('05', '20:00')).toISOString() });
      expect(ended.members['heartbeat:acd:hq/main']).toMatchObject({ status: 'resolved', details: { businessHours: false, endedAtClosing: true } });
      expect(ended.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
      const clears = ended.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => `${n.person}/${n.channel}`);
      expect(clears.length).toBeGreaterThan(0);
      expect(new Set(clears).size).toBe(clears.length);
      expect(new Set(ended.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => n.person))).toEqual(new Set(paged.map((n: any) => n.person)));

      // the night stays quiet; a feed still dead the next morning is paged again once the grace has passed
      expect(await both(SH('05', '23:00'))).toEqual([]);
      expect(await both(SH('06', '08:29'))).toEqual([]);
      expect(await both(SH('06', '08:30'))).toEqual(['heartbeat:acd:hq/main']);
      const again = await incidents(a, 'open');
      expect(again).toHaveLength(1);
      expect(again[0].id).not.toBe(open.id);
    } finally {
      await r.stop();
    }
  });

  it('a silence open over a closing every replica missed ends at the first check back, once on two; after hours a check takes off only the marks there are', async () => {
    const clock = new ManualClock(SH('05', '18:00'));
    const pair = replicaPair(clock);
    try {
      const [a, b] = await pair.start();
      expect((await acd(a, 'main')).status).toBe(200);
      expect((await acd(a, 'vip')).status).toBe(200);
      expect((await acd(a, 'night')).status).toBe(200);
      clock.set(SH('05', '18:20'));
      expect((await acd(b, 'vip')).status).toBe(200);
      expect((await acd(b, 'night')).status).toBe(200);
      clock.set(SH('05', '18:30'));
      expect((await Promise.all([a.container.heartbeats.check(), b.container.heartbeats.check()])).flat()).toEqual(['heartbeat:acd:hq/main']);
      const [open] = await incidents(a, 'open');
      await Promise.all([a.container.engine.tick(clock.now()), b.container.engine.tick(clock.now())]);
      await Promise.all([a.container.engine.idle(), b.container.engine.idle()]);
      const paged = (await a.request('GET', `/api/incidents/${open.id}`)).body.notifications.filter((n: any) => n.phase === 'page');
      expect(paged.length).toBeGreaterThan(0);

      // every replica is down from 19:00 to 22:00: nothing looked at the feeds at closing
      clock.set(SH('05', '19:00'));
      await pair.down();
      clock.set(SH('05', '22:00'));
      const [c, d] = await pair.start();
      // writes to the marks: a script call on the set of members marked missing
      const srem = [vi.spyOn(c.container.redis, 'evalsha'), vi.spyOn(d.container.redis, 'evalsha')];
      const sremCalls = () => srem.reduce((n, s) => n + s.mock.calls.filter((call) => call.some((x) => String(x).endsWith('heartbeat:missing'))).length, 0);
      expect((await Promise.all([c.container.heartbeats.check(), d.container.heartbeats.check()])).flat()).toEqual([]);
      // the one mark there is, tried at most once by each replica (not once per feed)
      expect(sremCalls()).toBeGreaterThan(0);
      expect(sremCalls()).toBeLessThanOrEqual(2);
      await Promise.all([c.container.engine.tick(clock.now()), d.container.engine.tick(clock.now())]);
      await Promise.all([c.container.engine.idle(), d.container.engine.idle()]);
      const ended = (await d.request('GET', `/api/incidents/${open.id}`)).body;
      expect(ended).toMatchObject({ state: 'resolved', resolvedBy: 'source:heartbeat', resolvedAt: new Date(SH('05', '22:00')).toISOString() });
      expect(ended.members['heartbeat:acd:hq/main']).toMatchObject({ status: 'resolved', details: { businessHours: false, endedAtClosing: true } });
      expect(ended.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
      const clears = ended.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => `${n.person}/${n.channel}`);
      expect(clears.length).toBeGreaterThan(0);
      expect(new Set(clears).size).toBe(clears.length);

      // nothing marked: the night's checks write nothing, however many feeds are watched
      srem.forEach((s) => s.mockClear());
      for (const t of ['05T23:00', '06T03:00', '06T07:59']) {
        clock.set(Date.parse(`2026-12-${t}:00+08:00`));
        expect((await Promise.all([c.container.heartbeats.check(), d.container.heartbeats.check()])).flat()).toEqual([]);
      }
      expect(sremCalls()).toBe(0);
      expect(await incidents(c, 'open')).toEqual([]);
    } finally {
      await pair.remove();
    }
  });

  it('back at night after every replica was down at closing, the engine ends the silence before any step of it: no level climbs, nobody new is paged', async () => {
    const clock = new ManualClock(SH('05', '18:00'));
    const pair = replicaPair(clock);
    try {
      const [a, b] = await pair.start();
      expect((await acd(a, 'main')).status).toBe(200);
      clock.set(SH('05', '18:30'));
      expect(await a.container.heartbeats.check()).toEqual(['heartbeat:acd:hq/main']);
      await engines([a, b], clock.now());
      const [open] = await incidents(a, 'open');
      const paged = (await a.request('GET', `/api/incidents/${open.id}`)).body.notifications.map((n: any) => `${n.phase}/${n.person}`);
      expect(paged.length).toBeGreaterThan(0);
      await pair.down();

      // 22:00: the replicas are back; their engines tick at once, before the first heartbeat check
      clock.set(SH('05', '22:00'));
      const [c, d] = await pair.start();
      await engines([c, d], clock.now());
      const ended = (await c.request('GET', `/api/incidents/${open.id}`)).body;
      expect(ended).toMatchObject({ state: 'resolved', level: 2, resolvedBy: 'source:heartbeat', resolvedAt: new Date(SH('05', '22:00')).toISOString() });
      expect(ended.members['heartbeat:acd:hq/main']).toMatchObject({ status: 'resolved', details: { endedAtClosing: true } });
      expect(ended.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
      expect(ended.timeline.filter((e: any) => e.type === 'level_raised')).toEqual([]);
      const told = ended.notifications.map((n: any) => `${n.phase}/${n.person}`);
      expect(told.filter((t: string) => !t.startsWith('all_clear/')).sort()).toEqual([...paged].sort());
      expect(told.filter((t: string) => t.startsWith('all_clear/')).sort()).toEqual(paged.map((p: string) => p.replace(/^page\//, 'all_clear/')).sort());
      // the checks that follow find nothing left to end
      expect((await Promise.all([c.container.heartbeats.check(), d.container.heartbeats.check()])).flat()).toEqual([]);
      await engines([c, d], clock.now());
      expect((await c.request('GET', `/api/incidents/${open.id}`)).body.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
    } finally {
      await pair.remove();
    }
  });

  describe('every replica down from before closing until after the next opening', () => {
    let pair: ReturnType<typeof replicaPair> | undefined;
    afterEach(async () => {
      await pair?.remove();
      pair = undefined;
    });
    const start = (clock: ManualClock) => (pair ??= replicaPair(clock)).start();
    const checks = async (xs: readonly TestApp[], at: number) => (await Promise.all(xs.map((x) => x.container.heartbeats.check(at)))).flat();
    const pages = (inc: any) => inc.notifications.filter((n: any) => n.phase === 'page').map((n: any) => `${n.person}/${n.channel}`);
    /** The feed silent from 18:00, its incident opened and paged at 18:30; every replica down from 19:00. */
    const silentThenDown = async (clock: ManualClock) => {
      const [a, b] = await start(clock);
      expect((await acd(a, 'main')).status).toBe(200);
      clock.set(SH('05', '18:30'));
      expect(await checks([a, b], clock.now())).toEqual(['heartbeat:acd:hq/main']);
      await engines([a, b], clock.now());
      const [open] = await incidents(a, 'open');
      const paged = pages((await a.request('GET', `/api/incidents/${open.id}`)).body);
      expect(paged.length).toBeGreaterThan(0);
      clock.set(SH('05', '19:00'));
      await pair?.down();
      return { open, paged };
    };
    const endedAtClosing = async (x: TestApp, id: string, at: number, paged: string[]) => {
      const ended = (await x.request('GET', `/api/incidents/${id}`)).body;
      expect(ended).toMatchObject({ state: 'resolved', resolvedBy: 'source:heartbeat', resolvedAt: new Date(at).toISOString() });
      expect(ended.members['heartbeat:acd:hq/main']).toMatchObject({ status: 'resolved', details: { businessHours: false, endedAtClosing: true } });
      expect(ended.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
      expect(ended.timeline.filter((e: any) => e.type === 'level_raised')).toEqual([]);
      const clears = ended.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => `${n.person}/${n.channel}`);
      expect([...clears].sort()).toEqual([...paged].sort());
      expect(pages(ended)).toEqual(paged);
    };

    it('back at 10:00 with the feed still silent: yesterday’s silence ends once with the all-clear, and today’s opens and is paged once', async () => {
      const clock = new ManualClock(SH('05', '18:00'));
      const { open, paged } = await silentThenDown(clock);

      clock.set(SH('06', '10:00'));
      const back = await start(clock);
      // the engines tick at once, before the first check; then the checks
      await engines(back, clock.now());
      await checks(back, clock.now());
      await engines(back, clock.now());
      await endedAtClosing(back[1], open.id, SH('06', '10:00'), paged);
      const today = await incidents(back[0], 'open');
      expect(today).toHaveLength(1);
      const [fresh] = today;
      expect(fresh.id).not.toBe(open.id);
      expect(fresh.summary).toBe('ACD feed for queue main silent since business hours opened at 08:00 (hq)');
      expect(fresh.details).toMatchObject({ lastSeen: new Date(SH('05', '18:00')).toISOString(), sinceOpening: '08:00' });
      const freshPages = pages((await back[0].request('GET', `/api/incidents/${fresh.id}`)).body);
      expect(freshPages.length).toBeGreaterThan(0);
      expect(new Set(freshPages).size).toBe(freshPages.length);

      // looked at again by both: nothing more is ended, opened or paged
      expect(await checks(back, clock.now())).toEqual([]);
      await engines(back, clock.now());
      expect((await incidents(back[1])).map((i) => i.id).sort()).toEqual([open.id, fresh.id].sort());
      await endedAtClosing(back[0], open.id, SH('06', '10:00'), paged);
      expect(pages((await back[1].request('GET', `/api/incidents/${fresh.id}`)).body)).toEqual(freshPages);
      // today's silence is today's: the feed's report resolves it as back
      clock.set(SH('06', '10:05'));
      expect((await acd(back[1], 'main')).status).toBe(200);
      const resolved = (await back[0].request('GET', `/api/incidents/${fresh.id}`)).body;
      expect(resolved.state).toBe('resolved');
      expect(resolved.members['heartbeat:acd:hq/main'].details.endedAtClosing).toBeUndefined();
    });

    it('back at 08:05 and checked only by the heartbeat job: yesterday’s ends at the first check, today’s opens after the grace', async () => {
      const clock = new ManualClock(SH('05', '18:00'));
      const { open, paged } = await silentThenDown(clock);

      clock.set(SH('06', '08:05'));
      const back = await start(clock);
      expect(await checks(back, clock.now())).toEqual([]);
      await engines(back, clock.now());
      await endedAtClosing(back[0], open.id, SH('06', '08:05'), paged);
      expect(await incidents(back[0], 'open')).toEqual([]);
      expect(await checks(back, SH('06', '08:29'))).toEqual([]);
      expect(await checks(back, SH('06', '08:30'))).toEqual(['heartbeat:acd:hq/main']);
      const today = await incidents(back[1], 'open');
      expect(today.map((i) => i.summary)).toEqual(['ACD feed for queue main silent since business hours opened at 08:00 (hq)']);
    });

    it('back in the morning and the feed reports at 08:10: yesterday’s silence ends with the all-clear of closing, nothing new opens', async () => {
      const clock = new ManualClock(SH('05', '18:00'));
      const { open, paged } = await silentThenDown(clock);

      clock.set(SH('06', '08:10'));
      const back = await start(clock);
      // the report comes before any check or engine look
      expect((await acd(back[0], 'main')).status).toBe(200);
      await engines(back, clock.now());
      expect(await checks(back, clock.now())).toEqual([]);
      await endedAtClosing(back[1], open.id, SH('06', '08:10'), paged);
      for (const t of ['08:30', '08:40', '10:00']) {
        clock.set(SH('06', t));
        expect((await acd(back[1], 'main')).status).toBe(200);
        expect(await checks(back, clock.now())).toEqual([]);
        await engines(back, clock.now());
      }
      expect(await incidents(back[0], 'open')).toEqual([]);
      expect(await incidents(back[0])).toHaveLength(1);
    });

    it('a mark left by a daemon from before marks carried their time: read as of today, neither ended nor paged again', async () => {
      const clock = new ManualClock(SH('05', '18:00'));
      const { open } = await silentThenDown(clock);
      // what an older daemon leaves in Redis: the member in the set of marks, no time beside it
      const [probe] = await start(clock);
      const keys = makeKeys(probe.prefix, 'live');
      expect(await probe.container.redis.hdel(keys.custom('heartbeat:marked-at'), 'heartbeat:acd:hq/main')).toBe(1);
      expect(await probe.container.redis.sismember(keys.custom('heartbeat:missing'), 'heartbeat:acd:hq/main')).toBe(1);
      await pair?.down();

      clock.set(SH('06', '10:00'));
      const back = await start(clock);
      await engines(back, clock.now());
      expect(await checks(back, clock.now())).toEqual([]);
      await engines(back, clock.now());
      const still = (await back[0].request('GET', `/api/incidents/${open.id}`)).body;
      expect(still.state).not.toBe('resolved');
      expect((await incidents(back[0])).map((i) => i.id)).toEqual([open.id]);
      // it now counts from today: the closing ends it
      clock.set(SH('06', '20:00'));
      expect(await checks(back, clock.now())).toEqual([]);
      expect((await back[1].request('GET', `/api/incidents/${open.id}`)).body).toMatchObject({ state: 'resolved', resolvedBy: 'source:heartbeat' });
    });
  });

  it('ending a silence of yesterday that fails puts its mark back as it was: the next look ends it and opens today’s', async () => {
    app = await startTestApp({ clock: new ManualClock(SH('05', '18:00')) });
    const a = app;
    const c = a.container;
    let failNext = false;
    let failFiring = false;
    const ingest: Pick<typeof c.ingest, 'ingest'> = {
      ingest: (events, o) => {
        const firing = events.some((e) => e.status === 'firing');
        if (!failNext && !(failFiring && firing)) return c.ingest.ingest(events, o);
        if (failFiring && firing) failFiring = false;
        else failNext = false;
        return Promise.reject(new Error('Redis went away'));
      },
    };
    const hb = heartbeatsOver(a, ingest);
    const beat = { source: 'acd', key: 'hq/main' } as const;
    await hb.observe(beat);
    a.clock.set(SH('05', '18:30'));
    expect(await hb.check()).toEqual(['heartbeat:acd:hq/main']);
    const [open] = await incidents(a, 'open');
    // nothing looked from 19:00 until 10:00 the next day
    a.clock.set(SH('06', '10:00'));
    failNext = true;
    await expect(hb.check()).rejects.toThrow('Redis went away');
    expect((await incidents(a, 'open')).map((i) => i.id)).toEqual([open.id]);
    expect(await hb.check()).toEqual(['heartbeat:acd:hq/main']);
    const ended = (await a.request('GET', `/api/incidents/${open.id}`)).body;
    expect(ended.members['heartbeat:acd:hq/main']).toMatchObject({ status: 'resolved', details: { endedAtClosing: true } });
    const today = await incidents(a, 'open');
    expect(today).toHaveLength(1);
    expect(today[0].id).not.toBe(open.id);
    expect(await hb.check()).toEqual([]);

    // the next night alike, but the opening of the new day's incident fails: the old mark goes back,
    // and the next look opens a new incident (not the one just ended, reopened)
    a.clock.set(SH('07', '10:00'));
    failFiring = true;
    await expect(hb.check()).rejects.toThrow('Redis went away');
    expect(await incidents(a, 'open')).toEqual([]);
    expect(await hb.check()).toEqual(['heartbeat:acd:hq/main']);
    const third = await incidents(a, 'open');
    expect(third).toHaveLength(1);
    expect([open.id, today[0].id]).not.toContain(third[0].id);
    const second = (await a.request('GET', `/api/incidents/${today[0].id}`)).body;
    expect(second).toMatchObject({ state: 'resolved', reopenCount: 0 });
    expect(second.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
  });

  it('an incident step that fails puts the mark back: the silence opens at the next check, and the return resolves it at the next report', async () => {
    app = await startTestApp();
    const a = app;
    const c = a.container;
    let failNext = false;
    const ingest: Pick<typeof c.ingest, 'ingest'> = {
      ingest: (events, o) => {
        if (!failNext) return c.ingest.ingest(events, o);
        failNext = false;
        return Promise.reject(new Error('Redis went away'));
      },
    };
    const hb = heartbeatsOver(a, ingest);
    const beat = { source: 'alertmanager', key: 'default' } as const;
    await hb.observe(beat);
    a.clock.advance(10 * MIN);
    failNext = true;
    await expect(hb.check()).rejects.toThrow('Redis went away');
    expect(await incidents(a)).toEqual([]);
    // marked missing but never opened would have paged nobody, for good
    expect(await hb.check()).toEqual(['heartbeat:alertmanager:default']);
    expect(await incidents(a, 'open')).toHaveLength(1);

    failNext = true;
    await expect(hb.observe(beat)).rejects.toThrow('Redis went away');
    expect(await incidents(a, 'open')).toHaveLength(1);
    // its mark taken off but the incident never ended would have stayed open for good
    await hb.observe(beat);
    expect(await incidents(a, 'open')).toEqual([]);
  });
});
