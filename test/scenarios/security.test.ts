import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('security', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('security: fire pages supervisor and center_manager at T+0, with e-mail in parallel (level 4)', async () => {
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'fire' }, summary: 'fire alarm, hall B' });
    await s.at(0);
    const pages = await s.pages(id);
    expect(who(pages, { tier: 0 }).filter((w) => !w.endsWith('/email'))).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`, `supervisor/${await s.onDuty('supervisor')}/voice`]);
    expect(pages.filter((p) => p.tier === 0 && p.channel === 'email').map((p) => p.role).sort()).toEqual(['center_manager', 'supervisor']);
  });

  it('security: director paged at T+2m when the fire is not acknowledged', async () => {
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'fire' } });
    await s.at(MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    await s.at(2 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([`director/${await s.onDuty('director')}/voice`, `director/${await s.onDuty('director')}/email`].sort());
  });

  it('security: director not paged when the fire is acknowledged within 2 minutes', async () => {
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'fire' } });
    await s.at(90_000);
    await s.ack(id, 'maria_rossi');
    await s.at(2 * MIN);
    await s.at(10 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    expect((await s.incident(id)).tier).toBe(0);
  });

  it('security: a fire report that does not say which is treated as fire', async () => {
    const id = await s.open({ class: 'security', level: 4 });
    await s.at(2 * MIN);
    expect((await s.pages(id)).some((p) => p.role === 'director')).toBe(true);
  });

  it('security: a report of any kind but theft gets the fire plan (Fire, smoke, burglary, a kind nobody foresaw)', async () => {
    const kinds = ['Fire', 'smoke', 'burglary', 'water in hall B'];
    // one site each: reports of one class at one site merge into one incident
    const ids = await Promise.all(kinds.map((kind, i) => s.open({ class: 'security', site: `fire${i}`, level: 4, details: { kind } })));
    await s.at(0);
    const firstCall = [`center_manager/${await s.onDuty('center_manager')}/voice`, `supervisor/${await s.onDuty('supervisor')}/voice`];
    for (const id of ids) expect(who(await s.pages(id), { tier: 0 }).filter((w) => !w.endsWith('/email'))).toEqual(firstCall);
    await s.at(2 * MIN);
    for (const id of ids) {
      const pages = await s.pages(id);
      expect(who(pages, { tier: 1 }).filter((w) => !w.endsWith('/email'))).toEqual([`director/${await s.onDuty('director')}/voice`]);
      expect(pages.filter((p) => p.tier >= 2)).toEqual([]);
    }
  });

  it('security: theft is theft whatever its case (THEFT, Theft): the theft plan only, never the fire plan', async () => {
    const ids = await Promise.all(['THEFT', ' Theft '].map((kind, i) => s.open({ class: 'security', site: `theft${i}`, level: 4, details: { kind } })));
    await s.at(0);
    for (const id of ids) expect(who(await s.pages(id), { tier: 2 }).filter((w) => !w.endsWith('/email'))).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
    await s.at(2 * MIN);
    for (const id of ids) {
      const pages = await s.pages(id);
      expect(new Set(pages.map((p) => p.tier))).toEqual(new Set([2, 3]));
      expect(pages.some((p) => p.role === 'director')).toBe(false);
    }
  });

  it('security: theft pages center_manager at T+2m though the supervisor acknowledged it (the plan does not wait on an acknowledgement there)', async () => {
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'theft' } });
    await s.at(0);
    await s.at(MIN);
    await s.ack(id, await s.onDuty('supervisor'));
    await s.at(2 * MIN);
    const pages = await s.pages(id);
    expect(who(pages, { tier: 3 }).filter((w) => !w.endsWith('/email'))).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`]);
    expect((await s.incident(id)).tier).toBe(3);
  });

  it('security: theft pages supervisor at T+0 and center_manager at T+2m', async () => {
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'theft' } });
    await s.at(0);
    let pages = await s.pages(id);
    expect(new Set(pages.map((p) => p.role))).toEqual(new Set(['supervisor']));
    await s.at(2 * MIN);
    pages = await s.pages(id);
    expect(who(pages, { tier: 3 }).filter((w) => !w.endsWith('/email'))).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`]);
    expect(pages.some((p) => p.role === 'director')).toBe(false);
  });
});
