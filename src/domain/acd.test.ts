import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { checkSurge, evaluateAcd, type AcdInput, type AcdMetrics } from './acd.js';
import type { NormalizedEvent } from './event.js';

const config = loadConfig('config');
const cfg = config.sources.acd;
const bh = config.daemon.businessHours; // Asia/Shanghai, every day 08:00–20:00
const NOON_SHANGHAI = Date.parse('2026-11-23T04:00:00Z'); // 12:00 in Shanghai
const NIGHT_SHANGHAI = Date.parse('2026-11-23T14:00:00Z'); // 22:00 in Shanghai

const acd = (input: Partial<AcdInput>, now = NOON_SHANGHAI) => evaluateAcd({ site: 'hq', queue: 'main', ...input }, cfg, bh, now);
const member = (events: NormalizedEvent[], m: string) => events.find((e) => e.member === m);
const surge = (metrics: AcdMetrics, figure = 'calls_waiting') => member(acd({ metrics }), `acd:hq:main:surge:${figure}`);
/** figure=status of every surge member. */
const surges = (metrics: AcdMetrics) => acd({ metrics }).filter((e) => e.class === 'inbound_surge').map((e) => `${e.member.slice('acd:hq:main:surge:'.length)}=${e.status}`);
const calm: AcdMetrics = { calls_waiting: 5, longest_wait_seconds: 30, service_level: 0.85, calls_offered: 300, calls_abandoned: 10, interval_seconds: 900 };

describe('checkSurge: every threshold', () => {
  const s = cfg.surge;
  it('calm figures cross nothing', () => {
    expect(checkSurge(calm, s)).toMatchObject({ crossed: [], judged: ['calls_waiting', 'longest_wait', 'service_level', 'abandon_rate', 'offered'] });
  });
  it.each([
    ['calls_waiting', { calls_waiting: 31 }],
    ['longest_wait', { longest_wait_seconds: 181 }],
    ['service_level', { service_level: 0.59 }],
    ['abandon_rate', { calls_abandoned: 46, calls_offered: 300 }],
    ['offered', { calls_offered: 601, interval_seconds: 900 }],
  ] as const)('%s crosses on its own', (reason, figures) => {
    expect(checkSurge({ ...calm, ...figures }, s).crossed.map((c) => c.reason)).toEqual([reason]);
  });
  it('figures exactly at a threshold do not cross it', () => {
    expect(checkSurge({ calls_waiting: 30, longest_wait_seconds: 180, service_level: 0.6, calls_offered: 600, calls_abandoned: 90, interval_seconds: 900 }, s).crossed).toEqual([]);
  });
  it('the offered baseline scales with the interval', () => {
    // baseline 300 per 15 min, twice that allowed: 5 minutes allow 200
    expect(checkSurge({ calls_offered: 201, interval_seconds: 300 }, s).crossed.map((c) => c.reason)).toEqual(['offered']);
    expect(checkSurge({ calls_offered: 200, interval_seconds: 300 }, s).crossed).toEqual([]);
    expect(checkSurge({ calls_offered: 601 }, s).crossed.map((c) => c.reason)).toEqual(['offered']); // no interval: the baseline's
  });
  it('the abandon rate is judged only from abandonMinOffered calls offered in the interval (20 as shipped)', () => {
    expect(s.abandonMinOffered).toBe(20);
    // one abandoned of four offered is 25%, but four calls are no surge
    const few = checkSurge({ calls_waiting: 0, longest_wait_seconds: 5, service_level: 0.95, calls_offered: 4, calls_abandoned: 1, interval_seconds: 30 }, s);
    expect(few).toMatchObject({ crossed: [], abandonRate: 0.25 });
    expect(few.judged).toHaveLength(5);
    expect(checkSurge({ calls_offered: 19, calls_abandoned: 19 }, s).crossed).toEqual([]);
    expect(checkSurge({ calls_offered: 20, calls_abandoned: 4 }, s).crossed.map((c) => c.reason)).toEqual(['abandon_rate']);
    expect(checkSurge({ calls_offered: 20, calls_abandoned: 3 }, s).crossed).toEqual([]);
  });
  it('no abandon rate without offered calls', () => {
    expect(checkSurge({ calls_abandoned: 5, calls_offered: 0 }, s)).toMatchObject({ abandonRate: undefined });
  });
  it('missing figures are not judged', () => {
    expect(checkSurge({}, s)).toMatchObject({ crossed: [], judged: [] });
    expect(checkSurge({ service_level: 0.9 }, s)).toMatchObject({ crossed: [], judged: ['service_level'] });
  });
});

