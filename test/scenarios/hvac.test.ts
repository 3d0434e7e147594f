import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('hvac', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('hvac: shift_lead and supervisor (who calls facilities) paged at T+0', async () => {
    const id = await s.open({ class: 'hvac', summary: 'machine room 31°C' });
    await s.at(0);
    const pages = await s.pages(id);
    expect(who(pages, { tier: 0 })).toEqual([`shift_lead/${await s.onDuty('shift_lead')}/sms`]);
    expect(who(pages, { tier: 1 })).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('hvac: the supervisor, paged at T+0 with the shift lead, gets a first page (ALERT), not an escalation', async () => {
    const id = await s.open({ class: 'hvac', summary: 'machine room 31°C' });
    const pages = await s.pages(id);
    expect(pages.map((p) => `${p.tier}/${p.role}/${p.phase}`).sort()).toEqual(['0/shift_lead/page', '1/supervisor/page']);
  });

  it('hvac: level 2 unresolved for 30 min is raised to level 3, telling the level-3 circle', async () => {
    const id = await s.open({ class: 'hvac' });
    await s.at(29 * MIN);
    expect((await s.incident(id)).level).toBe(2);
    await s.at(30 * MIN);
    const inc = await s.incident(id);
    expect(inc.level).toBe(3);
    expect(inc.timeline.some((e: any) => e.type === 'level_raised' && e.to === 3 && /30m at level 2/.test(e.reason))).toBe(true);
    const circle = (await s.pages(id)).filter((p) => p.phase === 'level_raised');
    expect(new Set(circle.map((p) => p.role))).toEqual(new Set(['supervisor', 'it_ops']));
  });
});
