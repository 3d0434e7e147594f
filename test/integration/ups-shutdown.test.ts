/**
 * upsmon's SHUTDOWN (posted by `ups-notify` as device `upsmon`: it names no UPS) through the real app
 * and real Redis: news on the site's power incident, never a member of it, and nobody's heartbeat.
 */
import { describe, expect, it } from 'vitest';
import { NO_UPS_DEVICE } from '../../src/cli/ups-notify.js';
import { upsAppPerTest } from '../support/ups-app.js';

const ups = upsAppPerTest();
const { post, incident: get, tick } = ups;

const MIN = 60_000;
const HOLD = 30_000;
const shutdown = (site: string) => post({ device: NO_UPS_DEVICE, site, event: 'SHUTDOWN' });

describe('upsmon SHUTDOWN', () => {
  it('goes on the timeline of the site power incident, which resolves when mains is back past the online hold', async () => {
    const lb = await post({ device: 'ups1', site: 'sd1', vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': 15, 'battery.runtime': 240 } });
    const id = lb.body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
    expect(id).toEqual(expect.any(String));

    ups.app.clock.advance(5_000);
    const down = await shutdown('sd1');
    expect(down.status).toBe(200);
    expect(down.body.results).toEqual([{ member: 'upsmon:127.0.0.1', result: 'merged', incident: id }]);
    let inc = await get(id);
    expect(Object.keys(inc.members)).toEqual(['ups:ups1']);
    expect(inc.timeline.at(-1)).toMatchObject({ type: 'notice', source: 'ups', by: 'upsmon:127.0.0.1', level: 5, summary: expect.stringContaining('automatic shutdown proceeding (SHUTDOWN)') });

    ups.app.clock.advance(MIN);
    expect((await post({ device: 'ups1', site: 'sd1', vars: { 'ups.status': 'OL CHRG', 'battery.charge': 20 } })).body.results).toContainEqual({ member: 'ups:ups1', result: 'holding', incident: id });
    ups.app.clock.advance(HOLD + 1_000);
    await tick();
    inc = await get(id);
    expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'source:ups', level: 5 });
  });

  it('names the machine going down, from the host ups-notify sends: one notice per host', async () => {
    const id = (await post({ device: 'ups1', site: 'sd5', vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': 15, 'battery.runtime': 240 } })).body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
    ups.app.clock.advance(5_000);
    for (const host of ['pbx-01', 'crm-02']) {
      const down = await post({ device: NO_UPS_DEVICE, site: 'sd5', event: 'SHUTDOWN', reporter: 'upsmon', host });
      expect(down.body.results).toEqual([{ member: `upsmon:${host}`, result: 'merged', incident: id }]);
    }
    const inc = await get(id);
    expect(Object.keys(inc.members)).toEqual(['ups:ups1']);
    expect(inc.timeline.filter((t: any) => t.type === 'notice').map((t: any) => [t.by, t.level, t.summary])).toEqual([
      ['upsmon:pbx-01', 5, 'upsmon on pbx-01: automatic shutdown proceeding (SHUTDOWN) - pbx-01 is going down'],
      ['upsmon:crm-02', 5, 'upsmon on crm-02: automatic shutdown proceeding (SHUTDOWN) - crm-02 is going down'],
    ]);
  });

  it('a sender that names no host: the machine going down is named by the address it came from (X-Forwarded-For first behind a proxy), as NOPARENT', async () => {
    const id = (await post({ device: 'ups1', site: 'sd6', vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': 15, 'battery.runtime': 240 } })).body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
    ups.app.clock.advance(5_000);
    const from = (ip: string) => ups.app.request('POST', '/webhooks/ups', { device: NO_UPS_DEVICE, site: 'sd6', event: 'SHUTDOWN', reporter: 'upsmon' }, { 'x-forwarded-for': ip });
    for (const ip of ['10.0.0.5', '10.0.0.6']) {
      expect((await from(ip)).body.results).toEqual([{ member: `upsmon:${ip}`, result: 'merged', incident: id }]);
    }
    const inc = await get(id);
    expect(Object.keys(inc.members)).toEqual(['ups:ups1']);
    expect(inc.timeline.filter((t: any) => t.type === 'notice').map((t: any) => [t.by, t.summary])).toEqual([
      ['upsmon:10.0.0.5', 'upsmon on 10.0.0.5: automatic shutdown proceeding (SHUTDOWN) - 10.0.0.5 is going down'],
      ['upsmon:10.0.0.6', 'upsmon on 10.0.0.6: automatic shutdown proceeding (SHUTDOWN) - 10.0.0.6 is going down'],
    ]);
    // a body cannot choose the address
    expect((await post({ device: NO_UPS_DEVICE, site: 'sd6', event: 'SHUTDOWN', seenFrom: '10.0.0.7' })).body.results[0]).toMatchObject({ member: 'upsmon:127.0.0.1' });
  });

  it('raises the incident to critical when it was lower, with the shutdown as its summary', async () => {
    const ob = await post({ device: 'ups1', site: 'sd2', event: 'ONBATT' });
    const id = ob.body.results[0].incident as string;
    expect((await get(id)).level).toBe(3);
    const down = await shutdown('sd2');
    expect(down.body.results[0]).toMatchObject({ result: 'merged', incident: id });
    const inc = await get(id);
    expect(inc.level).toBe(5);
    expect(inc.summary).toContain('127.0.0.1 is going down');
    expect(inc.timeline.map((t: any) => t.type)).toEqual(expect.arrayContaining(['notice', 'level_raised']));
  });

  it('with no power incident open, opens one a person must close (nothing of it can resolve)', async () => {
    const down = await shutdown('sd3');
    expect(down.body.results).toEqual([{ member: 'upsmon:127.0.0.1', result: 'opened', incident: expect.any(String) }]);
    const id = down.body.results[0].incident as string;
    let inc = await get(id);
    expect(inc).toMatchObject({ class: 'power', site: 'sd3', level: 5, state: 'open', members: {} });
    expect(inc.timeline[0]).toMatchObject({ type: 'opened', by: 'upsmon:127.0.0.1', note: expect.stringContaining('a person must close') });

    // a UPS that joins and goes back on line leaves it open, saying so
    await post({ device: 'ups1', site: 'sd3', event: 'ONBATT' });
    await post({ device: 'ups1', site: 'sd3', event: 'ONLINE' });
    ups.app.clock.advance(HOLD + 1_000);
    await tick();
    inc = await get(id);
    expect(inc.state).toBe('open');
    expect(inc.members['ups:ups1']).toMatchObject({ status: 'resolved' });
    expect(inc.timeline.map((t: any) => t.type)).toContain('source_clear');
  });

  it('is no heartbeat: no watch starts on the upsmon pseudo-device', async () => {
    expect((await post({ device: 'ups1', site: 'sd4', vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': 15 } })).status).toBe(200);
    await shutdown('sd4');
    ups.app.clock.advance(4 * MIN);
    await post({ device: 'ups1', site: 'sd4', vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': 12 } });
    ups.app.clock.advance(2 * MIN);
    expect(await ups.app.container.heartbeats.check()).toEqual([]);
  });
});
