/**
 * Per-destination throttles through the whole daemon on real Redis (log-mode channels, a manual
 * clock): a storm pages each person a bounded number of times with bundles, a critical page still
 * goes while the person is throttled, the daily cap suppresses on the record, and two engines on one
 * Redis keep one limit.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RosterOnCall } from '../../src/app/roster-on-call.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { deleteByPrefix, randomPrefix } from '../support/redis.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

let apps: TestApp[] = [];
let prefix = '';

afterEach(async () => {
  for (const a of apps) await a.stop({ keep: true });
  apps = [];
  if (prefix) await deleteByPrefix(prefix);
});

async function start(n = 1, config?: Config, env?: Record<string, string>): Promise<TestApp[]> {
  prefix = randomPrefix();
  for (let i = 0; i < n; i++) apps.push(await startTestApp({ prefix, clock: new ManualClock(T0), ...(config ? { config } : {}), ...(env ? { env } : {}) }));
  return apps;
}

/** `n` network alerts for one site in one Alertmanager body (one incident each: they group per alert). */
function storm(from: number, n: number, site = 'hq') {
  const alerts = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      status: 'firing',
      labels: { alertname: `CrmNodeDown${i}`, class: 'network_infosys', site, severity: 'warning', instance: `crm${i}:9100` },
      annotations: { summary: `CRM node ${i} unreachable` },
      startsAt: new Date(T0).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: `f${String(i).padStart(15, '0')}`,
    };
  });
  return { version: '4', groupKey: '{}:{site="hq"}', truncatedAlerts: 0, status: 'firing', receiver: 'tocsin', groupLabels: { site }, commonLabels: { site }, commonAnnotations: {}, externalURL: 'http://alertmanager:9093', alerts };
}

/** The same alerts, resolved at `at`. */
function over(from: number, n: number, at: number) {
  const body = storm(from, n);
  return { ...body, status: 'resolved', alerts: body.alerts.map((a) => ({ ...a, status: 'resolved', endsAt: new Date(at).toISOString() })) };
}

async function onDuty(app: TestApp, role: string): Promise<string> {
  const r = await new RosterOnCall(app.container.config.roster, { list: async () => [] }).resolve(role, T0);
  const p = r.people[0];
  if (!p) throw new Error(`nobody holds ${role}`);
  return p.id;
}

async function incidents(app: TestApp): Promise<any[]> {
  const list = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
  return Promise.all(list.map(async (i) => (await app.request('GET', `/api/incidents/${i.id}`)).body));
}

/** Every notification to `person` across the open incidents. */
async function notificationsOf(app: TestApp, person: string): Promise<any[]> {
  return (await incidents(app)).flatMap((i) => (i.notifications as any[]).filter((n) => n.person === person).map((n) => ({ ...n, incident: i.id, level: i.level, timeline: i.timeline })));
}

/** Messages that actually went out (logged in log mode), not counting the pages folded into them. */
const messages = (ns: any[]) => ns.filter((n) => (n.status === 'logged' || n.status === 'sent') && !n.bundledInto);

async function tickAll(at: number): Promise<void> {
  for (const a of apps) a.clock.set(at);
  await Promise.all(apps.map((a) => a.container.engine.tick(at)));
  await Promise.all(apps.map((a) => a.container.engine.idle()));
}

async function metric(app: TestApp, line: string): Promise<number> {
  const text = String((await app.request('GET', '/metrics')).body);
  const row = text.split('\n').find((l) => l.startsWith(line));
  return row ? Number(row.slice(line.length).trim()) : 0;
}

const CAPPED_SID = `AC${'4'.repeat(32)}`;

/**
 * Two replicas with a daily cap of 3: the shift lead (david_kim) has been told of his cover (an e-mail,
 * which counts) and had two calls by 10:02 (hvac at hq and the annex), so the depot's level-2 call to
 * him at 10:02:20 is cancelled at the cap; `climb()`
 * raises the depot to level 3 at 10:02:40. `inhibit` adds inhibition rules.
 */
