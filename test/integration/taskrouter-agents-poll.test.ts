/**
 * The TaskRouter agents poll end to end: the whole daemon reads each queue's RealTimeStatistics through
 * the real twilio SDK from a Twilio-compatible server on loopback (TWILIO_API_URL), judges the agents
 * logged in with the ACD agents check, and pages through the same server. Real Redis, a manual clock.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio, type FakeTaskQueue } from '../support/fake-twilio.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { replicas, type Replicas } from '../support/replicas.js';

const SID = `AC${'7'.repeat(32)}`;
const TOKEN = 'taskrouter_agents_token';
const WS = `WS${'a'.repeat(32)}`;
const SH = (hhmm: string) => Date.parse(`2026-11-23T${hhmm}:00+08:00`);
const NOON = SH('12:00');

/** The shipped configuration with workspace WS mapped to site hq. */
function config(): Config {
  const c = structuredClone(loadConfig('config')) as any;
  c.sources.taskrouter.sites = { [WS]: 'hq' };
  return c as Config;
}

const queue = (name: string, eligible: number, loggedIn: number, sid = `WQ${Buffer.from(name).toString('hex').padEnd(32, '0').slice(0, 32)}`): FakeTaskQueue => ({
  sid,
  friendlyName: name,
  eligible,
  activities: { Offline: eligible - loggedIn, Available: Math.min(loggedIn, 1), Busy: Math.max(0, loggedIn - 1) },
});

let fake: FakeTwilio;
let app: TestApp | undefined;
let set: Replicas | undefined;

beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await set?.stop();
  set = undefined;
  await fake.stop();
});

const env = (token = TOKEN) => channelEnv({ twilio: fake, sid: SID, token, from: '+15005550001' });
async function start(at = NOON, token = TOKEN): Promise<TestApp> {
  app = await startTestApp({ clock: new ManualClock(at), config: config(), env: env(token) });
  return app;
}

/** One poll at `at` (the engine then sends what is due): what the intake made of it, all-clears of nothing left out. */
async function poll(a: TestApp, at: number) {
  a.clock.set(at);
  const poller = a.container.taskQueueAgents;
  if (!poller) throw new Error('the agents poll is off');
  const results = await poller.run(at);
  await a.container.engine.tick(at);
  await a.container.engine.idle();
  return results.filter((r) => r.outcome.kind !== 'ignored').map((r) => `${r.event.member}=${r.outcome.kind}`);
}

const metrics = async (a: TestApp) => (await fetch(`${a.baseUrl}/metrics`)).text();
const incidents = async (a: TestApp) => (await a.request('GET', '/api/incidents?state=open')).body.incidents as any[];

