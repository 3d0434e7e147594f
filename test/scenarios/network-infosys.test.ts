import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('network_infosys', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('network_infosys: it_ops paged at T+0', async () => {
    const id = await s.open({ class: 'network_infosys', summary: 'CRM unreachable' });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`it_ops/${await s.onDuty('it_ops')}/voice`]);
  });

  it('network_infosys: unresolved 30 min at level 2 → level 3, and the level-3 circle is told', async () => {
    const id = await s.open({ class: 'network_infosys' });
    await s.at(0);
    await s.at(30 * MIN);
    const inc = await s.incident(id);
    expect(inc.level).toBe(3);
    const circle = (await s.pages(id)).filter((p) => p.phase === 'level_raised');
    expect(new Set(circle.map((p) => p.role))).toEqual(new Set(['supervisor', 'it_ops']));
  });
});
