import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

const ups = (vars: Record<string, unknown>, event?: string) => ({ device: 'ups1', site: 'hq', ...(event ? { event } : {}), vars });

describe('power', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  async function onBattery(): Promise<string> {
    const r = await s.app.request('POST', '/webhooks/ups', ups({ 'ups.status': 'OB DISCHRG', 'battery.charge': 95, 'battery.runtime': 3600 }, 'ONBATT'));
    expect(r.status).toBeLessThan(300);
    await s.app.container.engine.idle();
    const list = await s.app.request('GET', '/api/incidents?state=open');
    const inc = (list.body.incidents as any[]).find((i) => i.class === 'power');
    expect(inc).toBeDefined();
    return inc.id as string;
  }

  it('power: it_ops, center_manager and facilities paged at T+0 when the UPS switches to battery', async () => {
    const id = await onBattery();
    await s.at(0);
    const pages = await s.pages(id);
    const expected = await Promise.all(['it_ops', 'center_manager', 'facilities'].map(async (r) => `${r}/${await s.onDuty(r)}/voice`));
    expect(who(pages, { tier: 0 })).toEqual(expected.sort());
    expect(pages.every((p) => p.status === 'logged')).toBe(true);
  });

  it('power: a line fault pages supervisor by phone at once', async () => {
    const id = await s.open({ class: 'power', details: { kind: 'line_fault' }, summary: 'centre power line failed' });
    await s.at(0);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('power: a line fault at level 4 calls the supervisor by phone only, no e-mail beside it (the tier names its channel); the others get theirs', async () => {
    const id = await s.open({ class: 'power', level: 4, details: { kind: 'line_fault' }, summary: 'centre power line failed' });
    await s.at(0);
    const pages = await s.pages(id);
    expect(who(pages, { tier: 1 })).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
    // level 4: the tiers that name no channels still send their e-mail beside the call
    expect(who(pages, { tier: 0, channel: 'email' })).toContain(`center_manager/${await s.onDuty('center_manager')}/email`);
  });

  it('power: a line fault after the UPS went on bypass still calls the supervisor; the incident now says line fault', async () => {
    const post = (vars: Record<string, unknown>) => s.app.request('POST', '/webhooks/ups', { device: 'upsL', site: 'lf2', vars });
    const bypass = await post({ 'ups.status': 'OL BYPASS', 'input.voltage': 229 });
    const id = bypass.body.results.find((r: any) => r.member === 'ups:upsL:bypass').incident as string;
    await s.app.container.engine.idle();
    await s.at(0);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    s.app.clock.set(s.t0 + 2 * MIN);
    const lost = await post({ 'ups.status': 'BYPASS', 'input.voltage': 0 });
    expect(lost.body.results).toContainEqual({ member: 'ups:upsL:line', result: 'merged', incident: id });
    await s.at(2 * MIN);
    const inc = await s.incident(id);
    expect(inc).toMatchObject({ level: 4, labels: { kind: 'line_fault', device: 'upsL' } });
    expect(who(await s.pages(id), { tier: 1 }).filter((w) => !w.endsWith('/email'))).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('power: a line fault at a site already at the generator level (another UPS) calls the supervisor too', async () => {
    const id = await onBattery();
    s.app.clock.set(s.t0 + 1 * MIN);
    await s.app.request('POST', '/webhooks/ups', ups({ 'ups.status': 'OB DISCHRG', 'battery.charge': 55, 'battery.runtime': 1500 }));
    await s.at(1 * MIN);
    expect(who(await s.pages(id), { tier: 1 })).toEqual([]);
    s.app.clock.set(s.t0 + 2 * MIN);
    const lost = await s.app.request('POST', '/webhooks/ups', { device: 'ups2', site: 'hq', vars: { 'ups.status': 'BYPASS', 'input.voltage': 0 } });
    expect(lost.body.results).toContainEqual({ member: 'ups:ups2:line', result: 'merged', incident: id });
    await s.at(2 * MIN);
    expect(who(await s.pages(id), { tier: 1 }).filter((w) => !w.endsWith('/email'))).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
    // the generator battery member still names the incident (same level, another member)
    expect((await s.incident(id)).labels).toMatchObject({ device: 'ups1', kind: 'generator' });
  });

  it('power: charge below 60% without mains calls facilities to start the generator (level 4)', async () => {
    const id = await onBattery();
    await s.at(0);
    expect(who(await s.pages(id), { tier: 2 })).toEqual([]);
    s.app.clock.set(s.t0 + 12 * MIN);
    await s.app.request('POST', '/webhooks/ups', ups({ 'ups.status': 'OB DISCHRG', 'battery.charge': 55, 'battery.runtime': 1500 }));
    await s.at(12 * MIN);
    const inc = await s.incident(id);
    expect(inc.level).toBe(4);
    expect(inc.tier).toBeGreaterThanOrEqual(2);
    expect(who(await s.pages(id), { tier: 2 }).filter((w) => !w.endsWith('/email'))).toEqual([`facilities/${await s.onDuty('facilities')}/voice`]);
  });

  it('power: low battery pages everyone up to director (level 5)', async () => {
    const id = await onBattery();
    await s.at(0);
    s.app.clock.set(s.t0 + 20 * MIN);
    await s.app.request('POST', '/webhooks/ups', ups({ 'ups.status': 'OB DISCHRG LB', 'battery.charge': 15, 'battery.runtime': 60 }, 'LOWBATT'));
    await s.at(20 * MIN);
    const inc = await s.incident(id);
    expect(inc.level).toBe(5);
    const tier3 = (await s.pages(id)).filter((p) => p.tier === 3);
    // a person holding two of these roles is paged once
    const everyone = await Promise.all(['shift_lead', 'it_ops', 'supervisor', 'ops_manager', 'center_manager', 'vp_ops', 'director', 'facilities'].map((r) => s.onDuty(r)));
    expect(new Set(tier3.map((p) => p.person))).toEqual(new Set(everyone));
    expect(tier3.some((p) => p.role === 'director' && p.channel === 'voice')).toBe(true);
    // the shift lead on the floor is part of everyone up to the director
    expect(tier3.filter((p) => p.role === 'shift_lead').map((p) => p.person)).toContain(await s.onDuty('shift_lead'));
    // level >= 4: e-mail goes out in parallel to those who have an address
    expect(tier3.some((p) => p.role === 'director' && p.channel === 'email')).toBe(true);
  });

  it('power: an outage that discharged the battery by half or more reminds facilities of the 48 h float instead of the 24 h one', async () => {
    const poll = (status: string, charge: number) => s.app.request('POST', '/webhooks/ups', ups({ 'ups.status': status, 'battery.charge': charge, 'battery.runtime': charge * 30 }));
    const shallow = async (site: string, lowest: number, t: number) => {
      const post = (status: string, charge: number) => s.app.request('POST', '/webhooks/ups', { device: 'ups1', site, vars: { 'ups.status': status, 'battery.charge': charge, 'battery.runtime': 3000 } });
      const id = (await post('OB DISCHRG', 95)).body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
      s.app.clock.set(s.t0 + t + 10 * MIN);
      await post('OB DISCHRG', lowest);
      s.app.clock.set(s.t0 + t + 20 * MIN);
      await post('OL CHRG', lowest + 1);
      s.app.clock.set(s.t0 + t + 21 * MIN);
      await post('OL CHRG', lowest + 2);
      await s.at(t + 22 * MIN);
      await s.app.container.engine.idle();
      return id;
    };
    const id = await onBattery();
    await s.at(0);
    s.app.clock.set(s.t0 + 15 * MIN);
    await poll('OB DISCHRG', 45); // 55% discharged: a deep discharge, the generator too
    expect((await s.incident(id)).labels).toMatchObject({ discharge: 'deep' });
    s.app.clock.set(s.t0 + 30 * MIN);
    await poll('OL CHRG', 46);
    s.app.clock.set(s.t0 + 31 * MIN);
    expect((await poll('OL CHRG', 47)).body.results.find((r: any) => r.member === 'ups:ups1').result).toBe('resolved');
    await s.at(31 * MIN);
    await s.app.container.engine.idle();
    await s.at(33 * MIN);
    await s.app.container.engine.idle();
    await s.at(36 * MIN);
    await s.app.container.engine.idle();
    const reminded = async (incident: string) =>
      ((await s.incident(incident)).notifications as any[])
        .filter((n) => n.phase === 'reminder' && n.channel === 'voice' && ['logged', 'sent', 'delivered'].includes(n.status))
        .map((n) => `${n.role}: ${n.note}`)
        .sort();
    // one reminder, not the 24 h one and the 48 h one 2 minutes later (the reminder throttle's gap)
    expect(await reminded(id)).toEqual(['facilities: Mains is back. This outage discharged the battery by half or more - equalise it, then float it for at least 48 h, not 24 h.']);

    // another site, 20% used: only the 24 h reminder
    const other = await shallow('hq2', 80, 40 * MIN);
    expect((await s.incident(other)).labels.discharge).toBeUndefined();
    expect(await reminded(other)).toEqual(['facilities: Mains is back. Equalise the battery, then float it for at least 24 h.']);
  });

  it('power: a deep outage that upsmon then shut down still gets the 48 h float reminder only', async () => {
    const poll = (status: string, charge: number) => s.app.request('POST', '/webhooks/ups', ups({ 'ups.status': status, 'battery.charge': charge, 'battery.runtime': charge * 30 }));
    const id = (await poll('OB DISCHRG', 40)).body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
    expect((await s.incident(id)).labels).toMatchObject({ discharge: 'deep' });
    await s.at(0);
    s.app.clock.set(s.t0 + 5 * MIN);
    const down = await s.app.request('POST', '/webhooks/ups', { device: 'upsmon', site: 'hq', event: 'SHUTDOWN', reporter: 'upsmon', host: 'pbx-01' });
    expect(down.status).toBe(200);
    expect((await s.incident(id)).level).toBe(5); // the notice names the incident now
    s.app.clock.set(s.t0 + 30 * MIN);
    await poll('OL CHRG', 41);
    s.app.clock.set(s.t0 + 31 * MIN);
    expect((await poll('OL CHRG', 42)).body.results.find((r: any) => r.member === 'ups:ups1').result).toBe('resolved');
    for (const t of [31, 33, 36]) {
      await s.at(t * MIN);
      await s.app.container.engine.idle();
    }
    const reminders = ((await s.incident(id)).notifications as any[])
      .filter((n) => n.phase === 'reminder' && n.channel === 'voice' && ['logged', 'sent', 'delivered'].includes(n.status))
      .map((n) => `${n.role}: ${n.note}`);
    expect(reminders).toEqual(['facilities: Mains is back. This outage discharged the battery by half or more - equalise it, then float it for at least 48 h, not 24 h.']);
  });

  it('power: after recovery everyone paged hears it is over and facilities are reminded to equalise the battery', async () => {
    const id = await s.open({ class: 'power', summary: 'mains lost' });
    await s.at(0);
    await s.at(10 * MIN);
    await s.resolve(id, 'li_qiang');
    const pages = await s.pages(id);
    const paged = new Set(pages.filter((p) => p.phase === 'page').map((p) => p.person));
    expect(new Set(pages.filter((p) => p.phase === 'all_clear').map((p) => p.person))).toEqual(paged);
    expect(who(pages, { phase: 'reminder' }).filter((w) => !w.endsWith('/email'))).toEqual([`facilities/${await s.onDuty('facilities')}/voice`]);
    const inc = await s.incident(id);
    expect(inc.state).toBe('resolved');
  });
});
