import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startScenario, who, type Scenario } from './scenario.js';

describe('personal_accident', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('personal_accident: supervisor paged at T+0 to re-plan staffing', async () => {
    const id = await s.open({ class: 'personal_accident', details: { people: 1 }, summary: 'agent fainted at seat A12' });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('personal_accident: two or more people involved → center_manager', async () => {
    const id = await s.open({ class: 'personal_accident', details: { people: 2 } });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`, `supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('personal_accident: only a person closes it, and then the people paged hear it is over', async () => {
    const id = await s.open({ class: 'personal_accident', details: { people: 1 } });
    await s.at(0);
    await s.resolve(id, 'grace_okafor');
    const pages = await s.pages(id);
    expect(pages.filter((p) => p.phase === 'all_clear').map((p) => p.role)).toEqual(['supervisor']);
  });
});
