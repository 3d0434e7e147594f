import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/domain/event.js';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('inbound_surge', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  /** A surge on queue `main` as the ACD reports it (firing, or back under the thresholds). */
  async function surge(status: 'firing' | 'resolved', at: number): Promise<string> {
    s.app.clock.set(s.t0 + at);
    const ev: NormalizedEvent = {
      source: 'acd',
      class: 'inbound_surge',
      site: 'hq',
      level: 3,
      status,
      member: 'acd:main:surge',
      eventKey: `acd:main:surge:${status}:${at}`,
      groupHint: 'main',
      summary: 'calls waiting 120 on main',
      at: s.t0 + at,
      labels: { queue: 'main' },
      details: {},
      drill: false,
      holdMs: 10 * MIN,
    };
    const [r] = await s.app.container.ingest.ingest([ev]);
    await s.app.container.engine.idle();
    return r?.outcome.id ?? '';
  }

  it('inbound_surge: tier 1 (shift_lead, supervisor) at once', async () => {
    const id = await surge('firing', 0);
    await s.at(0);
    expect(who(await s.pages(id), { tier: 0 })).toEqual([`shift_lead/${await s.onDuty('shift_lead')}/sms`, `supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('inbound_surge: standby_staff called in after 30 min uncontrolled', async () => {
    const id = await surge('firing', 0);
    await s.at(29 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    await s.at(30 * MIN);
    // bulk SMS: every standby agent at once, not one by turns
    expect(who(await s.pages(id), { tier: 1 })).toEqual(['standby_staff/sara_lund/sms', 'standby_staff/tom_baker/sms']);
  });

  it('inbound_surge: functional_staff and center_manager after another 30 min', async () => {
    const id = await surge('firing', 0);
    await s.at(30 * MIN);
    await s.at(60 * MIN);
    expect(who(await s.pages(id), { tier: 2 })).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`, 'functional_staff/priya_nair/sms', 'functional_staff/yusuf_demir/sms']);
    expect((await s.incident(id)).tier).toBe(2);
  });

  it('inbound_surge: 30 min uncontrolled at level 3, the written-report reminder goes to the supervisor it paged, not to IT operations', async () => {
    const id = await surge('firing', 0);
    await s.at(29 * MIN);
    expect(who(await s.pages(id), { phase: 'reminder' })).toEqual([]);
    await s.at(30 * MIN);
    const pages = await s.pages(id);
    expect(pages.some((p) => p.role === 'it_ops')).toBe(false);
    expect(who(pages, { phase: 'reminder' })).toEqual([`supervisor/${await s.onDuty('supervisor', s.t0 + 30 * MIN)}/voice`]);
    const timeline = (await s.incident(id)).timeline as any[];
    expect(timeline.filter((e) => e.type === 'notified' && e.phase === 'reminder').map((e) => e.role)).toEqual(['supervisor']);
  });

  it('inbound_surge: no standby staff while the figures are back under the thresholds (controlled, holding)', async () => {
    const id = await surge('firing', 0);
    await s.at(0);
    await surge('resolved', 25 * MIN); // calm, within the hold time: controlled, not yet resolved
    await s.at(30 * MIN);
    expect((await s.incident(id)).state).toBe('open');
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
  });

  it('inbound_surge: the surge returning after a calm spell still calls standby staff', async () => {
    const id = await surge('firing', 0);
    await surge('resolved', 25 * MIN);
    await s.at(30 * MIN);
    await surge('firing', 32 * MIN);
    await s.at(32 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual(['standby_staff/sara_lund/sms', 'standby_staff/tom_baker/sms']);
  });
});
