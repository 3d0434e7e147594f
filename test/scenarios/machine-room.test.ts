import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

const DAY = 24 * 60 * MIN;

describe('machine_room', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('machine_room: it_ops paged at T+0', async () => {
    const id = await s.open({ class: 'machine_room', summary: 'water under the raised floor' });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`it_ops/${await s.onDuty('it_ops')}/voice`]);
  });

  it('machine_room: serious cases (level 4) reach the director', async () => {
    const id = await s.open({ class: 'machine_room', level: 4, summary: 'core switch down' });
    await s.at(0);
    const pages = await s.pages(id);
    expect(who(pages, { tier: 1 })).toEqual([`director/${await s.onDuty('director')}/email`, `director/${await s.onDuty('director')}/voice`]);
  });

  it('machine_room: the written report falls due 3 days after the end and the owner is reminded', async () => {
    const id = await s.open({ class: 'machine_room' });
    await s.at(0);
    s.app.clock.set(s.t0 + 60 * MIN);
    await s.resolve(id, 'omar_haddad');
    await s.at(60 * MIN + 3 * DAY - MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'reminder')).toHaveLength(0);
    await s.at(60 * MIN + 3 * DAY);
    const reminders = (await s.pages(id)).filter((p) => p.phase === 'reminder');
    expect(reminders.map((p) => `${p.role}/${p.person}`)).toEqual([`it_ops/${await s.onDuty('it_ops', s.t0 + 60 * MIN + 3 * DAY)}`]);
  });
});