describe('evaluateAcd: surge', () => {
  it('any threshold crossed → inbound_surge for the queue', () => {
    const e = surge({ ...calm, calls_waiting: 40 });
    expect(e).toMatchObject({ class: 'inbound_surge', level: 3, status: 'firing', groupHint: 'main', source: 'acd' });
    expect(e?.summary).toContain('40 calls waiting');
  });
  it('one member per figure: each crossed figure fires, each one under resolves with the surge hold (the "controlled" time)', () => {
    expect(surges({ ...calm, calls_waiting: 40, service_level: 0.4 })).toEqual(['calls_waiting=firing', 'longest_wait=resolved', 'service_level=firing', 'abandon_rate=resolved', 'offered=resolved']);
    expect(surge(calm)).toMatchObject({ status: 'resolved', holdMs: cfg.surge.hold, eventKey: 'acd:hq:main:surge:calls_waiting:clear' });
    expect(surge(calm)?.summary).toBe('Queue main: calls waiting back under its surge threshold');
    expect(cfg.surge.hold).toBe(600_000);
    // the figures of one queue go to one incident
    expect(new Set(acd({ metrics: calm }).map((e) => e.groupHint))).toEqual(new Set(['main']));
  });
  it('a figure left out of a body is not judged: it does not count as back under', () => {
    // a surge raised on calls_waiting; the next report carries only the service level
    expect(surges({ service_level: 0.9 })).toEqual(['service_level=resolved']);
    expect(surges({ calls_offered: 10 })).toEqual(['offered=resolved']); // no abandoned figure: no abandon rate
  });
  it('no figures → no surge event at all', () => {
    expect(surge({})).toBeUndefined();
    expect(acd({})).toEqual([]);
  });
  it('the contract example surges on waiting calls, longest wait and service level (abandon 13.3% is under 15%)', () => {
    const e = surge({ calls_waiting: 40, longest_wait_seconds: 300, agents_logged_in: 20, agents_available: 0, calls_offered: 600, calls_abandoned: 80, service_level: 0.45, interval_seconds: 900 });
    expect(surges({ calls_waiting: 40, longest_wait_seconds: 300, agents_logged_in: 20, agents_available: 0, calls_offered: 600, calls_abandoned: 80, service_level: 0.45, interval_seconds: 900 })).toEqual([
      'calls_waiting=firing', 'longest_wait=firing', 'service_level=firing', 'abandon_rate=resolved', 'offered=resolved',
    ]);
    expect(e?.details).toMatchObject({ reasons: ['calls_waiting', 'longest_wait', 'service_level'] });
    expect(e?.summary).toBe('Inbound surge on queue main: 40 calls waiting (over 30); longest wait 300 s (over 180 s); service level 45% (under 60%)');
    expect((e?.details as { abandonRate: number }).abandonRate).toBeCloseTo(80 / 600);
  });
  it('the queue defaults from config', () => {
    expect(evaluateAcd({ site: 'hq', metrics: { calls_waiting: 50 } }, cfg, bh, NOON_SHANGHAI)[0]?.member).toBe('acd:hq:main:surge:calls_waiting');
  });
});

