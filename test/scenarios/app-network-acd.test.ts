import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('app_network_acd', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('app_network_acd: shift_lead and it_ops paged at T+0', async () => {
    const id = await s.open({ class: 'app_network_acd', summary: 'ACD down: agents cannot log in' });
    await s.at(0);
    const pages = await s.pages(id);
    const [itOps, lead] = [await s.onDuty('it_ops'), await s.onDuty('shift_lead')];
    expect(who(pages, { tier: 0 })).toEqual([`it_ops/${itOps}/voice`, `shift_lead/${lead}/sms`]);
    expect(pages.every((p) => p.status === 'logged')).toBe(true);
    const inc = await s.incident(id);
    expect(inc.tier).toBe(0);
    expect(inc.timeline.filter((e: any) => e.type === 'notified')).toHaveLength(2);
  });

  it('app_network_acd: supervisor paged at T+5m when nobody acknowledged', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    await s.at(4 * MIN + 59_000);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    await s.at(5 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
    expect((await s.incident(id)).tier).toBe(1);
  });

  it('app_network_acd: supervisor not paged at T+5m when the shift lead acknowledged', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    await s.at(3 * MIN);
    await s.ack(id, 'lin_wei');
    await s.at(5 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    expect((await s.incident(id)).tier).toBe(0);
  });

  it('app_network_acd: ops_manager and center_manager paged at T+10m when not recovered', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    await s.at(3 * MIN);
    await s.ack(id, 'lin_wei');
    await s.at(10 * MIN);
    const pages = await s.pages(id);
    expect(who(pages, { tier: 2 })).toEqual(['center_manager/maria_rossi/voice', 'ops_manager/chen_jie/voice']);
    expect((await s.incident(id)).tier).toBe(2);
  });

  it('app_network_acd: vendor contacted at T+60m when not resolved', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    for (const m of [5, 10, 30, 59]) await s.at(m * MIN);
    expect(who(await s.pages(id), { tier: 3 })).toEqual([]);
    await s.at(60 * MIN);
    expect(who(await s.pages(id), { tier: 3 })).toEqual(['vendor/vendor_desk/email']);
    expect((await s.incident(id)).tier).toBe(3);
  });

  it('app_network_acd: on recovery every person who was paged is told it is over, at once', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    await s.at(5 * MIN);
    await s.at(10 * MIN);
    await s.resolve(id, 'omar_haddad'); // no tick: the all-clear takes the fast path
    const pages = await s.pages(id);
    const everyone = await Promise.all(['shift_lead', 'it_ops', 'supervisor', 'ops_manager', 'center_manager'].map((r) => s.onDuty(r)));
    expect(who(pages, { phase: 'all_clear' }).map((w) => w.split('/')[1]).sort()).toEqual([...new Set(everyone)].sort());
    await s.at(11 * MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'all_clear')).toHaveLength(5);
  });

  it('app_network_acd: nothing is paged twice however often the engine looks', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    for (let m = 0; m <= 12; m++) {
      await s.at(m * MIN);
      await s.at(m * MIN);
    }
    const pages = await s.pages(id);
    const keys = pages.map((p) => `${p.tier}/${p.role}/${p.person}/${p.channel}/${p.phase}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(who(pages, { phase: 'page' })).toHaveLength(2);
    expect(who(pages, { phase: 'escalation' })).toHaveLength(3);
  });

  it('app_network_acd: a drill runs the same chain, marked drill, and never touches live incidents', async () => {
    const live = await s.open({ class: 'app_network_acd' });
    const drill = await s.open({ class: 'app_network_acd', drill: true });
    expect(drill).not.toBe(live);
    await s.at(5 * MIN);
    const inc = await s.incident(drill);
    expect(inc.drill).toBe(true);
    expect(who(await s.pages(drill), { tier: 1 })).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
    await s.resolve(drill, 'grace_okafor');
    expect((await s.incident(live)).state).toBe('open');
    expect((await s.pages(live)).some((p) => p.phase === 'all_clear')).toBe(false);
    expect((await s.pages(drill)).filter((p) => p.phase === 'all_clear').length).toBeGreaterThan(0);
  });
});

describe('app_network_acd: paging the on-call person who was just paged three times', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  /** A level-2 network failure at `site`, opened at T+`ms`: one call to IT operations. */
  async function networkFailure(ms: number, site: string): Promise<void> {
    await s.at(ms);
    await s.open({ class: 'network_infosys', site, level: 2, summary: `file server down at ${site}` });
  }

  it('app_network_acd: its tier-0 call to IT operations waits one bundle window at most, not for the 15-minute count', async () => {
    const itOps = await s.onDuty('it_ops');
    // three calls to IT operations in five minutes: the 15-minute count (3 calls) is used up until T+15m
    await networkFailure(0, 'dc1');
    await networkFailure(2.5 * MIN, 'dc2');
    await networkFailure(5 * MIN, 'annex');
    await s.at(6 * MIN);
    const id = await s.open({ class: 'app_network_acd', summary: 'ACD down: agents cannot log in' });
    const call = async () => (await s.incident(id)).notifications.find((n: any) => n.person === itOps && n.tier === 0 && n.channel === 'voice');
    let page = await call();
    expect(page.status).toBe('planned');
    // the bundle window after the last call (T+5m + 2 min), not 15 minutes after the first call
    expect(page.deferredUntil).toBe(s.t0 + 7 * MIN);
    await s.at(7 * MIN);
    page = await call();
    expect(page.status).toBe('logged');
    expect(Date.parse(page.at)).toBe(s.t0 + 7 * MIN);
    // the flood protection stays for lower levels: a level-2 page now waits for the count
    await s.at(8 * MIN);
    const more = await s.open({ class: 'network_infosys', site: 'depot', level: 2, summary: 'file server down at depot' });
    const held = (await s.incident(more)).notifications.find((n: any) => n.person === itOps && n.channel === 'voice');
    expect(held).toMatchObject({ status: 'planned', deferredUntil: s.t0 + 15 * MIN + 2.5 * MIN });
  });
});

describe('app_network_acd with a gap in the roster', () => {
  let s: Scenario;
  beforeEach(async () => {
    const config = structuredClone(loadConfig('config')) as { -readonly [K in keyof Config]: Config[K] } & { roster: { schedules: Record<string, unknown> } };
    delete config.roster.schedules.supervisor;
    s = await startScenario({ config: config as Config });
  });
  afterEach(async () => {
    await s.stop();
  });

  it('app_network_acd: a role with nobody on duty is recorded and the next tier is paged at once', async () => {
    const id = await s.open({ class: 'app_network_acd' });
    await s.at(5 * MIN);
    const inc = await s.incident(id);
    const gap = inc.timeline.filter((e: any) => e.type === 'no_one_on_duty');
    expect(gap).toHaveLength(1);
    expect(gap[0]).toMatchObject({ role: 'supervisor', tier: 1, escalatedTo: 2 });
    // T+5m, not T+10m: ops_manager and center_manager at once
    expect(who(await s.pages(id), { tier: 2 })).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`, `ops_manager/${await s.onDuty('ops_manager')}/voice`]);
    expect(inc.tier).toBe(2);
    await s.at(10 * MIN);
    expect((await s.incident(id)).timeline.filter((e: any) => e.type === 'no_one_on_duty')).toHaveLength(1);
    expect(who(await s.pages(id), { tier: 2 })).toHaveLength(2);
    const metrics = await (await fetch(`${s.app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/tocsin_oncall_coverage_gaps\{role="supervisor"\} 1/);
  });
});

describe('app_network_acd: the level climbs with the stoppage (business hours 08:00-20:00 in Shanghai)', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });
  const openingAt = (iso: string) => ({ clock: new ManualClock(Date.parse(iso)) });
  const raised = async (id: string) => ((await s?.incident(id))?.timeline as any[]).filter((e) => e.type === 'level_raised').map((e) => [e.to, e.reason]);

  it.each([
    { when: 'in the day (10:00): 3 → 4 at T+30m and 5 at T+2h', opening: '2026-11-23T02:00:00Z', four: 30, five: 120, reasons: ['unresolved 30m after opening, in business hours', 'unresolved 2h after opening, in business hours'] },
    { when: 'at night (22:00), the outage expected to last longer: 4 at T+1h and 5 at T+4h', opening: '2026-11-23T14:00:00Z', four: 60, five: 240, reasons: ['unresolved 1h after opening', 'unresolved 4h after opening'] },
  ])('$when, each climb paging its circle', async ({ opening, four, five, reasons }) => {
    s = await startScenario(openingAt(opening));
    const id = await s.open({ class: 'app_network_acd' });
    await s.at((four - 1) * MIN);
    expect((await s.incident(id)).level).toBe(3);
    await s.at(four * MIN);
    expect((await s.incident(id)).level).toBe(4);
    expect(who(await s.pages(id), { phase: 'level_raised' })).toContain('director/wang_fang/voice');
    await s.at((five - 1) * MIN);
    expect((await s.incident(id)).level).toBe(4);
    await s.at(five * MIN);
    expect((await s.incident(id)).level).toBe(5);
    expect(await raised(id)).toEqual([
      [4, reasons[0]],
      [5, reasons[1]],
    ]);
  });

  it('a stoppage from 06:00 still going when the day begins at 08:00 is a 2-hour daytime stoppage then: level 5', async () => {
    s = await startScenario(openingAt('2026-11-22T22:00:00Z'));
    const id = await s.open({ class: 'app_network_acd' });
    await s.at(60 * MIN); // 07:00
    await s.at(119 * MIN);
    expect((await s.incident(id)).level).toBe(4);
    await s.at(120 * MIN); // 08:00
    expect(await raised(id)).toEqual([
      [4, 'unresolved 1h after opening'],
      [5, 'unresolved 2h after opening, in business hours'],
    ]);
  });
});