async function cappedDepot(fake: FakeTwilio, inhibit: readonly unknown[] = []) {
  const shipped = loadConfig('config');
  const config = { ...shipped, daemon: { ...shipped.daemon, inhibit: [...shipped.daemon.inhibit, ...inhibit], throttle: { ...shipped.daemon.throttle, dailyCap: 3 } } } as Config;
  const [app] = (await start(2, config, { TWILIO_ACCOUNT_SID: CAPPED_SID, TWILIO_AUTH_TOKEN: 'capped_token', TWILIO_FROM: '+15005550001', TWILIO_API_URL: fake.url })) as [TestApp, TestApp];
  expect((await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'david_kim', until: new Date(T0 + 120 * MIN).toISOString(), reason: 'cover' })).status).toBe(201);
  await app.container.handover.idle();
  const toDavid = () => fake.calls().filter((c) => c.form.To === '+15555550109');
  const hvac = (site: string, severity: string) => ({
    version: '4', groupKey: `{}:{site="${site}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'tocsin', groupLabels: { site }, commonLabels: { site }, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
    alerts: [{ status: 'firing', labels: { alertname: 'HallTooWarm', class: 'hvac', site, severity }, annotations: { summary: `hall too warm at ${site}` }, startsAt: new Date(T0).toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `hvac${site.padStart(12, '0')}` }],
  });
  await app.request('POST', '/webhooks/alertmanager', hvac('hq', 'warning'));
  await app.container.engine.idle();
  app.clock.set(T0 + 30_000);
  await app.request('POST', '/webhooks/alertmanager', hvac('annex', 'warning'));
  await app.container.engine.idle();
  await tickAll(T0 + 2 * MIN);
  expect(toDavid()).toHaveLength(2);
  app.clock.set(T0 + 2 * MIN + 20_000);
  const id = (await app.request('POST', '/webhooks/alertmanager', hvac('depot', 'warning'))).body.results[0].incident as string;
  await app.container.engine.idle();
  const inc = async () => (await app.request('GET', `/api/incidents/${id}`)).body;
  const depotCall = async () => ((await inc()).notifications as any[]).find((n) => n.person === 'david_kim' && n.channel === 'voice' && n.phase === 'page');
  // over the cap, the call waits for the depot's other pages due with it: the supervisor's (under
  // the cap) waits for its own gap, so at the next look the cap holds and the call is cancelled
  expect(await depotCall()).toMatchObject({ status: 'planned', limit: 'daily_cap', deferredUntil: T0 + 2 * MIN + 20_000 });
  await tickAll(T0 + 2 * MIN + 20_000);
  expect(await depotCall()).toMatchObject({ status: 'cancelled', reason: 'throttled', limit: 'daily_cap' });
  const climb = async () => {
    app.clock.set(T0 + 2 * MIN + 40_000);
    expect((await app.request('POST', '/webhooks/alertmanager', hvac('depot', 'critical'))).body.results[0]).toMatchObject({ incident: id });
    expect((await inc()).level).toBe(3);
    await app.container.engine.idle();
  };
  return { app, id, inc, depotCall, toDavid, climb };
}

const LI_SID = `AC${'5'.repeat(32)}`;

/**
 * Two replicas with a daily cap of 2 and a 10-minute gap between two SMS to one person: the shift lead
 * (li_qiang) had a call refused for good and an SMS at 10:00 for the air-conditioning at hq (hvac calls
 * the shift lead alone, and e-mails the supervisor), so the depot's level-2 call at 10:00:20 is
 * cancelled at the cap (the supervisor's e-mail tells of the depot); at 10:00:40 the depot climbs to
 * level 3 and the call comes back, waiting until 10:02.
 */
async function cappedLi(fake: FakeTwilio) {
  const shipped = loadConfig('config');
  const t = shipped.daemon.throttle;
  const hvacClass = shipped.playbooks.classes.hvac!;
  const tiers = [hvacClass.tiers[0]!, { ...hvacClass.tiers[1]!, channels: ['email' as const] }];
  const playbooks = { ...shipped.playbooks, classes: { ...shipped.playbooks.classes, hvac: { ...hvacClass, tiers } } };
  const config = { ...shipped, playbooks, daemon: { ...shipped.daemon, throttle: { ...t, dailyCap: 3, perChannel: { ...t.perChannel, sms: { ...t.perChannel.sms, minGap: 10 * MIN } } } } } as Config;
  const env = { TWILIO_ACCOUNT_SID: LI_SID, TWILIO_AUTH_TOKEN: 'failover_token', TWILIO_FROM: '+15005550001', TWILIO_API_URL: fake.url };
  const [app] = (await start(2, config, env)) as [TestApp, TestApp];
  // the shift lead, Li Qiang, is reached by call, then by SMS; he took over at 09:45
  for (const a of apps) a.clock.set(T0 - 15 * MIN);
  expect((await app.request('POST', '/api/overrides', { role: 'shift_lead', person: 'li_qiang', until: new Date(T0 + 120 * MIN).toISOString(), reason: 'cover' })).status).toBe(201);
  const phone = '+15555550111';
  const callsToLi = () => fake.calls().filter((c) => c.form.To === phone);
  const smsToLi = () => fake.messages().filter((c) => c.form.To === phone);
  const hvac = (site: string, severity: string) => ({
    version: '4', groupKey: `{}:{site="${site}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'tocsin', groupLabels: { site }, commonLabels: { site }, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
    alerts: [{ status: 'firing', labels: { alertname: 'HallTooWarm', class: 'hvac', site, severity }, annotations: { summary: `hall too warm at ${site}` }, startsAt: new Date(T0).toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `hvac${site.padStart(12, '0')}` }],
  });
  // both sides of the handover are told by SMS first: Li's counts toward his daily cap, and its SMS gap is over by 10:00
  await vi.waitFor(() => expect(fake.messages()).toHaveLength(2));
  for (const a of apps) a.clock.set(T0);
  // hq: the call to Li is refused for good, the SMS goes at 10:00: the daily cap (3) is reached
  fake.failNext(1, { status: 400, code: 21211, message: 'invalid To number' });
  await app.request('POST', '/webhooks/alertmanager', hvac('hq', 'warning'));
  await app.container.engine.idle();
  expect(callsToLi()).toHaveLength(1);
  expect(smsToLi()).toHaveLength(2);

  // the depot at level 2: over the cap, its call waits for the supervisor's e-mail, then is cancelled
  app.clock.set(T0 + 20_000);
  const id = (await app.request('POST', '/webhooks/alertmanager', hvac('depot', 'warning'))).body.results[0].incident as string;
  await app.container.engine.idle();
  await tickAll(T0 + 20_000);
  // read through whichever replica runs (a restart replaces them)
  const inc = async () => (await (apps[0] as TestApp).request('GET', `/api/incidents/${id}`)).body;
  const pagesToLi = async () => ((await inc()).notifications as any[]).filter((n) => n.person === 'li_qiang' && n.phase === 'page');
  expect(await pagesToLi()).toEqual([expect.objectContaining({ channel: 'voice', status: 'cancelled', limit: 'daily_cap' })]);

  // level 3: the call comes back, waiting for the bundle window after the last call (10:00 + 2 min)
  app.clock.set(T0 + 40_000);
  await app.request('POST', '/webhooks/alertmanager', hvac('depot', 'critical'));
  await app.container.engine.idle();
  expect((await pagesToLi()).find((n) => n.channel === 'voice')).toMatchObject({ status: 'planned', deferredUntil: T0 + 2 * MIN, reinstated: expect.any(String) });
  /** Stops every replica (their Redis state kept) and starts one with `changed` config, its clock at `at`. */
  const restart = async (at: number, changed: Config = config): Promise<TestApp> => {
    for (const a of apps) await a.stop({ keep: true });
    apps = [await startTestApp({ prefix, clock: new ManualClock(at), config: changed, env })];
    return apps[0] as TestApp;
  };
  return { config, inc, pagesToLi, callsToLi, smsToLi, restart };
}

