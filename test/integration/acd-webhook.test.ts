/** POST /webhooks/acd through the real app, real Redis and a manual clock. Business hours: Asia/Shanghai 08:00–20:00. */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { replicas } from '../support/replicas.js';

const DAY = Date.parse('2026-11-23T04:00:00Z'); // 12:00 in Shanghai
const NIGHT = Date.parse('2026-11-23T14:00:00Z'); // 22:00 in Shanghai
const HOLD = 10 * 60_000;

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp({ clock: new ManualClock(DAY) });
});
afterEach(async () => {
  await app.stop();
});

const post = (body: unknown) => app.request('POST', '/webhooks/acd', body);
const queue = (metrics: Record<string, number>) => post({ site: 'hq', queue: 'main', metrics });
const calm = { calls_waiting: 4, longest_wait_seconds: 20, service_level: 0.9, calls_offered: 280, calls_abandoned: 5, interval_seconds: 900, agents_logged_in: 25 };
const result = (res: { body: any }, member: string) => res.body.results.find((r: any) => r.member === member);
const SURGE = 'acd:hq:main:surge:calls_waiting';
const SERVICE = 'acd:hq:main:surge:service_level';
/** figure=result of every surge member in an answer. */
const surges = (res: { body: any }) =>
  (res.body.results as any[]).filter((r) => r.member.startsWith('acd:hq:main:surge:')).map((r) => `${r.member.slice('acd:hq:main:surge:'.length)}=${r.result}`);