describe('TaskRouter agents poll', () => {
  it('every worker of a queue going offline in business hours opens the agents collapse and pages; the workers back end it with the all-clear', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 20), queue('Support', 12, 10)]);
    const a = await start();
    expect(await poll(a, NOON)).toEqual([]); // calm: all-clears of nothing, not counted
    expect(fake.taskRouter().map((r) => `${r.method} ${r.resource}`)).toEqual(['GET TaskQueues', 'GET RealTimeStatistics', 'GET RealTimeStatistics']);
    expect(fake.taskRouter().every((r) => r.auth?.username === SID && r.url.startsWith(`/taskrouter.twilio.com/v1/Workspaces/${WS}/TaskQueues`))).toBe(true);

    // the agent app breaks: Sales' workers all drop to Offline
    fake.setTaskQueues(WS, [queue('Sales', 20, 0), queue('Support', 12, 10)]);
    expect(await poll(a, SH('12:01'))).toEqual(['acd:hq:Sales:agents=opened']);
    const [inc] = await incidents(a);
    expect(inc).toMatchObject({ class: 'app_network_acd', site: 'hq', state: 'open' });
    expect((await a.request('GET', `/api/incidents/${inc.id}`)).body.members).toEqual({
      'acd:hq:Sales:agents': expect.objectContaining({ source: 'taskrouter', status: 'firing', details: expect.objectContaining({ agentsLoggedIn: 0, floor: 5, workspaceSid: WS, taskQueueSid: expect.stringMatching(/^WQ/) }) }),
    });
    expect(fake.calls()).toHaveLength(1); // it_ops, voice
    expect(fake.messages()).toHaveLength(1); // shift_lead, SMS
    expect(await metrics(a)).toMatch(/tocsin_acd_agents_logged_in\{site="hq",queue="Sales"\} 0/);

    // still down a minute later: the same incident, nobody paged again
    expect(await poll(a, SH('12:02'))).toEqual(['acd:hq:Sales:agents=duplicate']);
    expect(fake.calls()).toHaveLength(1);

    // the workers log in again: resolved at once, like an ACD report back over the floor, and everyone paged hears
    fake.setTaskQueues(WS, [queue('Sales', 20, 18), queue('Support', 12, 10)]);
    expect(await poll(a, SH('12:10'))).toEqual(['acd:hq:Sales:agents=resolved']);
    const done = (await a.request('GET', `/api/incidents/${inc.id}`)).body;
    expect(done.state).toBe('resolved');
    expect(done.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => n.channel).sort()).toEqual(['sms', 'voice']);
    expect(await metrics(a)).toMatch(/tocsin_acd_agents_logged_in\{site="hq",queue="Sales"\} 18/);
  });

  it('outside business hours, and in the first minutes after opening, nobody logged in opens nothing', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0)]);
    const a = await start(SH('22:00'));
    expect(await poll(a, SH('22:00'))).toEqual([]);
    expect(await poll(a, SH('08:05'))).toEqual([]);
    expect(await incidents(a)).toEqual([]);
    expect(fake.calls().length + fake.messages().length).toBe(0);
    expect(fake.taskRouter().filter((r) => r.resource === 'RealTimeStatistics')).toHaveLength(2);
  });

  it('a queue with fewer eligible workers than the floor is not judged', async () => {
    fake.setTaskQueues(WS, [queue('Specialists', 3, 0)]);
    const a = await start();
    expect(await poll(a, NOON)).toEqual([]);
    expect(await incidents(a)).toEqual([]);
  });

  it('reads every page of the TaskQueues list', async () => {
    const many = Array.from({ length: 55 }, (_, i) => queue(`q${i}`, 10, 10));
    many[54] = queue('last', 10, 0);
    fake.setTaskQueues(WS, many);
    const a = await start();
    expect(await poll(a, NOON)).toEqual(['acd:hq:last:agents=opened']);
    expect(fake.taskRouter().filter((r) => r.resource === 'TaskQueues').length).toBeGreaterThan(1);
  });

  it('an API failure (5xx, a reset connection) is logged and counted, never crashes, and resolves nothing', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0), queue('Support', 12, 10)]);
    const a = await start();
    expect(await poll(a, NOON)).toEqual(['acd:hq:Sales:agents=opened']);
    const [inc] = await incidents(a);

    // the workers are back, but the API cannot say so: the collapse stays open
    fake.setTaskQueues(WS, [queue('Sales', 20, 20), queue('Support', 12, 10)]);
    fake.failNext(1, { status: 503, code: 20503 });
    expect(await poll(a, SH('12:01'))).toEqual([]);
    fake.failNext(1, { reset: true });
    expect(await poll(a, SH('12:02'))).toEqual([]);
    fake.failNext(2, { status: 500 }, 'RealTimeStatistics');
    expect(await poll(a, SH('12:03'))).toEqual([]);
    expect((await a.request('GET', `/api/incidents/${inc.id}`)).body.state).toBe('open');
    const text = await metrics(a);
    expect(text).toMatch(/tocsin_taskrouter_poll_failures_total\{reason="server"\} 3/);
    expect(text).toMatch(/tocsin_taskrouter_poll_failures_total\{reason="network"\} 1/);
    // the API answers again: the next poll ends it
    expect(await poll(a, SH('12:04'))).toEqual(['acd:hq:Sales:agents=resolved']);
  });

  it('a queue whose statistics fail is skipped this round; the others are judged', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0), queue('Support', 12, 0)]);
    const a = await start();
    fake.failNext(1, { status: 500 }, 'RealTimeStatistics');
    expect(await poll(a, NOON)).toEqual(['acd:hq:Support:agents=opened']);
    expect(await poll(a, SH('12:01'))).toEqual(['acd:hq:Sales:agents=merged', 'acd:hq:Support:agents=duplicate']);
  });

  it("a timeout or a lost connection ends the workspace's round: its other queues wait for the next poll", async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0), queue('Support', 12, 0)]);
    const a = await start();
    fake.failNext(1, { reset: true }, 'RealTimeStatistics');
    expect(await poll(a, NOON)).toEqual([]);
    expect(fake.taskRouter().filter((r) => r.resource === 'RealTimeStatistics')).toHaveLength(1);
    expect(await metrics(a)).toMatch(/tocsin_taskrouter_poll_failures_total\{reason="network"\} 1/);
    expect(await poll(a, SH('12:01'))).toEqual(['acd:hq:Sales:agents=opened', 'acd:hq:Support:agents=merged']);
  });

  it('a request waits taskrouter.timeout for the API, then counts as a timeout', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0), queue('Support', 12, 0)]);
    const c = config() as any;
    c.sources.taskrouter.timeout = 1_000;
    app = await startTestApp({ clock: new ManualClock(NOON), config: c, env: env() });
    fake.failNext(1, { hang: true }, 'RealTimeStatistics');
    const started = Date.now();
    expect(await poll(app, NOON)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000); // the configured 1 s, not the SDK's or a built-in 15 s
    expect(await metrics(app)).toMatch(/tocsin_taskrouter_poll_failures_total\{reason="timeout"\} 1/);
  });

  it('a wrong auth token is counted as auth, and opens nothing', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0)]);
    const a = await start(NOON, 'not_the_token');
    expect(await poll(a, NOON)).toEqual([]);
    expect(await metrics(a)).toMatch(/tocsin_taskrouter_poll_failures_total\{reason="auth"\} 1/);
    expect(await incidents(a)).toEqual([]);
  });

  it('a workspace TaskRouter does not know is counted as not_found, and opens nothing', async () => {
    const a = await start();
    expect(await poll(a, NOON)).toEqual([]);
    expect(await metrics(a)).toMatch(/tocsin_taskrouter_poll_failures_total\{reason="not_found"\} 1/);
    expect(await incidents(a)).toEqual([]);
  });

  it('several replicas poll each round once between them: one incident, one page, the API read once a round', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 1)]);
    set = replicas();
    const apps = await set.start(3, { clock: new ManualClock(NOON), config: config(), env: env() });
    const outcomes = (await Promise.all(apps.map((x) => x.container.taskQueueAgents?.run(NOON)))).flatMap((r) => (r ?? []).map((x) => x.outcome.kind)).sort();
    // one replica reads the API in a round (a list and one queue's statistics), not three
    expect(outcomes).toEqual(['opened']);
    expect(fake.taskRouter()).toHaveLength(2);
    // the next round is another replica's as much as anyone's: still one incident, one page
    const next = NOON + 60_000;
    const later = (await Promise.all(apps.map((x) => x.container.taskQueueAgents?.run(next)))).flatMap((r) => (r ?? []).map((x) => x.outcome.kind));
    expect(later).toEqual(['duplicate']);
    expect(fake.taskRouter()).toHaveLength(4);
    await Promise.all(apps.map((x) => x.container.engine.tick(NOON)));
    await Promise.all(apps.map((x) => x.container.engine.idle()));
    expect(await incidents(apps[0] as TestApp)).toHaveLength(1);
    expect(fake.calls()).toHaveLength(1);
    expect(fake.messages()).toHaveLength(1);
  });

  describe('on a sped-up or slowed-down clock (TOCSIN_CLOCK_SPEED shortens waits; the clock, the poll and the claim stay in real time)', () => {
    /** Three replicas at `speed`: each runs `at` (a replica's job runs every agentsPoll, 1m, whatever the speed). */
    async function threeAt(speed: number) {
      fake.setTaskQueues(WS, [queue('Sales', 20, 20)]);
      set = replicas();
      const c = structuredClone(loadConfig('config', { clockSpeed: speed })) as any;
      c.sources.taskrouter.sites = { [WS]: 'hq' };
      const apps = await set.start(3, { clock: new ManualClock(NOON), config: c as Config, env: { ...env(), TOCSIN_CLOCK_SPEED: String(speed) } });
      const reads = () => fake.taskRouter().filter((r) => r.resource === 'TaskQueues').length;
      const runAll = async (at: number, who = apps) => {
        const before = reads();
        await Promise.all(who.map((x) => x.container.taskQueueAgents?.run(at)));
        return reads() - before;
      };
      return { apps, runAll, prefix: set.prefix };
    }
    const claimTtl = async (prefix: string, at: number) => {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        return await redis.pttl(`${prefix}{live}:taskrouter-agents:${Math.floor(at / 60_000)}`);
      } finally {
        redis.disconnect();
      }
    };

    it('at speed 10, each minute is a round of its own, read once between the replicas', async () => {
      const { runAll } = await threeAt(10);
      expect(await runAll(NOON)).toBe(1);
      expect(await runAll(NOON + 30_000)).toBe(0);
      // a minute later is the next round (agentsPoll of the clock, not agentsPoll × speed)
      expect(await runAll(NOON + 60_000)).toBe(1);
      expect(await runAll(NOON + 2 * 60_000 + 5_000)).toBe(1);
    });

    it('at speed 0.5, a replica running half a minute after another is in the same round: the API is read once a minute, not once per replica', async () => {
      const { apps, runAll } = await threeAt(0.5);
      const [a1, a2, a3] = apps as [TestApp, TestApp, TestApp];
      expect(await runAll(NOON, [a1])).toBe(1);
      expect(await runAll(NOON + 30_000, [a2])).toBe(0);
      expect(await runAll(NOON + 45_000, [a3])).toBe(0);
      expect(await runAll(NOON + 60_000, [a2])).toBe(1);
    });

    it("a round's claim is kept until the round ends, and no longer", async () => {
      const { runAll, prefix } = await threeAt(10);
      const at = NOON + 45_000;
      expect(await runAll(at)).toBe(1);
      const ttl = await claimTtl(prefix, at);
      expect(ttl).toBeGreaterThan(14_000);
      expect(ttl).toBeLessThanOrEqual(15_000);
    });
  });

  it('a poll failing for taskrouter.blind.after opens one network_infosys incident and pages IT; the first poll that reads the workspace resolves it', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 20)]);
    const a = await start();
    const failing = async (at: number) => {
      fake.failNext(1, { status: 401, code: 20003 }, 'TaskQueues'); // the token revoked
      return poll(a, at);
    };
    // failing from 12:00: for 4 minutes only logged and counted
    for (const at of ['12:00', '12:01', '12:02', '12:03', '12:04']) expect(await failing(SH(at))).toEqual([]);
    expect(await incidents(a)).toEqual([]);
    expect(fake.calls().length + fake.messages().length).toBe(0);

    // 5 minutes of failures: the poll is blind, an incident of its own
    expect(await failing(SH('12:05'))).toEqual([`taskrouter:${WS}:poll=opened`]);
    const [inc] = await incidents(a);
    expect(inc).toMatchObject({ class: 'network_infosys', site: 'hq', level: 2, state: 'open', labels: { taskrouter: 'poll', workspace: WS } });
    expect(inc.summary).toBe(`TaskRouter agents poll failing for 5m for workspace ${WS} (hq; last failure: auth, HTTP 401): no TaskRouter queue's agents logged in are checked`);
    const pages = fake.calls().length + fake.messages().length;
    expect(pages).toBeGreaterThan(0); // it_ops
    expect((await a.request('GET', `/api/incidents/${inc.id}`)).body.members).toEqual({
      [`taskrouter:${WS}:poll`]: expect.objectContaining({ source: 'taskrouter', status: 'firing', details: expect.objectContaining({ workspaceSid: WS, reason: 'auth', httpStatus: 401, blindAfterSeconds: 300 }) }),
    });

    // still failing: nothing more, nobody paged again
    expect(await failing(SH('12:06'))).toEqual([]);
    expect(await failing(SH('12:07'))).toEqual([]);
    expect(fake.calls().length + fake.messages().length).toBe(pages);

    // the token is put right: the first poll that reads the workspace resolves it, with the all-clear
    expect(await poll(a, SH('12:08'))).toEqual([`taskrouter:${WS}:poll=resolved`]);
    const done = (await a.request('GET', `/api/incidents/${inc.id}`)).body;
    expect(done.state).toBe('resolved');
    expect(done.notifications.some((n: any) => n.phase === 'all_clear')).toBe(true);
    expect(await poll(a, SH('12:09'))).toEqual([]);

    // failing again later is a new run of failures: blind.after counts from its first round
    for (const at of ['13:00', '13:01', '13:02', '13:03', '13:04']) expect(await failing(SH(at))).toEqual([]);
    expect((await failing(SH('13:05'))).map((r) => r.replace(/=.*/, ''))).toEqual([`taskrouter:${WS}:poll`]);
  });

  it('a poll blind overnight opens nothing until business hours open, then opens at the first failed round, saying since when', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 20)]);
    const a = await start(SH('03:00'));
    const failing = async (at: number) => {
      fake.failNext(1, { status: 401, code: 20003 }, 'TaskQueues');
      return poll(a, at);
    };
    for (const at of ['03:00', '03:05', '03:10', '07:59']) expect(await failing(SH(at))).toEqual([]);
    expect(await incidents(a)).toEqual([]);
    expect(fake.calls().length + fake.messages().length).toBe(0);
    // 08:00, the centre opens: the poll is still blind, and has been since 03:00
    expect(await failing(SH('08:00'))).toEqual([`taskrouter:${WS}:poll=opened`]);
    expect((await incidents(a))[0].summary).toContain('failing for 5h for workspace');
    // with blind.during: always, the night's failures open it at 03:05
    await a.stop();
    const c = config() as any;
    c.sources.taskrouter.blind.during = 'always';
    app = await startTestApp({ clock: new ManualClock(SH('03:00')), config: c, env: env() });
    const failingAlways = async (at: number) => {
      fake.failNext(1, { status: 401, code: 20003 }, 'TaskQueues');
      return poll(app as TestApp, at);
    };
    expect(await failingAlways(SH('03:00'))).toEqual([]);
    expect(await failingAlways(SH('03:05'))).toEqual([`taskrouter:${WS}:poll=opened`]);
  });

  it('a round that reads one queue of the workspace is not blind; one whose every queue fails is', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 20), queue('Support', 12, 12)]);
    const c = config() as any;
    c.sources.taskrouter.blind.after = 60_000;
    app = await startTestApp({ clock: new ManualClock(NOON), config: c, env: env() });
    fake.failNext(1, { status: 500 }, 'RealTimeStatistics');
    expect(await poll(app, NOON)).toEqual([]);
    fake.failNext(1, { status: 500 }, 'RealTimeStatistics');
    expect(await poll(app, SH('12:01'))).toEqual([]); // Support read both times: not a run of failures
    fake.failNext(2, { status: 500 }, 'RealTimeStatistics');
    expect(await poll(app, SH('12:02'))).toEqual([]);
    fake.failNext(1, { reset: true }, 'RealTimeStatistics'); // the round ends at the lost connection
    expect(await poll(app, SH('12:03'))).toEqual([`taskrouter:${WS}:poll=opened`]);
    expect((await incidents(app))[0].summary).toContain('last failure: network)');
  });

  it('with blind.after 0 a failing poll opens nothing', async () => {
    const c = config() as any;
    c.sources.taskrouter.blind.after = 0;
    app = await startTestApp({ clock: new ManualClock(NOON), config: c, env: env('not_the_token') });
    for (let m = 0; m <= 30; m += 5) expect(await poll(app, NOON + m * 60_000)).toEqual([]);
    expect(await incidents(app)).toEqual([]);
  });

  it('several replicas watching a failing poll: one incident, one page, resolved once', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 20)]);
    set = replicas();
    const apps = await set.start(3, { clock: new ManualClock(NOON), config: config(), env: env() });
    const round = async (at: number, fail: boolean) => {
      if (fail) fake.failNext(1, { status: 503, code: 20503 }, 'TaskQueues'); // one replica reads the API a round
      const out = (await Promise.all(apps.map((x) => x.container.taskQueueAgents?.run(at)))).flatMap((r) => (r ?? []).map((x) => `${x.event.member}=${x.outcome.kind}`));
      await Promise.all(apps.map((x) => x.container.engine.tick(at)));
      await Promise.all(apps.map((x) => x.container.engine.idle()));
      return out.filter((o) => !o.endsWith('=ignored'));
    };
    for (let m = 0; m < 5; m++) expect(await round(NOON + m * 60_000, true)).toEqual([]);
    expect(await round(NOON + 5 * 60_000, true)).toEqual([`taskrouter:${WS}:poll=opened`]);
    expect(await round(NOON + 6 * 60_000, true)).toEqual([]);
    // each round read once between them
    expect(fake.taskRouter().filter((r) => r.resource === 'TaskQueues')).toHaveLength(7);
    const first = apps[0] as TestApp;
    expect((await incidents(first)).map((i) => i.class)).toEqual(['network_infosys']);
    const pages = fake.calls().length + fake.messages().length;
    expect(pages).toBe(1);
    expect(await round(NOON + 7 * 60_000, false)).toEqual([`taskrouter:${WS}:poll=resolved`]);
    expect(await round(NOON + 8 * 60_000, false)).toEqual([]);
    expect(await incidents(first)).toEqual([]);
  });

  it('is off without credentials, with agentsPoll 0, and with no workspace mapped', async () => {
    const plain = await startTestApp({ config: config() });
    expect(plain.container.taskQueueAgents).toBeUndefined();
    await plain.stop();
    const off = config() as any;
    off.sources.taskrouter.agentsPoll = 0;
    const zero = await startTestApp({ config: off, env: env() });
    expect(zero.container.taskQueueAgents).toBeUndefined();
    await zero.stop();
    const none = await startTestApp({ env: env() });
    expect(none.container.taskQueueAgents).toBeUndefined();
    await none.stop();
  });

  it('once started, the daemon polls every taskrouter.agentsPoll by itself', async () => {
    fake.setTaskQueues(WS, [queue('Sales', 20, 0)]);
    const c = config() as any;
    c.sources.taskrouter.agentsPoll = 50;
    app = await startTestApp({ clock: new ManualClock(NOON), config: c, env: env() });
    await app.container.start();
    const deadline = Date.now() + 5_000;
    while (fake.taskRouter().filter((r) => r.resource === 'RealTimeStatistics').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fake.taskRouter().filter((r) => r.resource === 'RealTimeStatistics').length).toBeGreaterThanOrEqual(2);
    expect((await incidents(app)).map((i) => i.class)).toEqual(['app_network_acd']);
  });
});