describe('evaluateAcd: agents collapse', () => {
  const agents = (n: number, now: number) => member(acd({ metrics: { agents_logged_in: n } }, now), 'acd:hq:main:agents');
  it('logged-in agents under the floor in business hours → app_network_acd', () => {
    expect(agents(4, NOON_SHANGHAI)).toMatchObject({ class: 'app_network_acd', level: 3, status: 'firing' });
    expect(agents(5, NOON_SHANGHAI)).toMatchObject({ status: 'resolved' });
  });
  it('outside business hours (in the configured time zone) few agents is the centre closed: an open collapse stands down', () => {
    const night = agents(0, NIGHT_SHANGHAI);
    expect(night).toMatchObject({ class: 'app_network_acd', status: 'resolved', eventKey: 'acd:hq:main:agents:closed' });
    expect(night?.holdMs).toBeUndefined(); // at once: nothing to wait out, the centre closed
    expect(night?.summary).toBe('Queue main outside business hours: 0 agents logged in is expected, the agents check stands down');
    // 10:00 UTC is 18:00 in Shanghai — still business hours there
    expect(agents(0, Date.parse('2026-11-23T10:00:00Z'))?.status).toBe('firing');
    // 12:30 UTC is 20:30 in Shanghai — closed
    expect(agents(0, Date.parse('2026-11-23T12:30:00Z'))?.status).toBe('resolved');
    expect(agents(7, NIGHT_SHANGHAI)).toMatchObject({ status: 'resolved', eventKey: 'acd:hq:main:agents:clear' });
  });
  it('a collapse opened late in the day is resolved by the first report after closing', () => {
    const before = evaluateAcd({ site: 'bh1', at: Date.parse('2026-12-05T19:40:00+08:00'), metrics: { agents_logged_in: 4 } }, cfg, bh, 0);
    const after = evaluateAcd({ site: 'bh1', at: Date.parse('2026-12-05T20:05:00+08:00'), metrics: { agents_logged_in: 2 } }, cfg, bh, 0);
    expect(before.map((e) => `${e.member}=${e.status}`)).toEqual(['acd:bh1:main:agents=firing']);
    expect(after.map((e) => `${e.member}=${e.status}`)).toEqual(['acd:bh1:main:agents=resolved']);
  });
  it('in the last closingWindow (15m) before closing few agents is the floor going home: no collapse, an open one stands down', () => {
    const at = (hhmm: string, n = 2) => evaluateAcd({ site: 'hq', at: Date.parse(`2026-12-05T${hhmm}:00+08:00`), metrics: { agents_logged_in: n } }, cfg, bh, 0)[0];
    expect(cfg.agentsCollapse.closingWindow).toBe(15 * 60_000);
    expect(at('19:44')).toMatchObject({ status: 'firing', eventKey: 'acd:hq:main:agents:collapse' });
    const closing = at('19:45');
    expect(closing).toMatchObject({ class: 'app_network_acd', status: 'resolved', eventKey: 'acd:hq:main:agents:closing' });
    expect(closing?.holdMs).toBeUndefined();
    expect(closing?.summary).toBe('Queue main closes at 20:00: 2 agents logged in is the floor going home, the agents check stands down');
    expect(closing?.details).toMatchObject({ businessHours: true, closesAt: '2026-12-05T12:00:00.000Z' });
    expect(at('19:59')?.eventKey).toBe('acd:hq:main:agents:closing');
    expect(at('20:00')?.eventKey).toBe('acd:hq:main:agents:closed');
    expect(at('19:50', 12)?.eventKey).toBe('acd:hq:main:agents:clear');
    // the day's first minutes are not a closing
    expect(at('08:00')?.eventKey).not.toBe('acd:hq:main:agents:closing');
    // 0: judged up to the end
    const none = { ...cfg, agentsCollapse: { ...cfg.agentsCollapse, closingWindow: 0 } };
    expect(evaluateAcd({ site: 'hq', at: Date.parse('2026-12-05T19:59:00+08:00'), metrics: { agents_logged_in: 2 } }, none, bh, 0)[0]?.status).toBe('firing');
  });
  it('in the first openingWindow (15m) after opening few agents is the floor still logging in: no collapse, judged from 08:15', () => {
    const at = (hhmm: string, n = 3) => evaluateAcd({ site: 'hq', at: Date.parse(`2026-12-05T${hhmm}:00+08:00`), metrics: { agents_logged_in: n } }, cfg, bh, 0)[0];
    expect(at('07:59')?.eventKey).toBe('acd:hq:main:agents:closed');
    const opening = at('08:00');
    expect(opening).toMatchObject({ class: 'app_network_acd', status: 'resolved', eventKey: 'acd:hq:main:agents:opening' });
    expect(opening?.summary).toBe('Queue main opened at 08:00: 3 agents logged in is the floor still logging in, the agents check waits');
    expect(opening?.details).toMatchObject({ businessHours: true, openedAt: '2026-12-05T00:00:00.000Z', judgedFrom: '2026-12-05T00:15:00.000Z' });
    expect(at('08:14')?.eventKey).toBe('acd:hq:main:agents:opening');
    expect(at('08:15')).toMatchObject({ status: 'firing', eventKey: 'acd:hq:main:agents:collapse' });
    expect(at('08:05', 12)?.eventKey).toBe('acd:hq:main:agents:clear');
    expect(cfg.agentsCollapse.openingWindow).toBe(15 * 60_000);
    // 0: judged from the opening
    const none = { ...cfg, agentsCollapse: { ...cfg.agentsCollapse, openingWindow: 0 } };
    expect(evaluateAcd({ site: 'hq', at: Date.parse('2026-12-05T08:00:00+08:00'), metrics: { agents_logged_in: 3 } }, none, bh, 0)[0]?.status).toBe('firing');
  });
  it('the time the figures were taken decides', () => {
    const e = evaluateAcd({ site: 'hq', at: NOON_SHANGHAI, metrics: { agents_logged_in: 1 } }, cfg, bh, NIGHT_SHANGHAI);
    expect(e[0]?.status).toBe('firing');
  });
});

describe('evaluateAcd: seats', () => {
  it('login_failed and equipment_fault → seat_equipment per seat; ok → resolved', () => {
    const e = acd({ seats: [{ seat: 'A12', agent: 'a17', state: 'login_failed' }, { seat: 'B03', state: 'equipment_fault' }, { seat: 'C01', state: 'ok' }] });
    expect(member(e, 'acd:hq:seat:A12')).toMatchObject({ class: 'seat_equipment', level: 1, status: 'firing', groupHint: 'A12', labels: { seat: 'A12', agent: 'a17', kind: 'login_failed' } });
    expect(member(e, 'acd:hq:seat:A12')?.summary).toBe('Seat A12 cannot log in (agent a17)');
    expect(member(e, 'acd:hq:seat:B03')).toMatchObject({ status: 'firing', labels: { kind: 'equipment_fault' } });
    expect(member(e, 'acd:hq:seat:C01')).toMatchObject({ status: 'resolved' });
  });
});
