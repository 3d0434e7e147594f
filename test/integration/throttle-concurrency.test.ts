/**
 * Many pages for one person decided at the same moment by one daemon (a storm of critical incidents
 * opened by one webhook): the throttle still holds to its rules — the person's first critical call
 * goes at once and the rest wait out the minimum gap, then go folded into one call — instead of
 * each page losing the check-and-record to its siblings until it went out unthrottled. Pages no
 * throttle holds back are only counted, side by side: they do not wait their turn behind each other.
 * A notice counted (or its count taken back) while a page is being decided makes that page decide again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RosterOnCall } from '../../src/app/roster-on-call.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisThrottleRepository } from '../../src/store/throttle-repository.js';
import { startTestApp, type TestApp } from '../support/app.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

let app: TestApp | undefined;

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** `n` fire alarms, one building each: `n` security incidents (level 4, critical) in one body. */
function fireAlarms(n: number) {
  const alerts = Array.from({ length: n }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'FireAlarm', class: 'security', site: `bldg${i}`, severity: 'critical' },
    annotations: { summary: `Fire alarm, building ${i}` },
    startsAt: new Date(T0).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: `fire${String(i).padStart(12, '0')}`,
  }));
  return { version: '4', groupKey: '{}:{alertname="FireAlarm"}', truncatedAlerts: 0, status: 'firing', receiver: 'tocsin', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts };
}

describe('throttles under concurrency', () => {
  it('20 fire alarms at once: the supervisor gets one call, then one call carrying the other 19 after the minimum gap', async () => {
    app = await startTestApp({ clock: new ManualClock(T0) });
    const a = app;
    const person = (await new RosterOnCall(a.container.config.roster, { list: async () => [] }).resolve('supervisor', T0)).people[0]?.id;
    expect(person).toBeDefined();
    const gap = a.container.config.daemon.throttle.perChannel.voice.minGap;

    expect((await a.request('POST', '/webhooks/alertmanager', fireAlarms(20))).status).toBe(200);
    await a.container.engine.idle();
    const calls = async () => {
      const list = (await a.request('GET', '/api/incidents?state=open')).body.incidents as any[];
      expect(list).toHaveLength(20);
      return list.flatMap((i) => (i.notifications as any[]).filter((n) => n.person === person && n.channel === 'voice' && n.tier === 0));
    };
    const sent = (ns: any[]) => ns.filter((n) => n.status === 'logged' && !n.bundledInto);

    let mine = await calls();
    expect(mine).toHaveLength(20);
    expect(sent(mine)).toHaveLength(1);
    const waiting = mine.filter((n) => n.status === 'planned');
    expect(waiting).toHaveLength(19);
    for (const n of waiting) expect(n.deferredUntil).toBeLessThanOrEqual(T0 + gap);

    a.clock.set(T0 + gap);
    await a.container.engine.tick(T0 + gap);
    await a.container.engine.idle();
    mine = await calls();
    expect(mine.every((n) => n.status === 'logged')).toBe(true);
    expect(sent(mine)).toHaveLength(2);
    const carrier = sent(mine).find((n) => Date.parse(n.at) === T0 + gap);
    expect(mine.filter((n) => n.bundledInto)).toHaveLength(18);
    expect(mine.filter((n) => n.bundledInto).every((n) => n.bundledInto === carrier?.id)).toBe(true);
  });

  it('pages no throttle holds back (throttle.phases: []) are counted side by side, each still counted, none held', async () => {
    const shipped = loadConfig('config');
    const config = { ...shipped, daemon: { ...shipped.daemon, throttle: { ...shipped.daemon.throttle, phases: [] } } } as Config;
    app = await startTestApp({ clock: new ManualClock(T0), config });
    const a = app;
    const person = (await new RosterOnCall(a.container.config.roster, { list: async () => [] }).resolve('supervisor', T0)).people[0]?.id;
    expect(person).toBeDefined();

    // how many counts for the supervisor are on their way to Redis at once, at most
    let inFlight = 0;
    let most = 0;
    const forced = RedisThrottleRepository.prototype.recordForced;
    const spy = vi.spyOn(RedisThrottleRepository.prototype, 'recordForced').mockImplementation(async function (this: RedisThrottleRepository, ...args) {
      const mine = args[0] === person;
      if (mine) most = Math.max(most, ++inFlight);
      try {
        return await forced.apply(this, args);
      } finally {
        if (mine) inFlight--;
      }
    });
    try {
      expect((await a.request('POST', '/webhooks/alertmanager', fireAlarms(20))).status).toBe(200);
      await a.container.engine.idle();
    } finally {
      spy.mockRestore();
    }
    const list = (await a.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    const calls = list.flatMap((i) => (i.notifications as any[]).filter((n) => n.person === person && n.channel === 'voice' && n.tier === 0));
    expect(calls).toHaveLength(20);
    expect(calls.every((n) => n.status === 'logged' && !n.bundledInto)).toBe(true);
    // one after another, there would never be more than one on its way
    expect(most).toBeGreaterThan(1);
    // every one of them counted: the throttle's record of sends to the person holds all 20 calls
    // (and the 20 e-mails that go beside them at level 4)
    const store = new RedisThrottleRepository(a.container.redis, makeKeys(a.env.redisPrefix, 'live'), 24 * 60 * 60_000);
    const sent = (await store.history(person ?? '', 'voice', T0)).sent;
    expect(sent.filter((m) => m.channel === 'voice')).toHaveLength(20);
    expect(sent.filter((m) => m.channel === 'email')).toHaveLength(20);
  });

  it('a notice counted while a page to the person is being decided makes the page decide again, and so does taking the count back', async () => {
    app = await startTestApp({ clock: new ManualClock(T0) });
    const store = new RedisThrottleRepository(app.container.redis, makeKeys(app.env.redisPrefix, 'live'), 24 * 60 * 60_000);
    const page = { incidentId: 'inc1', notificationId: 'n1' };
    const notice = 'handover:shift_lead:2026-11-24T00:00:00.000Z:ana_costa';

    // a page's decision reads the person's messages (none), then the notice is counted before it commits
    const seen = await store.history('ana_costa', 'sms', T0);
    expect(seen.sent).toEqual([]);
    expect(await store.recordOnce('ana_costa', 'sms', notice, T0)).toBe(true);
    expect(await store.recordSend('ana_costa', 'sms', 'n1', T0, seen.version, false)).toEqual({ ok: false });
    expect(await store.unchanged('ana_costa', 'sms', T0, seen.version)).toBe(false);
    // a second count of the notice is none, and keeps the first one's time
    const counted = await store.history('ana_costa', 'sms', T0 + 5_000);
    expect(counted.sent).toEqual([{ channel: 'sms', at: T0 }]);
    expect(await store.recordOnce('ana_costa', 'sms', notice, T0 + 5_000)).toBe(false);
    expect(await store.unchanged('ana_costa', 'sms', T0 + 5_000, counted.version)).toBe(true);
    expect((await store.history('ana_costa', 'sms', T0 + 5_000)).sent).toEqual([{ channel: 'sms', at: T0 }]);

    // decided on the count (held back by it), the page decides again once the count is taken back
    expect(await store.forget('ana_costa', 'sms', notice, T0 + 5_000)).toBe(true);
    expect(await store.enqueue('ana_costa', 'sms', page, T0 + 5_000, counted.version)).toBe(false);
    expect((await store.history('ana_costa', 'sms', T0 + 5_000)).sent).toEqual([]);
    expect(await store.forget('ana_costa', 'sms', notice, T0 + 5_000)).toBe(false);
  });
});