describe('throttles and bundling', () => {
  it('a storm of 20 incidents for one site pages the on-call person twice: once, then one bundle carrying the rest', async () => {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    const r = await app.request('POST', '/webhooks/alertmanager', storm(0, 20));
    expect(r.status).toBe(200);
    await app.container.engine.idle();

    let mine = await notificationsOf(app, person);
    expect(mine).toHaveLength(20);
    expect(mine.every((n) => n.level < 4)).toBe(true);
    expect(messages(mine)).toHaveLength(1);
    const waiting = mine.filter((n) => n.status === 'planned');
    expect(waiting).toHaveLength(19);
    // the voice gap is 2m and so is the bundle window: they wait exactly that long, on the record
    expect(new Set(waiting.map((n) => n.deferredUntil))).toEqual(new Set([T0 + 2 * MIN]));
    for (const n of waiting) expect((n.timeline as any[]).some((e) => e.type === 'notification_deferred' && e.reason === 'bundled' && e.person === person)).toBe(true);

    await tickAll(T0 + 1 * MIN);
    expect(messages(await notificationsOf(app, person))).toHaveLength(1);

    await tickAll(T0 + 2 * MIN);
    mine = await notificationsOf(app, person);
    const sent = messages(mine);
    expect(sent).toHaveLength(2);
    const carrier = sent.find((n) => Date.parse(n.at) === T0 + 2 * MIN);
    expect(carrier).toBeDefined();
    const bundled = mine.filter((n) => n.bundledInto);
    expect(bundled).toHaveLength(18);
    expect(bundled.every((n) => n.bundledInto === carrier.id && n.status === 'logged')).toBe(true);
    // every incident's page reached the person, and each timeline says by which message
    expect(mine.every((n) => n.status === 'logged')).toBe(true);
    for (const n of bundled) expect((n.timeline as any[]).some((e) => e.type === 'notified' && e.notification === n.id && e.bundledInto === carrier.id)).toBe(true);
    // and the step of every incident it carried is complete as it goes, not at the incident's next planned look
    // (by then its level may have risen, and the step would be paged again on the new level's channels)
    for (const i of await incidents(app)) expect((i.timeline as any[]).some((e: any) => e.type === 'tier_reached' && e.tier === 0), i.id).toBe(true);

    // later ticks send nothing more, and every step is done
    await tickAll(T0 + 5 * MIN);
    expect(messages(await notificationsOf(app, person))).toHaveLength(2);
    expect((await incidents(app)).every((i) => i.tier === 0 && (i.timeline as any[]).some((e: any) => e.type === 'tier_reached'))).toBe(true);
    expect(await metric(app, 'tocsin_notifications_suppressed_total{reason="bundled"}')).toBe(18);
  });

  it('records the pages a message carried before the message itself, so that the wait for replicas on its record covers them', async () => {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    expect((await app.request('POST', '/webhooks/alertmanager', storm(0, 20))).status).toBe(200);
    await app.container.engine.idle();

    // at the moment each message's own record is written, how many pages already say they went in it
    const carriedAtRecord = new Map<string, number>();
    const recordSent = RedisNotificationRepository.prototype.recordSent;
    const spy = vi.spyOn(RedisNotificationRepository.prototype, 'recordSent').mockImplementation(async function (this: RedisNotificationRepository, incidentId, id, patch, owner, note) {
      if (patch.status === 'logged' && !(patch as { bundledInto?: string }).bundledInto) {
        carriedAtRecord.set(id, (await notificationsOf(app, person)).filter((n) => n.bundledInto === id && n.status === 'logged').length);
      }
      return recordSent.call(this, incidentId, id, patch, owner, note);
    });
    try {
      await tickAll(T0 + 2 * MIN);
    } finally {
      spy.mockRestore();
    }
    const carrier = messages(await notificationsOf(app, person)).find((n) => Date.parse(n.at) === T0 + 2 * MIN);
    expect(carrier).toBeDefined();
    expect(carriedAtRecord.get(carrier.id)).toBe(18);
  });

  it('through Twilio, the person hears one call, then one call that names every incident still waiting', async () => {
    const SID = `AC${'2'.repeat(32)}`;
    const fake = await new FakeTwilio({ accountSid: SID, authToken: 'throttle_token' }).start();
    try {
      const [app] = (await start(1, undefined, { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'throttle_token', TWILIO_FROM: '+15005550001', TWILIO_API_URL: fake.url })) as [TestApp];
      const o = await app.request('POST', '/api/overrides', { role: 'it_ops', person: 'omar_haddad', until: new Date(T0 + 60 * MIN).toISOString(), reason: 'English-speaking cover' });
      expect(o.status).toBe(201);
      await app.request('POST', '/webhooks/alertmanager', storm(0, 5));
      await app.container.engine.idle();
      const toOmar = () => fake.calls().filter((c) => c.form.To === '+15555550103');
      expect(toOmar()).toHaveLength(1);
      expect(String(toOmar()[0]?.form.Twiml)).not.toContain('incidents open');

      await tickAll(T0 + 2 * MIN);
      const calls = toOmar();
      expect(calls).toHaveLength(2);
      const said = String(calls[1]?.form.Twiml);
      expect(said).toContain('4 incidents open: Network or information-system failure (hq); Network or information-system failure (hq)');
      const mine = await notificationsOf(app, 'omar_haddad');
      expect(mine.filter((n) => n.status === 'sent' && !n.bundledInto)).toHaveLength(2);
      expect(mine.filter((n) => n.bundledInto && n.status === 'sent')).toHaveLength(3);
    } finally {
      await fake.stop();
    }
  });

  it('a level-5 power page goes out while the person is throttled, delayed at most the minimum gap', async () => {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    await app.request('POST', '/webhooks/alertmanager', storm(0, 6));
    await app.container.engine.idle();
    await tickAll(T0 + 2 * MIN); // the bundle goes: the person was just called
    await tickAll(T0 + 2 * MIN + 30_000);

    const opened = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'battery low, runtime under generator start time', level: 5 });
    expect(opened.status).toBe(201);
    await app.container.engine.idle();
    const power = async () => (await app.request('GET', `/api/incidents/${opened.body.id}`)).body;
    let inc = await power();
    let pages = (inc.notifications as any[]).filter((n) => n.person === person);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.some((n) => n.status === 'cancelled')).toBe(false);
    // level 4 and above: the e-mail goes in parallel at once; the call waits out the 2-minute gap only
    expect(pages.some((n) => n.channel === 'email' && n.status === 'logged')).toBe(true);
    const call = pages.find((n) => n.channel === 'voice');
    expect(call.status).toBe('planned');
    expect(call.deferredUntil).toBe(T0 + 4 * MIN);
    expect(call.deferredUntil - (T0 + 2 * MIN + 30_000)).toBeLessThanOrEqual(app.container.config.daemon.throttle.perChannel.voice.minGap);

    await tickAll(T0 + 4 * MIN);
    inc = await power();
    pages = (inc.notifications as any[]).filter((n) => n.person === person && n.channel === 'voice');
    const first = pages.find((n) => n.id === call.id);
    expect(first.status).toBe('logged');
    expect(first.bundledInto).toBeUndefined();
    expect((inc.timeline as any[]).some((e) => e.type === 'notified' && e.notification === call.id && e.status === 'logged')).toBe(true);
    // its own second tier (everyone up to director) pages the same person again after another gap: never dropped
    await tickAll(T0 + 6 * MIN);
    pages = ((await power()).notifications as any[]).filter((n) => n.person === person && n.channel === 'voice');
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.every((n) => n.status === 'logged')).toBe(true);
  });

  it('a power outage at level 3 is critical by its class: its call waits out the minimum gap, not the 15-minute count', async () => {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    await app.request('POST', '/webhooks/alertmanager', storm(0, 3));
    await app.container.engine.idle();
    await tickAll(T0 + 2 * MIN); // the second call: the bundle
    app.clock.set(T0 + 2 * MIN + 30_000);
    await app.request('POST', '/webhooks/alertmanager', storm(100, 1));
    await app.container.engine.idle();
    await tickAll(T0 + 4 * MIN); // the third call in 15 minutes: the count (3) is used up
    const calls = messages(await notificationsOf(app, person)).filter((n) => n.channel === 'voice');
    expect(calls).toHaveLength(3);

    app.clock.set(T0 + 5 * MIN);
    const opened = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'UPS on battery', level: 3 });
    expect(opened.status).toBe(201);
    await app.container.engine.idle();
    const power = async () => ((await app.request('GET', `/api/incidents/${opened.body.id}`)).body.notifications as any[]).find((n) => n.person === person && n.channel === 'voice');
    const call = await power();
    expect(call.status).toBe('planned');
    // the minimum gap after the last call (10:04 + 2 min), not 15 minutes after the first
    expect(call.deferredUntil).toBe(T0 + 6 * MIN);
    await tickAll(T0 + 6 * MIN);
    expect((await power()).status).toBe('logged');
  });

  it('a call held for the 15-minute count goes within the bundle window once its incident climbs to the prompt level, once', async () => {
    const SID = `AC${'3'.repeat(32)}`;
    const fake = await new FakeTwilio({ accountSid: SID, authToken: 'climb_token' }).start();
    try {
      const [app] = (await start(1, undefined, { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'climb_token', TWILIO_FROM: '+15005550001', TWILIO_API_URL: fake.url })) as [TestApp];
      expect((await app.request('POST', '/api/overrides', { role: 'it_ops', person: 'omar_haddad', until: new Date(T0 + 120 * MIN).toISOString(), reason: 'cover' })).status).toBe(201);
      const toOmar = () => fake.calls().filter((c) => c.form.To === '+15555550103');
      await app.request('POST', '/webhooks/alertmanager', storm(0, 3));
      await app.container.engine.idle();
      await tickAll(T0 + 2 * MIN); // the second call: the bundle
      app.clock.set(T0 + 2 * MIN + 30_000);
      await app.request('POST', '/webhooks/alertmanager', storm(100, 1));
      await app.container.engine.idle();
      await tickAll(T0 + 4 * MIN); // the third call in 15 minutes: the count (3) is used up
      expect(toOmar()).toHaveLength(3);

      // a level-2 failure at the depot: its call waits for the count, until 15 minutes after the first call
      app.clock.set(T0 + 5 * MIN);
      const depotAlert = (severity: string) => {
        const body = storm(500, 1, 'depot');
        const [a] = body.alerts;
        return { ...body, alerts: [{ ...a, labels: { ...a!.labels, severity } }] };
      };
      const first = await app.request('POST', '/webhooks/alertmanager', depotAlert('warning'));
      const opened = { body: { id: first.body.results[0].incident as string } };
      await app.container.engine.idle();
      const inc = async () => (await app.request('GET', `/api/incidents/${opened.body.id}`)).body;
      const heldCall = async () => ((await inc()).notifications as any[]).find((n) => n.person === 'omar_haddad' && n.channel === 'voice' && n.phase === 'page');
      expect(await heldCall()).toMatchObject({ status: 'planned', deferredUntil: T0 + 15 * MIN, limit: 'per_15m' });

      // 30 s later the whole depot is down: the incident climbs to level 3 (throttle.promptLevel)
      app.clock.set(T0 + 5 * MIN + 30_000);
      const raised = await app.request('POST', '/webhooks/alertmanager', depotAlert('critical'));
      expect(raised.body.results[0]).toMatchObject({ incident: opened.body.id });
      expect((await inc()).level).toBe(3);
      await app.container.engine.idle();
      // it waits for the bundle window after the last call (10:04 + 2 min), as a prompt page would
      expect(await heldCall()).toMatchObject({ status: 'planned', deferredUntil: T0 + 6 * MIN });
      expect(((await inc()).timeline as any[]).some((e) => e.type === 'notification_deferred' && e.hastened === true && e.until === new Date(T0 + 6 * MIN).toISOString())).toBe(true);
      expect(toOmar()).toHaveLength(3);

      await tickAll(T0 + 6 * MIN);
      const went = await heldCall();
      expect(went.status).toBe('sent');
      expect(toOmar()).toHaveLength(4);
      // never a second time, however often the engine looks
      for (const m of [6.5, 8, 15, 15.5, 17]) await tickAll(T0 + m * MIN);
      expect(await heldCall()).toMatchObject({ status: 'sent', at: went.at });
      const depot = toOmar().filter((c) => String(c.form.Twiml).includes('depot'));
      expect(depot.length).toBeGreaterThanOrEqual(1);
      const carriedDepotPage = ((await inc()).notifications as any[]).filter((n) => n.person === 'omar_haddad' && n.channel === 'voice' && n.status === 'sent');
      expect(new Set(carriedDepotPage.map((n) => n.id)).size).toBe(carriedDepotPage.length);
    } finally {
      await fake.stop();
    }
  });

  it('a call cancelled at the daily cap is made once its incident climbs to the prompt level: once, by one of two replicas', async () => {
    const fake = await new FakeTwilio({ accountSid: CAPPED_SID, authToken: 'capped_token' }).start();
    try {
      // the shift lead called for the air-conditioning at hq and the annex; the depot's level-2 call is
      // over the cap and cancelled; 20 s later its halls overheat: level 3 (throttle.promptLevel), whose
      // pages the cap never drops
      const { inc, depotCall, toDavid, climb } = await cappedDepot(fake);
      expect(toDavid()).toHaveLength(2);
      await climb();
      // the call waits again, as a prompt page: the bundle window after the last call (10:02 + 2 min)
      expect(await depotCall()).toMatchObject({ status: 'planned', deferredUntil: T0 + 4 * MIN, reinstated: expect.any(String) });
      expect((await depotCall()).reason).toBeUndefined();
      expect(((await inc()).timeline as any[]).filter((e) => e.type === 'notification_deferred' && e.reinstated === true && e.until === new Date(T0 + 4 * MIN).toISOString())).toHaveLength(1);
      await tickAll(T0 + 3 * MIN);
      expect(toDavid()).toHaveLength(2);

      await tickAll(T0 + 4 * MIN);
      const went = await depotCall();
      expect(went.status).toBe('sent');
      expect(toDavid()).toHaveLength(3);
      expect(String(toDavid()[2]?.form.Twiml)).toContain('depot');
      // never a second time, however often either replica looks
      for (const m of [4, 4.5, 6, 15, 30]) await tickAll(T0 + m * MIN);
      expect(await depotCall()).toMatchObject({ status: 'sent', at: went.at });
      expect(toDavid()).toHaveLength(3);
      expect(((await inc()).timeline as any[]).filter((e) => e.type === 'notification_deferred' && e.reinstated === true)).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  });

  it('a call cancelled at the daily cap is not brought back while a maintenance window holds its incident: it is made once the window ends, once', async () => {
    const fake = await new FakeTwilio({ accountSid: CAPPED_SID, authToken: 'capped_token' }).start();
    try {
      const s = await cappedDepot(fake);
      // maintenance at the depot, before its halls overheat: the climb's steps wait, and so does the capped call
      const w = await s.app.request('POST', '/api/maintenance', { name: 'depot chillers', until: new Date(T0 + 10 * MIN).toISOString(), sites: ['depot'] });
      expect(w.status).toBe(201);
      await s.climb();
      expect(((await s.inc()).timeline as any[]).some((e) => e.type === 'maintenance' && e.window === w.body.id)).toBe(true);
      for (const m of [4, 5, 8]) await tickAll(T0 + m * MIN);
      expect(await s.depotCall()).toMatchObject({ status: 'cancelled', limit: 'daily_cap' });
      expect(s.toDavid()).toHaveLength(2);

      // the window ends: the call is brought back and made, as the level's own steps go then
      await tickAll(T0 + 10 * MIN);
      const went = await s.depotCall();
      expect(went).toMatchObject({ status: 'sent', reinstated: expect.any(String) });
      expect(s.toDavid()).toHaveLength(3);
      expect(String(s.toDavid()[2]?.form.Twiml)).toContain('depot');
      for (const m of [10.5, 12, 15, 30]) await tickAll(T0 + m * MIN);
      expect(await s.depotCall()).toMatchObject({ status: 'sent', at: went.at });
      expect(s.toDavid()).toHaveLength(3);
    } finally {
      await fake.stop();
    }
  });

  it('a call brought back after the daily cap waits while a power outage at its site inhibits its incident, and is made once the outage is over, once', async () => {
    const fake = await new FakeTwilio({ accountSid: CAPPED_SID, authToken: 'capped_token' }).start();
    try {
      const s = await cappedDepot(fake, [{ name: 'power_explains_hvac', source: { class: 'power' }, target: { classes: ['hvac'] }, equal: ['site'] }]);
      await s.climb();
      // brought back, waiting for the bundle window (10:02 + 2 min): then the power fails at the depot
      expect(await s.depotCall()).toMatchObject({ status: 'planned', deferredUntil: T0 + 4 * MIN, reinstated: expect.any(String) });
      s.app.clock.set(T0 + 3 * MIN);
      const power = await s.app.request('POST', '/api/incidents', { class: 'power', site: 'depot', summary: 'mains lost at the depot', level: 3 });
      expect(power.status).toBe(201);
      await s.app.container.engine.idle();
      for (const m of [4, 5, 8]) await tickAll(T0 + m * MIN);
      expect(((await s.inc()).timeline as any[]).some((e) => e.type === 'inhibited' && e.by === power.body.id)).toBe(true);
      expect((await s.depotCall()).status).toBe('planned');
      expect(s.toDavid()).toHaveLength(2);

      // mains back: the call goes at the incident's next look
      s.app.clock.set(T0 + 9 * MIN);
      expect((await s.app.request('POST', `/api/incidents/${power.body.id}/resolve`, { by: 'test' })).status).toBe(200);
      await s.app.container.engine.idle();
      for (const m of [9, 10, 11]) await tickAll(T0 + m * MIN);
      const went = await s.depotCall();
      expect(went.status).toBe('sent');
      expect(s.toDavid()).toHaveLength(3);
      for (const m of [12, 15, 30]) await tickAll(T0 + m * MIN);
      expect(await s.depotCall()).toMatchObject({ status: 'sent', at: went.at });
      expect(s.toDavid()).toHaveLength(3);
    } finally {
      await fake.stop();
    }
  });

  it('a call brought back after the daily cap that fails for good goes by SMS once the SMS gap is over, once', async () => {
    const fake = await new FakeTwilio({ accountSid: LI_SID, authToken: 'failover_token' }).start();
    try {
      const { pagesToLi, callsToLi, smsToLi } = await cappedLi(fake);

      // its time: the call is refused for good, and the SMS waits out the SMS gap (10:00 + 10 min)
      fake.failNext(1, { status: 400, code: 21211, message: 'invalid To number' });
      await tickAll(T0 + 2 * MIN);
      expect(callsToLi()).toHaveLength(2);
      const sms = async () => (await pagesToLi()).find((n) => n.channel === 'sms');
      expect(await sms()).toMatchObject({ status: 'planned', deferredUntil: T0 + 10 * MIN, limit: 'min_gap' });
      for (const m of [3, 5, 9]) await tickAll(T0 + m * MIN);
      expect(smsToLi()).toHaveLength(2);

      // the gap is over: the SMS goes, once, however often either replica looks
      await tickAll(T0 + 10 * MIN);
      const went = await sms();
      expect(went.status).toBe('sent');
      expect(smsToLi()).toHaveLength(3);
      expect(String(smsToLi()[2]?.form.Body)).toContain('depot');
      for (const m of [10, 10.5, 12, 20, 30]) await tickAll(T0 + m * MIN);
      expect(await sms()).toMatchObject({ status: 'sent', at: went.at });
      expect(smsToLi()).toHaveLength(3);
      expect(callsToLi()).toHaveLength(2);
    } finally {
      await fake.stop();
    }
  });

  it('a call brought back after the daily cap refused for good, its process dying before the SMS is on record: after the restart the SMS goes once', async () => {
    const fake = await new FakeTwilio({ accountSid: LI_SID, authToken: 'failover_token' }).start();
    const claim = RedisNotificationRepository.prototype.claim;
    try {
      const { pagesToLi, callsToLi, smsToLi, restart } = await cappedLi(fake);
      // the call is refused for good; the SMS's record is never written: the process dies right there
      fake.failNext(1, { status: 400, code: 21211, message: 'invalid To number' });
      vi.spyOn(RedisNotificationRepository.prototype, 'claim').mockImplementation(async function (this: RedisNotificationRepository, record, ...rest) {
        if (record.person === 'li_qiang' && record.channel === 'sms') throw new Error('process died');
        return claim.call(this, record, ...rest);
      });
      await tickAll(T0 + 2 * MIN);
      vi.restoreAllMocks();
      expect(callsToLi()).toHaveLength(2);
      expect((await pagesToLi()).map((n) => `${n.channel}:${n.status}`)).toEqual(['voice:failed']);

      // back up a minute later: the SMS is recorded, waiting out the SMS gap (10:00 + 10 min)
      await restart(T0 + 3 * MIN);
      await tickAll(T0 + 3 * MIN);
      const sms = async () => (await pagesToLi()).find((n) => n.channel === 'sms');
      expect(await sms()).toMatchObject({ status: 'planned', deferredUntil: T0 + 10 * MIN, limit: 'min_gap' });
      await tickAll(T0 + 9 * MIN);
      expect(smsToLi()).toHaveLength(2);
      await tickAll(T0 + 10 * MIN);
      const went = await sms();
      expect(went.status).toBe('sent');
      expect(smsToLi()).toHaveLength(3);
      expect(String(smsToLi()[2]?.form.Body)).toContain('depot');
      for (const m of [10.5, 12, 20, 30]) await tickAll(T0 + m * MIN);
      expect(await sms()).toMatchObject({ status: 'sent', at: went.at });
      expect(smsToLi()).toHaveLength(3);
      expect(callsToLi()).toHaveLength(2);
    } finally {
      vi.restoreAllMocks();
      await fake.stop();
    }
  });

  it('a call brought back after the daily cap to a person who no longer takes calls goes by their next channel, once', async () => {
    const fake = await new FakeTwilio({ accountSid: LI_SID, authToken: 'failover_token' }).start();
    try {
      const { config, inc, pagesToLi, callsToLi, smsToLi, restart } = await cappedLi(fake);
      // restarted with Li Qiang on SMS alone
      const li = config.roster.people['li_qiang']!;
      await restart(T0 + MIN, { ...config, roster: { ...config.roster, people: { ...config.roster.people, li_qiang: { ...li, channels: ['sms'] } } } } as Config);
      await tickAll(T0 + 2 * MIN);
      expect(callsToLi()).toHaveLength(1);
      const voice = (await pagesToLi()).find((n) => n.channel === 'voice');
      expect(voice).toMatchObject({ status: 'failed', failure: 'permanent', error: "voice is no longer one of the person's channels" });
      expect(((await inc()).timeline as any[]).filter((e) => e.type === 'notification_failed' && e.notification === voice.id)).toHaveLength(1);
      // the SMS waits out the SMS gap (10:00 + 10 min), then goes once
      const sms = async () => (await pagesToLi()).find((n) => n.channel === 'sms');
      expect(await sms()).toMatchObject({ status: 'planned', deferredUntil: T0 + 10 * MIN });
      await tickAll(T0 + 10 * MIN);
      expect((await sms()).status).toBe('sent');
      for (const m of [10.5, 12, 30]) await tickAll(T0 + m * MIN);
      expect(smsToLi()).toHaveLength(3);
      expect(callsToLi()).toHaveLength(1);
      expect(((await inc()).timeline as any[]).filter((e) => e.type === 'notification_failed' && e.notification === voice.id)).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  });

  it('a call brought back after the daily cap to a person no longer in the roster is settled as failed, saying why', async () => {
    const fake = await new FakeTwilio({ accountSid: LI_SID, authToken: 'failover_token' }).start();
    try {
      const { config, inc, pagesToLi, callsToLi, smsToLi, restart } = await cappedLi(fake);
      const { li_qiang: _gone, ...people } = config.roster.people;
      await restart(T0 + MIN, { ...config, roster: { ...config.roster, people } } as Config);
      await tickAll(T0 + 2 * MIN);
      expect(await pagesToLi()).toEqual([expect.objectContaining({ channel: 'voice', status: 'failed', failure: 'permanent', error: 'the person is no longer in the roster' })]);
      const unreachable = async () => ((await inc()).timeline as any[]).filter((e) => e.type === 'unreachable' && e.person === 'li_qiang');
      expect(await unreachable()).toEqual([expect.objectContaining({ reason: 'the person is no longer in the roster', step: (await pagesToLi())[0].stepKey })]);
      for (const m of [3, 10, 30]) await tickAll(T0 + m * MIN);
      expect(await unreachable()).toHaveLength(1);
      expect(callsToLi()).toHaveLength(1);
      expect(smsToLi()).toHaveLength(2);
    } finally {
      await fake.stop();
    }
  });

  it('critical pages waiting for one person all go once the minimum gap is over, in one call', async () => {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'center_manager');
    const gap = app.container.config.daemon.throttle.perChannel.voice.minGap;
    const a = (await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'battery low at hq', level: 5 })).body.id as string;
    await app.container.engine.idle();
    await tickAll(T0 + 30_000);
    const b = (await app.request('POST', '/api/incidents', { class: 'power', site: 'annex', summary: 'battery low at the annex', level: 5 })).body.id as string;
    await app.container.engine.idle();

    const calls = async () => (await notificationsOf(app, person)).filter((n) => n.channel === 'voice' && (n.incident === a || n.incident === b));
    let mine = await calls();
    expect(messages(mine)).toHaveLength(1);
    const waiting = mine.filter((n) => n.status === 'planned');
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting.some((n) => n.incident === b)).toBe(true);
    for (const n of waiting) expect(n.deferredUntil).toBeLessThanOrEqual(T0 + gap);

    await tickAll(T0 + gap);
    mine = await calls();
    expect(mine.every((n) => n.status === 'logged')).toBe(true);
    const sent = messages(mine);
    expect(sent).toHaveLength(2);
    expect(mine.filter((n) => n.bundledInto).every((n) => sent.some((m) => m.id === n.bundledInto && Date.parse(m.at) === T0 + gap))).toBe(true);
  });

  it('over the daily cap, a page is cancelled when someone else hears of its incident, on the record and in metrics; an incident\'s only page goes all the same; critical ones still go', async () => {
    const shipped = loadConfig('config');
    const config = { ...shipped, daemon: { ...shipped.daemon, throttle: { ...shipped.daemon.throttle, dailyCap: 2 } } } as Config;
    const [app] = (await start(1, config)) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    const lead = await onDuty(app, 'shift_lead');
    await app.request('POST', '/webhooks/alertmanager', storm(0, 3));
    await app.container.engine.idle();
    await tickAll(T0 + 2 * MIN); // second message: the cap (2) is reached

    // a seat fails at hq: the shift lead (under the cap) and IT operations are paged; IT operations'
    // page waits for the shift lead's, then the cap holds it
    const seat = (await app.request('POST', '/api/incidents', { class: 'seat_equipment', site: 'hq', summary: 'seat A12 headset dead' })).body.id as string;
    await app.container.engine.idle();
    const seatPage = async (who: string) => (await notificationsOf(app, who)).find((n) => n.incident === seat);
    expect(await seatPage(person)).toMatchObject({ status: 'planned', limit: 'daily_cap' });
    await tickAll(T0 + 2 * MIN);
    expect(await seatPage(lead)).toMatchObject({ status: 'logged' });
    const late = await seatPage(person);
    expect(late).toMatchObject({ status: 'cancelled', reason: 'throttled', limit: 'daily_cap' });
    expect(late.overCap).toBeUndefined();
    expect((late.timeline as any[]).some((e) => e.type === 'notification_cancelled' && e.reason === 'throttled' && e.limit === 'daily_cap' && e.person === person)).toBe(true);
    expect(await metric(app, 'tocsin_notifications_suppressed_total{reason="throttled"}')).toBe(1);

    // a network alert pages IT operations alone: over the cap, nobody else would hear of it, so it goes
    await app.request('POST', '/webhooks/alertmanager', storm(100, 1));
    await app.container.engine.idle();
    await tickAll(T0 + 10 * MIN);
    const mine = await notificationsOf(app, person);
    const lone = (await incidents(app)).find((i) => i.summary.includes('CRM node 100'));
    const its = mine.filter((n) => n.incident === lone.id);
    expect(its).toEqual([expect.objectContaining({ status: 'logged', overCap: new Date(T0 + 10 * MIN).toISOString() })]);
    expect((lone.timeline as any[]).filter((e) => e.type === 'notification_over_cap' && e.person === person)).toHaveLength(1);
    expect(mine.filter((n) => n.status === 'cancelled')).toHaveLength(1);
    expect(messages(mine)).toHaveLength(3);
    expect(await metric(app, 'tocsin_notifications_suppressed_total{reason="throttled"}')).toBe(1);

    const fire = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'mains lost, battery low', level: 5 });
    await app.container.engine.idle();
    await tickAll(T0 + 12 * MIN);
    const pages = ((await app.request('GET', `/api/incidents/${fire.body.id}`)).body.notifications as any[]).filter((n) => n.person === person);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((n) => n.status === 'logged')).toBe(true);
  });

  /** Calls free, e-mail spaced 5 minutes apart: a level-5 page's parallel e-mail waits while its call goes. */
  function emailGapConfig(): Config {
    const shipped = loadConfig('config');
    const t = shipped.daemon.throttle;
    const perChannel = { sms: { ...t.perChannel.sms, minGap: 0 }, voice: { ...t.perChannel.voice, minGap: 0 }, email: { ...t.perChannel.email, minGap: 5 * MIN } };
    return { ...shipped, daemon: { ...shipped.daemon, throttle: { ...t, perChannel } } } as Config;
  }

  async function twoPowerOutages(app: TestApp): Promise<{ person: string; second: string }> {
    const person = await onDuty(app, 'center_manager');
    await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'battery low at hq', level: 5 });
    await app.container.engine.idle();
    await tickAll(T0 + 30_000);
    const second = (await app.request('POST', '/api/incidents', { class: 'power', site: 'annex', summary: 'battery low at the annex', level: 5 })).body.id as string;
    await app.container.engine.idle();
    return { person, second };
  }

  it('a level-5 page whose parallel e-mail waits out the e-mail gap: the call goes at once, the e-mail when the gap is over', async () => {
    const [app] = (await start(1, emailGapConfig())) as [TestApp];
    const { person, second } = await twoPowerOutages(app);
    const mine = async () => ((await app.request('GET', `/api/incidents/${second}`)).body.notifications as any[]).filter((n) => n.person === person && n.tier === 0);
    let pages = await mine();
    expect(pages.find((n) => n.channel === 'voice')?.status).toBe('logged');
    const mail = pages.find((n) => n.channel === 'email');
    expect(mail?.status).toBe('planned');
    expect(mail?.deferredUntil).toBe(T0 + 5 * MIN);

    await tickAll(T0 + 5 * MIN);
    pages = await mine();
    expect(pages.find((n) => n.id === mail?.id)?.status).toBe('logged');
    expect(pages.filter((n) => n.channel === 'email')).toHaveLength(1);
  });

  /** IT ops paged at 10:00 for hq, then the annex's page at 10:00:10 waiting for the next message (10:02). */
  async function annexWaiting() {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    expect((await app.request('POST', '/webhooks/alertmanager', storm(0, 1))).status).toBe(200);
    await app.container.engine.idle();
    app.clock.set(T0 + 10_000);
    const annex = (await app.request('POST', '/webhooks/alertmanager', storm(1, 1, 'annex'))).body.results[0].incident as string;
    await app.container.engine.idle();
    const annexPage = async () => (await notificationsOf(app, person)).find((n) => n.incident === annex);
    expect(await annexPage()).toMatchObject({ status: 'planned', deferredUntil: T0 + 2 * MIN });
    return { app, person, annexPage };
  }

  it('a page waiting for the next message whose incident a maintenance window then holds back is not carried by another incident\'s message: it goes once the window ends, once', async () => {
    const { app, person, annexPage } = await annexWaiting();
    // another page at hq comes within the bundle window of the first call: it waits for 10:02 too
    app.clock.set(T0 + 20_000);
    expect((await app.request('POST', '/webhooks/alertmanager', storm(2, 1))).status).toBe(200);
    await app.container.engine.idle();

    // the annex goes into maintenance while its page waits
    app.clock.set(T0 + 30_000);
    const w = await app.request('POST', '/api/maintenance', { name: 'annex switch upgrade', until: new Date(T0 + 10 * MIN).toISOString(), sites: ['annex'] });
    expect(w.status).toBe(201);
    await app.container.engine.idle();

    // 10:02: the hq page goes, without the annex's
    await tickAll(T0 + 2 * MIN);
    let mine = await notificationsOf(app, person);
    expect(messages(mine)).toHaveLength(2);
    expect(await annexPage()).toMatchObject({ status: 'planned' });
    expect((await annexPage()).bundledInto).toBeUndefined();
    for (const m of [3, 5, 8]) await tickAll(T0 + m * MIN);
    expect((await annexPage()).status).toBe('planned');
    expect(((await annexPage()).timeline as any[]).some((e) => e.type === 'maintenance' && e.window === w.body.id)).toBe(true);

    // the window ends: the annex's page goes then, by itself, once
    await tickAll(T0 + 10 * MIN);
    const went = await annexPage();
    expect(went).toMatchObject({ status: 'logged', at: new Date(T0 + 10 * MIN).toISOString() });
    expect(went.bundledInto).toBeUndefined();
    for (const m of [11, 12, 15]) await tickAll(T0 + m * MIN);
    mine = await notificationsOf(app, person);
    expect(messages(mine)).toHaveLength(3);
    expect(await annexPage()).toMatchObject({ status: 'logged', at: went.at });
  });

  it('a power outage that inhibits a waiting page\'s incident does not carry that page in its own call: the page goes once the outage is over, once', async () => {
    const { app, person, annexPage } = await annexWaiting();

    // mains lost at the annex: the power page (critical) to the same person waits out the call gap, then goes
    app.clock.set(T0 + 30_000);
    const power = await app.request('POST', '/api/incidents', { class: 'power', site: 'annex', summary: 'mains lost at the annex', level: 3 });
    expect(power.status).toBe(201);
    await app.container.engine.idle();
    for (const m of [2, 3, 4]) await tickAll(T0 + m * MIN);
    const powerInc = (await app.request('GET', `/api/incidents/${power.body.id}`)).body;
    const powerCall = (powerInc.notifications as any[]).find((n) => n.person === person && n.phase === 'page');
    expect(powerCall.status).toBe('logged');
    // the network page the outage explains was not carried by it, nor by anything else
    expect(await annexPage()).toMatchObject({ status: 'planned' });
    expect((await annexPage()).bundledInto).toBeUndefined();
    expect(((await annexPage()).timeline as any[]).some((e) => e.type === 'inhibited' && e.by === power.body.id)).toBe(true);

    // mains back (its all-clear is the third call in 15 minutes): the page is decided again at the
    // incident's next look, as a page of its own, and waits for the 15-minute count like any other
    app.clock.set(T0 + 5 * MIN);
    expect((await app.request('POST', `/api/incidents/${power.body.id}/resolve`, { by: 'test' })).status).toBe(200);
    await app.container.engine.idle();
    for (const m of [5, 6, 7]) await tickAll(T0 + m * MIN);
    expect(await annexPage()).toMatchObject({ status: 'planned', limit: 'per_15m', deferredUntil: T0 + 15 * MIN });
    await tickAll(T0 + 15 * MIN);
    const went = await annexPage();
    expect(went).toMatchObject({ status: 'logged', at: new Date(T0 + 15 * MIN).toISOString() });
    for (const m of [16, 20, 30]) await tickAll(T0 + m * MIN);
    expect(await annexPage()).toMatchObject({ status: 'logged', at: went.at });
  });

  it('a page still held back when its incident is resolved is cancelled on the record, never left planned', async () => {
    const [app] = (await start(1, emailGapConfig())) as [TestApp];
    const { person, second } = await twoPowerOutages(app);
    app.clock.set(T0 + MIN);
    expect((await app.request('POST', `/api/incidents/${second}/resolve`, { by: 'ops' })).status).toBe(200);
    await app.container.engine.idle();
    await tickAll(T0 + 5 * MIN);
    const inc = (await app.request('GET', `/api/incidents/${second}`)).body;
    const mail = (inc.notifications as any[]).find((n) => n.person === person && n.tier === 0 && n.channel === 'email');
    expect(mail.status).toBe('cancelled');
    expect(mail.reason).toMatch(/^no longer (unacknowledged|unresolved)$/);
    expect((inc.notifications as any[]).filter((n) => n.status === 'planned')).toEqual([]);
    expect((inc.timeline as any[]).some((e) => e.type === 'notification_cancelled' && e.notification === mail.id)).toBe(true);
  });

  it('an incident resolved while its page to a person is still held back sends that person no all-clear', async () => {
    const [app] = (await start()) as [TestApp];
    const person = await onDuty(app, 'it_ops');
    expect((await app.request('POST', '/webhooks/alertmanager', storm(0, 3))).status).toBe(200);
    await app.container.engine.idle();
    const held = (await notificationsOf(app, person)).filter((n) => n.status === 'planned');
    expect(held).toHaveLength(2);
    const quiet = held[0].incident as string;
    app.clock.set(T0 + MIN);
    expect((await app.request('POST', `/api/incidents/${quiet}/resolve`, { by: 'ops' })).status).toBe(200);
    await app.container.engine.idle();
    await tickAll(T0 + 5 * MIN);
    const inc = (await app.request('GET', `/api/incidents/${quiet}`)).body;
    const mine = (inc.notifications as any[]).filter((n) => n.person === person);
    // the page never went out: it is cancelled, and nobody tells the person something is over that they never heard of
    expect(mine.map((n) => `${n.phase}:${n.status}`)).toEqual(['page:cancelled']);
  });

  it('two engines on one Redis keep one limit: the storm still pages the person twice', async () => {
    const [a, b] = (await start(2)) as [TestApp, TestApp];
    const person = await onDuty(a, 'it_ops');
    // half the storm through each daemon, at the same time (each kicks its own engine)
    const posted = await Promise.all([a.request('POST', '/webhooks/alertmanager', storm(0, 10)), b.request('POST', '/webhooks/alertmanager', storm(10, 10))]);
    expect(posted.map((p) => p.status)).toEqual([200, 200]);
    await Promise.all([a.container.engine.idle(), b.container.engine.idle()]);
    let mine = await notificationsOf(a, person);
    expect(mine).toHaveLength(20);
    expect(messages(mine)).toHaveLength(1);

    await tickAll(T0 + 2 * MIN);
    await tickAll(T0 + 2 * MIN);
    await tickAll(T0 + 3 * MIN);
    mine = await notificationsOf(a, person);
    expect(messages(mine)).toHaveLength(2);
    expect(mine.every((n) => n.status === 'logged')).toBe(true);
    expect(mine.filter((n) => n.bundledInto)).toHaveLength(18);
  });
  it('a storm that ends: the all-clears come as one call, then one call naming the rest, never cancelled at the daily cap, and never carried by a page', async () => {
    const SID = `AC${'3'.repeat(32)}`;
    const fake = await new FakeTwilio({ accountSid: SID, authToken: 'allclear_token' }).start();
    try {
      const shipped = loadConfig('config');
      const config = { ...shipped, daemon: { ...shipped.daemon, throttle: { ...shipped.daemon.throttle, dailyCap: 2 } } } as Config;
      const [app] = (await start(1, config, { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'allclear_token', TWILIO_FROM: '+15005550001', TWILIO_API_URL: fake.url })) as [TestApp];
      const o = await app.request('POST', '/api/overrides', { role: 'it_ops', person: 'omar_haddad', until: new Date(T0 + 60 * MIN).toISOString(), reason: 'English-speaking cover' });
      expect(o.status).toBe(201);
      const toOmar = () => fake.calls().filter((c) => c.form.To === '+15555550103').map((c) => String(c.form.Twiml));
      await app.request('POST', '/webhooks/alertmanager', storm(0, 5));
      await app.container.engine.idle();
      await tickAll(T0 + 2 * MIN); // the page, then the bundle of the other four: the daily cap (2) is reached
      expect(toOmar()).toHaveLength(2);

      // the storm ends at 10:10; one more incident opens a minute later, its page held by the daily cap
      app.clock.set(T0 + 10 * MIN);
      expect((await app.request('POST', '/webhooks/alertmanager', over(0, 5, T0 + 10 * MIN))).status).toBe(200);
      await app.container.engine.idle();
      let calls = toOmar();
      expect(calls).toHaveLength(3);
      expect(calls[2]).toContain('ALL CLEAR');
      expect(calls[2]).not.toContain('incidents over');

      await tickAll(T0 + 11 * MIN);
      expect((await app.request('POST', '/webhooks/alertmanager', storm(100, 1))).status).toBe(200);
      await app.container.engine.idle();
      expect(toOmar()).toHaveLength(3);

      await tickAll(T0 + 12 * MIN);
      calls = toOmar();
      expect(calls).toHaveLength(4);
      expect(calls[3]).toContain('ALL CLEAR');
      expect(calls[3]).toContain('4 incidents over: Network or information-system failure (hq); Network or information-system failure (hq)');
      expect(calls[3]).not.toContain('CRM node 100');
      // the page of the incident opened at 10:11 is its only page: over the cap it goes all the same
      // (decided at 10:12, after waiting for the incident's other pages), by a call of its own once
      // the 15-minute count of calls frees (10:02, 10:10, 10:12: at 10:17)
      expect((await notificationsOf(app, 'omar_haddad')).filter((n) => n.phase === 'page')).toEqual([
        expect.objectContaining({ status: 'planned', limit: 'per_15m', deferredUntil: T0 + 17 * MIN, overCap: new Date(T0 + 12 * MIN).toISOString() }),
      ]);
      await tickAll(T0 + 16 * MIN);
      expect(toOmar()).toHaveLength(4);
      await tickAll(T0 + 17 * MIN);
      calls = toOmar();
      expect(calls).toHaveLength(5);
      expect(calls[4]).toContain('CRM node 100');
      expect(calls[4]).not.toContain('ALL CLEAR');

      const all = await Promise.all(((await app.request('GET', '/api/incidents?state=resolved')).body.incidents as any[]).map(async (i) => (await app.request('GET', `/api/incidents/${i.id}`)).body));
      expect(all).toHaveLength(5);
      const clears = all.flatMap((i) => (i.notifications as any[]).filter((n) => n.phase === 'all_clear' && n.person === 'omar_haddad'));
      expect(clears).toHaveLength(5);
      expect(clears.every((n) => n.status === 'sent')).toBe(true);
      // the first at 10:10 on its own; at 10:12 one of the four waiting carries the other three
      const carrier = clears.find((n) => Date.parse(n.at) === T0 + 12 * MIN && !n.bundledInto);
      expect(carrier).toBeDefined();
      expect(clears.filter((n) => n.bundledInto === carrier.id)).toHaveLength(3);
      expect(clears.filter((n) => Date.parse(n.at) === T0 + 10 * MIN && !n.bundledInto)).toHaveLength(1);
      // not carried by an all-clear: sent by itself, over the cap
      const late = (await notificationsOf(app, 'omar_haddad')).filter((n) => n.phase === 'page');
      expect(late).toHaveLength(1);
      expect(late[0]).toMatchObject({ status: 'sent', overCap: new Date(T0 + 12 * MIN).toISOString() });
      expect(late[0].bundledInto).toBeUndefined();
    } finally {
      await fake.stop();
    }
  });
});