describe('ACD webhook', () => {
  it('a surge opens inbound_surge for the queue and resolves only once the figures stayed under for the hold', async () => {
    const quiet = await queue(calm);
    expect(quiet.status).toBe(200);
    expect(result(quiet, SURGE)).toMatchObject({ result: 'ignored', incident: null });

    const surge = await queue({ ...calm, calls_waiting: 40, longest_wait_seconds: 300 });
    expect(surges(surge)).toEqual(['calls_waiting=opened', 'longest_wait=merged', 'service_level=ignored', 'abandon_rate=ignored', 'offered=ignored']);
    const id = result(surge, SURGE).incident as string;
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ class: 'inbound_surge', site: 'hq', level: 3, state: 'open' });
    expect(inc.summary).toContain('40 calls waiting');

    app.clock.advance(60_000);
    expect(result(await queue(calm), SURGE).result).toBe('holding');
    app.clock.advance(5 * 60_000);
    expect(result(await queue(calm), SURGE).result).toBe('holding');
    // a figure up again before the hold ran out: not controlled, its hold starts over
    app.clock.advance(60_000);
    expect(result(await queue({ ...calm, service_level: 0.4 }), SERVICE)).toMatchObject({ result: 'merged', incident: id });
    app.clock.advance(60_000);
    expect(result(await queue(calm), SERVICE).result).toBe('holding');
    app.clock.advance(HOLD - 1_000);
    // calls waiting and longest wait have been under for their hold; the service level not yet
    expect(surges(await queue(calm))).toEqual(['calls_waiting=merged', 'longest_wait=merged', 'service_level=holding', 'abandon_rate=ignored', 'offered=ignored']);
    expect((await app.request('GET', `/api/incidents/${id}`)).body.state).toBe('open');
    app.clock.advance(2_000);
    expect(result(await queue(calm), SERVICE)).toMatchObject({ result: 'resolved', incident: id });
    expect((await app.request('GET', `/api/incidents/${id}`)).body).toMatchObject({ state: 'resolved' });
  });

  it('a report that leaves a figure out does not put a surge raised on it into the hold', async () => {
    const surge = await queue({ calls_waiting: 40 });
    expect(surges(surge)).toEqual(['calls_waiting=opened']);
    const id = result(surge, SURGE).incident as string;
    // only the service level: nobody said the queue shrank
    app.clock.advance(60_000);
    expect(surges(await queue({ service_level: 0.9 }))).toEqual(['service_level=ignored']);
    app.clock.advance(HOLD + 60_000);
    expect(surges(await queue({ service_level: 0.9 }))).toEqual(['service_level=ignored']);
    await app.container.engine.tick(app.clock.now());
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.state).toBe('open');
    expect(inc.members[SURGE]).toMatchObject({ status: 'firing' });
    expect(inc.members[SURGE].calmSince).toBeUndefined();
    // the figure itself back under: now it holds, and resolves after the hold
    expect(surges(await queue({ calls_waiting: 3 }))).toEqual(['calls_waiting=holding']);
    app.clock.advance(HOLD);
    expect(result(await queue({ calls_waiting: 3, service_level: 0.9 }), SURGE)).toMatchObject({ result: 'resolved', incident: id });
  });

  it('one call abandoned of four offered pages nobody: the abandon rate needs abandonMinOffered calls', async () => {
    const res = await post({ site: 'r1o3', metrics: { calls_waiting: 0, longest_wait_seconds: 5, service_level: 0.95, calls_offered: 4, calls_abandoned: 1, interval_seconds: 30 } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => r.result)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(res.body.results.find((r: any) => r.member === 'acd:r1o3:main:surge:abandon_rate')).toEqual({ member: 'acd:r1o3:main:surge:abandon_rate', result: 'ignored', incident: null });
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);
  });

  it('the contract example: a surge and a seat that cannot log in', async () => {
    const res = await post({
      site: 'hq',
      queue: 'main',
      at: '2026-11-23T04:00:00Z',
      metrics: { calls_waiting: 40, longest_wait_seconds: 300, agents_logged_in: 20, agents_available: 0, calls_offered: 600, calls_abandoned: 80, service_level: 0.45, interval_seconds: 900 },
      seats: [{ seat: 'A12', agent: 'a17', state: 'login_failed' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => `${r.member}=${r.result}`).filter((r: string) => !r.includes(':surge:'))).toEqual(['acd:hq:main:agents=ignored', 'acd:hq:seat:A12=opened']);
    expect(surges(res)).toEqual(['calls_waiting=opened', 'longest_wait=merged', 'service_level=merged', 'abandon_rate=ignored', 'offered=ignored']);
    const open = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    expect(open.map((i) => `${i.class}/${i.level}`).sort()).toEqual(['inbound_surge/3', 'seat_equipment/1']);
    const seat = open.find((i) => i.class === 'seat_equipment');
    expect(seat.summary).toBe('Seat A12 cannot log in (agent a17)');
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^tocsin_acd_calls_waiting\{site="hq",queue="main"\} 40$/m);
    expect(text).toMatch(/^tocsin_acd_service_level_ratio\{site="hq",queue="main"\} 0\.45$/m);
  });

  it("the README's example body is valid JSON and is answered as the README shows", async () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## The call distributor'));
    const example = /--data '([^']+)'/.exec(section)?.[1];
    expect(example).toBeDefined();
    const res = await post(JSON.parse(example ?? ''));
    expect(res.status).toBe(200);
    const shown = /^# (\{"accepted":(\d+),"results":\[\{"member":"([^"]+)","result":"(\w+)")/m.exec(section);
    expect(res.body.accepted).toBe(Number(shown?.[2]));
    expect(res.body.results[0]).toMatchObject({ member: shown?.[3], result: shown?.[4] });
    expect(res.body.results.map((r: any) => `${r.member}=${r.result}`)).toEqual([
      'acd:hq:main:surge:calls_waiting=opened',
      'acd:hq:main:surge:longest_wait=merged',
      'acd:hq:main:surge:service_level=merged',
      'acd:hq:main:surge:abandon_rate=ignored',
      'acd:hq:main:surge:offered=ignored',
      'acd:hq:main:agents=ignored',
      'acd:hq:seat:A12=opened',
    ]);
    // the README's HTTP table shows the same body
    const row = /^\| `POST \/webhooks\/acd` \| `([^`]+)`/m.exec(readme)?.[1];
    expect(JSON.parse(row ?? '')).toEqual(JSON.parse(example ?? ''));
  });

  it('seats: one seat_equipment incident per seat; state ok resolves it', async () => {
    const bad = await post({ site: 'hq', seats: [{ seat: 'A12', state: 'login_failed' }, { seat: 'B07', state: 'equipment_fault' }] });
    expect(bad.body.results.map((r: any) => r.result)).toEqual(['opened', 'opened']);
    expect(new Set(bad.body.results.map((r: any) => r.incident)).size).toBe(2);
    expect((await post({ site: 'hq', seats: [{ seat: 'A12', state: 'login_failed' }] })).body.results[0].result).toBe('duplicate');
    const ok = await post({ site: 'hq', seats: [{ seat: 'A12', state: 'ok' }] });
    expect(ok.body.results[0]).toMatchObject({ member: 'acd:hq:seat:A12', result: 'resolved', incident: bad.body.results[0].incident });
    const open = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    expect(open.map((i) => i.labels.seat)).toEqual(['B07']);
  });

  it("a queue named 'seat' and a seat named 'agents' are told apart: each keeps its own incident, and ordinary members keep their names", async () => {
    // the queue "seat" collapses and surges at site hq; a seat called "agents" there cannot log in
    const collapse = await post({ site: 'hq', queue: 'seat', metrics: { agents_logged_in: 1, calls_waiting: 40 } });
    expect(collapse.status).toBe(200);
    const agents = collapse.body.results.find((r: any) => r.member.endsWith(':agents'));
    expect(agents).toMatchObject({ result: 'opened' });
    const seat = await post({ site: 'hq', queue: 'seat', seats: [{ seat: 'agents', state: 'login_failed' }, { seat: 'surge:calls_waiting', state: 'equipment_fault' }] });
    expect(seat.body.results.map((r: any) => `${r.member}=${r.result}`)).toEqual(['acd:hq:seat:agents=opened', 'acd:hq:seat:surge:calls_waiting=opened']);
    expect(agents.member).not.toBe('acd:hq:seat:agents');
    const open = (await app.request('GET', '/api/incidents?state=open')).body.incidents as any[];
    expect(open.map((i) => i.class).sort()).toEqual(['app_network_acd', 'inbound_surge', 'seat_equipment', 'seat_equipment']);

    // the seat working again ends the seat's incident only; the queue's agents back end the collapse only
    const fixed = await post({ site: 'hq', seats: [{ seat: 'agents', state: 'ok' }] });
    expect(fixed.body.results[0]).toMatchObject({ member: 'acd:hq:seat:agents', result: 'resolved', incident: seat.body.results[0].incident });
    expect((await app.request('GET', `/api/incidents/${agents.incident}`)).body.state).toBe('open');
    const back = await post({ site: 'hq', queue: 'seat', metrics: { agents_logged_in: 20 } });
    expect(back.body.results[0]).toMatchObject({ member: agents.member, result: 'resolved', incident: agents.incident });
    expect((await app.request('GET', `/api/incidents/${seat.body.results[1].incident}`)).body.state).toBe('open');

    // a site with a colon cannot pass for a seat either: site "hq:seat", queue "x" vs site "hq", seat "x:agents"
    const colon = await post({ site: 'hq:seat', queue: 'x', metrics: { agents_logged_in: 1 } });
    const seatX = await post({ site: 'hq', seats: [{ seat: 'x:agents', state: 'login_failed' }] });
    expect(colon.body.results[0].member).not.toBe(seatX.body.results[0].member);
    expect(seatX.body.results[0]).toMatchObject({ member: 'acd:hq:seat:x:agents', result: 'opened' });
    expect(colon.body.results[0].incident).not.toBe(seatX.body.results[0].incident);

    // the queue "seat" is a queue at closing time too: its collapse ends then, the seat's fault stays
    app.clock.set(Date.parse('2026-11-23T19:30:00+08:00'));
    const late = await post({ site: 'cl9', queue: 'seat', metrics: { agents_logged_in: 1 }, seats: [{ seat: 'agents', state: 'login_failed' }] });
    expect(late.body.results.map((r: any) => r.result)).toEqual(['opened', 'opened']);
    const closing = Date.parse('2026-11-23T20:00:00+08:00');
    app.clock.set(closing);
    await app.container.engine.tick(closing);
    await app.container.engine.idle();
    expect((await app.request('GET', `/api/incidents/${late.body.results[0].incident}`)).body).toMatchObject({ state: 'resolved', resolvedBy: 'source:acd' });
    expect((await app.request('GET', `/api/incidents/${late.body.results[1].incident}`)).body.state).toBe('open');
  });

  it('logged-in agents collapsing opens app_network_acd in business hours only', async () => {
    app.clock.set(NIGHT);
    const night = await queue({ agents_logged_in: 2 });
    expect(night.status).toBe(200);
    // after hours few agents is the centre closed: nothing opens (nothing was open to stand down)
    expect(night.body).toEqual({ accepted: 1, results: [{ member: 'acd:hq:main:agents', result: 'ignored', incident: null }] });
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);

    app.clock.set(DAY);
    const day = await queue({ agents_logged_in: 2 });
    expect(day.body.results).toEqual([{ member: 'acd:hq:main:agents', result: 'opened', incident: expect.any(String) }]);
    expect((await app.request('GET', `/api/incidents/${day.body.results[0].incident}`)).body).toMatchObject({ class: 'app_network_acd', level: 3 });
    expect((await queue({ agents_logged_in: 22 })).body.results[0]).toMatchObject({ result: 'resolved' });
  });

  it('a collapse opened late in the day resolves at the first report after closing, and climbs no further', async () => {
    app.clock.set(Date.parse('2026-12-05T19:40:00+08:00'));
    const late = await post({ site: 'bh1', queue: 'main', at: '2026-12-05T19:40:00+08:00', metrics: { agents_logged_in: 4 } });
    expect(late.body.results).toEqual([{ member: 'acd:bh1:main:agents', result: 'opened', incident: expect.any(String) }]);
    const id = late.body.results[0].incident as string;
    app.clock.set(Date.parse('2026-12-05T20:05:00+08:00'));
    const closed = await post({ site: 'bh1', queue: 'main', at: '2026-12-05T20:05:00+08:00', metrics: { agents_logged_in: 2 } });
    expect(closed.body).toEqual({ accepted: 1, results: [{ member: 'acd:bh1:main:agents', result: 'resolved', incident: id }] });
    expect((await app.request('GET', `/api/incidents/${id}`)).body).toMatchObject({ state: 'resolved', resolvedBy: 'source:acd' });
    // the night goes on: no escalation is left to run
    for (const t of ['2026-12-05T20:15:00+08:00', '2026-12-05T21:00:00+08:00', '2026-12-06T02:00:00+08:00']) {
      app.clock.set(Date.parse(t));
      await app.container.engine.tick(app.clock.now());
    }
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ state: 'resolved', level: 3 });
    expect(inc.notifications.filter((n: any) => n.role === 'vendor' || n.role === 'director')).toEqual([]);
  });

  it('agents logging off in the last 15 minutes before closing page nobody; a collapse still open then stands down', async () => {
    const at = (hhmm: string) => {
      app.clock.set(Date.parse(`2026-12-05T${hhmm}:00+08:00`));
      return app.clock.now();
    };
    const agents = (site: string, n: number) => post({ site, queue: 'main', metrics: { agents_logged_in: n } });
    at('19:50');
    const going = await agents('bh2', 3);
    expect(going.body).toEqual({ accepted: 1, results: [{ member: 'acd:bh2:main:agents', result: 'ignored', incident: null }] });
    await app.container.engine.tick(at('19:55'));
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);

    // a real collapse at 19:30 is paged; the floor going home at 19:50 ends it, and those paged are told
    at('19:30');
    const real = await agents('bh3', 0);
    expect(real.body.results[0]).toMatchObject({ result: 'opened' });
    const id = real.body.results[0].incident as string;
    await app.container.engine.tick(at('19:30'));
    expect((await app.request('GET', `/api/incidents/${id}`)).body.notifications.filter((n: any) => n.phase === 'page')).not.toEqual([]);
    at('19:50');
    expect((await agents('bh3', 2)).body.results[0]).toMatchObject({ result: 'resolved', incident: id });
    await app.container.engine.tick(at('19:50'));
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'source:acd' });
    expect(inc.notifications.filter((n: any) => n.phase === 'all_clear')).not.toEqual([]);
  });

  it('at opening agents are still logging in: 3 of 20 at 08:00 pages nobody; still 3 at 08:15 is a collapse', async () => {
    const at = (hhmm: string) => {
      app.clock.set(Date.parse(`2026-12-06T${hhmm}:00+08:00`));
      return app.clock.now();
    };
    const agents = (n: number) => post({ site: 'op1', queue: 'main', metrics: { agents_logged_in: n, agents_available: 0 } });
    at('08:00');
    expect((await agents(3)).body).toEqual({ accepted: 1, results: [{ member: 'acd:op1:main:agents', result: 'ignored', incident: null }] });
    await app.container.engine.tick(at('08:05'));
    expect((await agents(4)).body.results[0]).toMatchObject({ result: 'ignored' });
    await app.container.engine.tick(at('08:10'));
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);

    at('08:15');
    const late = await agents(3);
    expect(late.body.results[0]).toMatchObject({ member: 'acd:op1:main:agents', result: 'opened' });
    await app.container.engine.tick(at('08:15'));
    const inc = (await app.request('GET', `/api/incidents/${late.body.results[0].incident}`)).body;
    expect(inc).toMatchObject({ class: 'app_network_acd', state: 'open' });
    expect(inc.notifications.filter((n: any) => n.phase === 'page')).not.toEqual([]);
  });

  it.each([
    ['a negative count', { site: 'hq', metrics: { calls_waiting: -1 } }, 'metrics.calls_waiting'],
    ['a count as a string', { site: 'hq', metrics: { calls_waiting: '40' } }, 'metrics.calls_waiting'],
    ['a fractional count', { site: 'hq', metrics: { calls_offered: 10.5 } }, 'metrics.calls_offered'],
    ['a service level over 1', { site: 'hq', metrics: { service_level: 85 } }, 'metrics.service_level'],
    ['an unknown seat state', { site: 'hq', seats: [{ seat: 'A12', state: 'on_fire' }] }, 'seats.0.state'],
    ['a seat without a name', { site: 'hq', seats: [{ state: 'ok' }] }, 'seats.0.seat'],
    ['no site', { metrics: { calls_waiting: 40 } }, 'site'],
    ['a bad timestamp', { site: 'hq', at: 'yesterday' }, 'at'],
    ['seats not a list', { site: 'hq', seats: 'A12' }, 'seats'],
  ])('rejects %s with 422 naming the field', async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('TOCSIN_ERR_INPUT_INVALID');
    expect(res.body.error.message).toContain(field);
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]);
  });

  it('only the site is required; nulls count as not reported', async () => {
    const res = await post({ site: 'hq', metrics: { calls_waiting: null, service_level: null } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 0, results: [] });
  });
});

describe('what an ACD post counts as events', () => {
  const received = async () =>
    Object.fromEntries((await app.container.metrics.eventsReceived.get()).values.filter((v) => v.labels.source === 'acd' && v.value > 0).map((v) => [String(v.labels.result), v.value]));

  it('a calm report with nothing open answers its all-clears ignored without counting them; the ones that clear something count', async () => {
    for (let i = 0; i < 3; i++) {
      const idle = await post({ site: 'hq', queue: 'main', metrics: calm, seats: [{ seat: 'A12', state: 'ok' }] });
      expect(idle.status).toBe(200);
      expect(idle.body.accepted).toBe(7); // five surge figures, the agents, the seat
      expect(new Set(idle.body.results.map((r: any) => r.result))).toEqual(new Set(['ignored']));
      app.clock.advance(60_000);
    }
    expect(await received()).toEqual({});

    const surge = await queue({ ...calm, calls_waiting: 40 });
    expect(result(surge, SURGE)).toMatchObject({ result: 'opened' });
    // the body's other all-clears find nothing to clear: answered as before, not counted
    expect(result(surge, SERVICE)).toMatchObject({ result: 'ignored' });
    expect(await received()).toEqual({ opened: 1 });

    app.clock.advance(60_000);
    expect(result(await queue(calm), SURGE)).toMatchObject({ result: 'holding' });
    app.clock.advance(HOLD);
    expect(result(await queue(calm), SURGE)).toMatchObject({ result: 'resolved' });
    expect(await received()).toEqual({ opened: 1, holding: 1, resolved: 1 });
  });
});

describe('an agents collapse at closing time, with no report after it', () => {
  const SH = (hhmm: string) => Date.parse(`2026-12-05T${hhmm}:00+08:00`);
  const incident = async (a: TestApp, id: string) => (await a.request('GET', `/api/incidents/${id}`)).body;
  const collapse = async (a: TestApp, site: string) => {
    const res = await a.request('POST', '/webhooks/acd', { site, queue: 'main', metrics: { agents_logged_in: 1 } });
    expect(res.body.results[0]).toMatchObject({ member: `acd:${site}:main:agents` });
    return res.body.results[0] as { result: string; incident: string };
  };

  it('ends at 20:00: resolved, the all-clear to everyone paged, nothing climbs to the vendor at T+60m', async () => {
    app.clock.set(SH('19:30'));
    const { incident: id } = await collapse(app, 'cl1');
    for (const t of ['19:30', '19:35', '19:40']) await app.container.engine.tick(SH(t));
    const paged = (await incident(app, id)).notifications.filter((n: any) => n.phase === 'page' || n.phase === 'escalation');
    expect(paged.length).toBeGreaterThan(0);
    // the ACD falls silent as the floor empties; the engine looks at closing time
    app.clock.set(SH('20:00'));
    await app.container.engine.tick(SH('20:00'));
    await app.container.engine.idle();
    const closed = await incident(app, id);
    expect(closed).toMatchObject({ state: 'resolved', resolvedBy: 'source:acd', resolvedAt: new Date(SH('20:00')).toISOString() });
    expect(closed.members['acd:cl1:main:agents']).toMatchObject({ status: 'resolved' });
    const told = closed.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => n.person);
    expect(new Set(told)).toEqual(new Set(paged.map((n: any) => n.person)));
    for (const t of ['20:30', '21:30', '23:59']) await app.container.engine.tick(SH(t));
    const night = await incident(app, id);
    expect(night.notifications.filter((n: any) => n.role === 'vendor' || n.phase === 'level_raised')).toEqual([]);
    expect(night.notifications).toHaveLength(closed.notifications.length);
  });

  it('ends only the collapse: an Alertmanager ACD alert in the same incident keeps it open', async () => {
    app.clock.set(SH('08:00'));
    const alert = { status: 'firing', labels: { alertname: 'AcdDown', service: 'acd', site: 'cl2' }, annotations: { summary: 'ACD down' }, startsAt: '2026-12-05T00:00:00Z', fingerprint: 'acd0000000000001' };
    const am = await app.request('POST', '/webhooks/alertmanager', { version: '4', status: 'firing', receiver: 'tocsin', alerts: [alert], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: '{}', truncatedAlerts: 0 });
    const id = am.body.results[0].incident as string;
    // the day goes by: every step of the chain runs, then the incident has nothing left to wait for
    let now = SH('08:00');
    for (let i = 0; i < 50; i++) {
      const r = await app.container.engine.tick(now);
      if (r.nextDueAt === undefined || r.nextDueAt > SH('19:30')) break;
      now = Math.max(now + 1, r.nextDueAt);
    }
    app.clock.set(SH('19:30'));
    expect(await collapse(app, 'cl2')).toMatchObject({ result: 'merged', incident: id });
    await app.container.engine.idle();
    app.clock.set(SH('20:00'));
    await app.container.engine.tick(SH('20:00'));
    await app.container.engine.idle();
    const inc = await incident(app, id);
    expect(inc.state).toBe('open');
    expect(inc.members['acd:cl2:main:agents']).toMatchObject({ status: 'resolved' });
    expect(inc.members['am:acd0000000000001']).toMatchObject({ status: 'firing' });
  });

  it('reads an incident once a night to look for collapses, and again only when an event joins it', async () => {
    app.clock.set(SH('19:30'));
    const alert = { status: 'firing', labels: { alertname: 'AcdDown', service: 'acd', site: 'cl3' }, annotations: { summary: 'ACD down' }, startsAt: '2026-12-05T00:00:00Z', fingerprint: 'acd0000000000003' };
    const am = await app.request('POST', '/webhooks/alertmanager', { version: '4', status: 'firing', receiver: 'tocsin', alerts: [alert], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: '{}', truncatedAlerts: 0 });
    const id = am.body.results[0].incident as string;
    await app.container.engine.tick(SH('19:30'));
    await app.container.engine.idle();
    const get = vi.spyOn(app.container.stores.live, 'get');
    const reads = () => get.mock.calls.filter(([x]) => x === id).length;
    // the chain goes on all night (the incident is open): one read of it for the collapses, not one a look
    for (const t of ['20:00', '20:05', '20:10', '20:30', '21:00']) {
      app.clock.set(SH(t));
      await app.container.engine.tick(SH(t));
      await app.container.engine.idle();
    }
    expect(reads()).toBe(1);
    // a report taken in business hours arrives late, after closing: its collapse joins the incident, and
    // the next look reads it again and ends it
    const late = await app.request('POST', '/webhooks/acd', { site: 'cl3', queue: 'main', at: '2026-12-05T19:40:00+08:00', metrics: { agents_logged_in: 1 } });
    expect(late.body.results[0]).toMatchObject({ member: 'acd:cl3:main:agents', result: 'merged', incident: id });
    // the engine's next look at it (its next step, or a level raised) reads it again
    let now = SH('21:01');
    for (let i = 0; i < 50 && reads() < 2; i++) {
      app.clock.set(now);
      const r = await app.container.engine.tick(now);
      await app.container.engine.idle();
      if (r.nextDueAt === undefined) break;
      now = Math.max(now + 1, r.nextDueAt);
    }
    expect(reads()).toBe(2);
    const inc = await incident(app, id);
    expect(inc.members['acd:cl3:main:agents']).toMatchObject({ status: 'resolved', details: { endedAtClosing: true } });
    get.mockRestore();
  });
});

describe('an agents collapse at closing time, on two replicas', () => {
  it('both engines look at 20:00: it ends once, and each person is told once', async () => {
    const clock = new ManualClock(Date.parse('2026-12-05T19:30:00+08:00'));
    const r = replicas();
    try {
      const [a, b] = await r.start(2, { clock });
      if (!a || !b) throw new Error('two replicas expected');
      const res = await a.request('POST', '/webhooks/acd', { site: 'cl3', queue: 'main', metrics: { agents_logged_in: 0 } });
      const id = res.body.results[0].incident as string;
      await Promise.all([a.container.engine.tick(clock.now()), b.container.engine.tick(clock.now())]);
      clock.set(Date.parse('2026-12-05T20:00:00+08:00'));
      await Promise.all([a.container.engine.tick(clock.now()), b.container.engine.tick(clock.now())]);
      await Promise.all([a.container.engine.idle(), b.container.engine.idle()]);
      const inc = (await b.request('GET', `/api/incidents/${id}`)).body;
      expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'source:acd' });
      expect(inc.timeline.filter((e: any) => e.type === 'resolved')).toHaveLength(1);
      const clears = inc.notifications.filter((n: any) => n.phase === 'all_clear').map((n: any) => `${n.person}/${n.channel}`);
      expect(clears.length).toBeGreaterThan(0);
      expect(new Set(clears).size).toBe(clears.length);
    } finally {
      await r.stop();
    }
  });

  it('an incident with no collapse is read once a night by the two engines together, not once by each', async () => {
    const clock = new ManualClock(Date.parse('2026-12-05T19:30:00+08:00'));
    const r = replicas();
    try {
      const [a, b] = await r.start(2, { clock });
      if (!a || !b) throw new Error('two replicas expected');
      const alert = { status: 'firing', labels: { alertname: 'AcdDown', service: 'acd', site: 'cl4' }, annotations: { summary: 'ACD down' }, startsAt: '2026-12-05T00:00:00Z', fingerprint: 'acd0000000000004' };
      const am = await a.request('POST', '/webhooks/alertmanager', { version: '4', status: 'firing', receiver: 'tocsin', alerts: [alert], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', groupKey: '{}', truncatedAlerts: 0 });
      const id = am.body.results[0].incident as string;
      const spies = [a, b].map((x) => vi.spyOn(x.container.stores.live, 'get'));
      const reads = () => spies.reduce((n, spy) => n + spy.mock.calls.filter(([x]) => x === id).length, 0);
      // through the night, the two engines take turns at its looks (its chain goes on)
      const night = async (from: string, until: string) => {
        let now = Date.parse(`${from}:00+08:00`);
        for (let i = 0; now < Date.parse(`${until}:00+08:00`); i++) {
          clock.set(now);
          const x = i % 2 === 0 ? a : b;
          const due = (await x.container.engine.tick(now)).nextDueAt;
          await x.container.engine.idle();
          now = Math.max(now + 60_000, due ?? 0);
        }
      };
      await night('2026-12-05T20:00', '2026-12-05T23:00');
      expect(reads()).toBe(1);
      // the next night, it is read again (once)
      await night('2026-12-06T20:00', '2026-12-06T23:00');
      expect(reads()).toBe(2);
      for (const spy of spies) spy.mockRestore();
    } finally {
      await r.stop();
    }
  });
});
