import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('seat_equipment', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('seat_equipment: shift_lead and it_ops paged at T+0', async () => {
    const id = await s.open({ class: 'seat_equipment', level: 1, summary: 'seat A12 cannot log in' });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`it_ops/${await s.onDuty('it_ops')}/voice`, `shift_lead/${await s.onDuty('shift_lead')}/sms`]);
  });

  it('seat_equipment: level 1 sends a status update every 30 min to everyone paged until resolved', async () => {
    const id = await s.open({ class: 'seat_equipment', level: 1 });
    await s.at(0);
    await s.at(29 * MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'update')).toHaveLength(0);
    await s.at(30 * MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'update').map((p) => p.role).sort()).toEqual(['it_ops', 'shift_lead']);
    await s.at(45 * MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'update')).toHaveLength(2);
    await s.at(60 * MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'update')).toHaveLength(4);
    await s.resolve(id, 'lin_wei');
    await s.at(90 * MIN);
    const pages = await s.pages(id);
    expect(pages.filter((p) => p.phase === 'update')).toHaveLength(4);
    expect(pages.filter((p) => p.phase === 'all_clear')).toHaveLength(2);
    const inc = await s.incident(id);
    expect(inc.openedAt).toBe(new Date(s.t0).toISOString());
    expect(inc.resolvedAt).toBe(new Date(s.t0 + 60 * MIN).toISOString());
  });
});
