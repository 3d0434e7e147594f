/** POST /webhooks/ups through the real app, real Redis and a manual clock: an outage from mains loss to mains back. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

const poll = (status: string, charge: number | string, runtime: number | string, extra: Record<string, unknown> = {}) =>
  app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': status, 'battery.charge': charge, 'battery.runtime': runtime, 'input.voltage': status.includes('OB') ? '0.0' : '230.4', ...extra } });
const powerResult = (res: { body: any }) => res.body.results.find((r: any) => r.member === 'ups:ups1');
const incidents = async (state?: string) => (await app.request('GET', `/api/incidents${state ? `?state=${state}` : ''}`)).body.incidents as any[];
const HOLD = 30_000;

describe('UPS webhook', () => {
  it('OL → OB → charge 55 → LB → OL: one power incident climbing 3 → 4 → 5, resolved only after the online hold', async () => {
    const idle = await poll('OL CHRG', '100', '2400');
    expect(idle.status).toBe(200);
    expect(powerResult(idle)).toMatchObject({ result: 'ignored', incident: null });
    expect(await incidents()).toEqual([]);

    const ob = await poll('OB DISCHRG', '87', '1500');
    expect(powerResult(ob)).toMatchObject({ result: 'opened' });
    const id = powerResult(ob).incident as string;
    expect((await app.request('GET', `/api/incidents/${id}`)).body).toMatchObject({ class: 'power', site: 'hq', level: 3, state: 'open' });

    app.clock.advance(5_000);
    expect(powerResult(await poll('OB DISCHRG', '86', '1490'))).toMatchObject({ result: 'duplicate', incident: id });

    app.clock.advance(60_000);
    expect(powerResult(await poll('OB DISCHRG', '55', '1200'))).toMatchObject({ result: 'merged', incident: id });
    let inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.level).toBe(4);
    expect(inc.summary).toContain('start the generator');

    app.clock.advance(60_000);
    expect(powerResult(await poll('OB DISCHRG LB', '20', '300'))).toMatchObject({ result: 'merged', incident: id });
    expect((await app.request('GET', `/api/incidents/${id}`)).body.level).toBe(5);

    app.clock.advance(60_000);
    expect(powerResult(await poll('OL CHRG', '21', '320'))).toMatchObject({ result: 'holding', incident: id });
    app.clock.advance(HOLD - 1_000);
    expect(powerResult(await poll('OL CHRG', '22', '340'))).toMatchObject({ result: 'holding' });
    expect((await incidents('open')).map((i) => i.id)).toEqual([id]);

    app.clock.advance(2_000);
    expect(powerResult(await poll('OL CHRG', '23', '360'))).toMatchObject({ result: 'resolved', incident: id });
    inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ state: 'resolved', level: 5 });
    expect(inc.resolvedAt).not.toBeNull();
    expect(inc.timeline.map((t: any) => t.type)).toEqual(expect.arrayContaining(['opened', 'level_raised', 'calm', 'member_resolved', 'resolved']));
    // the battery-recharge reminder reads the discharge depth at mains return (charge 23% → 77% discharged)
    expect(inc.members['ups:ups1']).toMatchObject({ status: 'resolved', details: { dischargeDepth: 77, charge: 23, status: 'OL CHRG' } });
    expect(await incidents()).toHaveLength(1);
  });

  it('FSD that upsd keeps after a shutdown: on line with good charge the power incident resolves; restarting upsd is its own incident', async () => {
    const lb = await poll('FSD OB DISCHRG LB', '12', '200');
    const id = powerResult(lb).incident as string;
    expect((await app.request('GET', `/api/incidents/${id}`)).body).toMatchObject({ class: 'power', level: 5 });
    // mains back, the battery recharging: FSD still set by upsd, the charge too low to call it over
    app.clock.advance(60_000);
    expect(powerResult(await poll('FSD OL CHRG', '35', '600'))).toMatchObject({ result: 'merged', incident: id }); // still critical (FSD), no longer LB
    // hours later, charge good: FSD is all that is left
    app.clock.advance(3 * 3_600_000);
    const good = await poll('FSD OL CHRG', '80', '1900');
    expect(powerResult(good)).toMatchObject({ result: 'holding', incident: id });
    const stale = good.body.results.find((r: any) => r.member === 'ups:ups1:fsd');
    expect(stale).toMatchObject({ result: 'opened' });
    app.clock.advance(HOLD + 1_000);
    expect(powerResult(await poll('FSD OL CHRG', '81', '1950'))).toMatchObject({ result: 'resolved', incident: id });
    expect((await app.request('GET', `/api/incidents/${id}`)).body.state).toBe('resolved');
    const fsd = (await app.request('GET', `/api/incidents/${stale.incident}`)).body;
    expect(fsd).toMatchObject({ class: 'machine_room', level: 2, state: 'open', summary: expect.stringContaining('still reports FSD') });
    expect(fsd.summary).toContain('restart upsd');
    // upsd restarted: the flag is gone and so is the incident
    app.clock.advance(60_000);
    const cleared = await poll('OL CHRG', '82', '2000');
    expect(cleared.body.results.find((r: any) => r.member === 'ups:ups1:fsd')).toMatchObject({ result: 'resolved', incident: stale.incident });
    expect(await incidents('open')).toEqual([]);
  });

  it('a flap OB → OL → OB within the online hold keeps one incident and never resolves it', async () => {
    const first = powerResult(await poll('OB DISCHRG', '90', '1800'));
    expect(first.result).toBe('opened');
    app.clock.advance(5_000);
    expect(powerResult(await poll('OL CHRG', '90', '1800')).result).toBe('holding');
    app.clock.advance(10_000);
    const again = powerResult(await poll('OB DISCHRG', '89', '1750'));
    expect(again).toMatchObject({ incident: first.incident, result: 'merged' }); // calm ended: news, not a duplicate
    // back on line again: the hold starts afresh from this calm report
    app.clock.advance(5_000);
    expect(powerResult(await poll('OL CHRG', '89', '1750')).result).toBe('holding');
    app.clock.advance(HOLD - 5_000);
    expect(powerResult(await poll('OL CHRG', '90', '1800')).result).toBe('holding');
    app.clock.advance(6_000);
    expect(powerResult(await poll('OL CHRG', '90', '1800')).result).toBe('resolved');
    const all = await incidents();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: 'resolved', class: 'power' });
    // a refire soon after reopens the same incident (daemon.yaml reopenWindow)
    app.clock.advance(60_000);
    expect(powerResult(await poll('OB DISCHRG', '85', '1500'))).toMatchObject({ result: 'reopened', incident: first.incident });
    expect(await incidents()).toHaveLength(1);
  });

  it('a new cause at the critical level is news (timeline, summary); the same cause again is a duplicate', async () => {
    const post = (status: string, runtime: number) => app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': status, 'battery.charge': 30, 'battery.runtime': runtime } });
    const short = powerResult(await post('OB DISCHRG', 240));
    expect(short.result).toBe('opened');
    const id = short.incident as string;
    expect((await app.request('GET', `/api/incidents/${id}`)).body).toMatchObject({ level: 5, summary: expect.not.stringContaining('battery low') });

    app.clock.advance(5_000);
    expect(powerResult(await post('OB DISCHRG', 230))).toMatchObject({ result: 'duplicate' });
    app.clock.advance(5_000);
    expect(powerResult(await post('OB DISCHRG LB', 220))).toMatchObject({ result: 'merged', incident: id });
    let inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.summary).toContain('battery low (LB)');
    expect(inc.timeline.filter((t: any) => t.type === 'event')).toEqual([expect.objectContaining({ member: 'ups:ups1', level: 5, summary: expect.stringContaining('battery low (LB)') })]);
    app.clock.advance(5_000);
    expect(powerResult(await post('OB DISCHRG LB', 210))).toMatchObject({ result: 'duplicate' });

    // upsmon's own word on it is news once, then a duplicate
    const lowbatt = () => app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'LOWBATT' });
    expect(powerResult(await lowbatt())).toMatchObject({ result: 'merged', incident: id });
    expect(powerResult(await lowbatt())).toMatchObject({ result: 'duplicate', incident: id });
    inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.timeline.filter((t: any) => t.type === 'event').map((t: any) => t.summary)).toEqual([
      expect.stringContaining('battery low (LB)'),
      'UPS ups1 battery low (LOWBATT); deep discharge (battery low): float it longer after mains returns',
    ]);
  });

  it('news of another member at the same level does not take the summary over', async () => {
    const ups = (device: string, status: string) => app.request('POST', '/webhooks/ups', { device, site: 'hq', vars: { 'ups.status': status, 'battery.charge': 90 } });
    const id = (await ups('ups1', 'OB DISCHRG')).body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
    expect((await ups('ups2', 'OB DISCHRG')).body.results).toContainEqual({ member: 'ups:ups2', result: 'merged', incident: id });
    expect((await app.request('GET', `/api/incidents/${id}`)).body.summary).toBe('UPS ups1 on battery');
  });

  it('NUT notifications without variables: ONBATT opens, LOWBATT raises to critical, ONLINE holds', async () => {
    const post = (event: string) => app.request('POST', '/webhooks/ups', { device: 'ups2@127.0.0.1:13493', site: 'dc1', event });
    const ob = await post('ONBATT');
    expect(ob.body.results).toEqual([{ member: 'ups:ups2', result: 'opened', incident: expect.any(String) }]);
    expect((await post('LOWBATT')).body.results[0]).toMatchObject({ result: 'merged' });
    expect((await post('ONLINE')).body.results[0]).toMatchObject({ result: 'holding' });
    const [inc] = await incidents('open');
    expect(inc).toMatchObject({ class: 'power', site: 'dc1', level: 5 });
    const comm = await post('COMMBAD');
    expect(comm.body.results).toEqual([{ member: 'ups:ups2:comm', result: 'opened', incident: expect.any(String) }]);
    expect((await app.request('GET', `/api/incidents/${comm.body.results[0].incident}`)).body).toMatchObject({ class: 'machine_room', level: 2 });
    expect((await post('COMMOK')).body.results[0]).toMatchObject({ member: 'ups:ups2:comm', result: 'resolved' });
    const unknown = await post('SUSPEND_STARTING');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ accepted: 0, results: [] });
  });

  it('RB and a hot UPS are their own incidents; numbers as strings are fine', async () => {
    const res = await poll('OL CHRG RB', '100', '2400', { 'ups.temperature': '38.5' });
    expect(res.status).toBe(200);
    const opened = res.body.results.filter((r: any) => r.result === 'opened').map((r: any) => r.member).sort();
    expect(opened).toEqual(['ups:ups1:battery', 'ups:ups1:temperature']);
    const classes = (await incidents('open')).map((i) => `${i.class}/${i.level}`).sort();
    expect(classes).toEqual(['hvac/2', 'machine_room/1']);
    const cleared = await poll('OL CHRG', '100', '2400', { 'ups.temperature': '30' });
    expect(cleared.body.results.filter((r: any) => r.result === 'resolved').map((r: any) => r.member).sort()).toEqual(['ups:ups1:battery', 'ups:ups1:temperature']);
  });

  it('mirrors the last reading in /metrics', async () => {
    await poll('OB DISCHRG', '55', '1200');
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^tocsin_ups_battery_charge_ratio\{site="hq",device="ups1"\} 0\.55$/m);
    expect(text).toMatch(/^tocsin_ups_battery_runtime_seconds\{site="hq",device="ups1"\} 1200$/m);
    expect(text).toMatch(/^tocsin_ups_on_battery\{site="hq",device="ups1"\} 1$/m);
    expect(text).toMatch(/^tocsin_ups_status\{site="hq",device="ups1",flag="DISCHRG"\} 1$/m);
    expect(text).toMatch(/^tocsin_ups_status\{site="hq",device="ups1",flag="OL"\} 0$/m);
  });

  it.each([
    ['charge not a number', { device: 'ups1', vars: { 'ups.status': 'OB', 'battery.charge': 'lots' } }, 'battery.charge'],
    ['negative runtime', { device: 'ups1', vars: { 'ups.status': 'OB', 'battery.runtime': -5 } }, 'battery.runtime'],
    ['charge over 100', { device: 'ups1', vars: { 'battery.charge': '120' } }, 'battery.charge'],
    ['status not a string', { device: 'ups1', vars: { 'ups.status': 7 } }, 'ups.status'],
    ['vars not an object', { device: 'ups1', vars: 'OB' }, 'vars'],
    ['no device', { event: 'ONBATT' }, 'device'],
    ['an empty device', { device: '', site: 'zz', event: 'ONBATT' }, 'device'],
    ['a blank device', { device: '  ', site: 'zz', vars: { 'ups.status': 'OB' } }, 'device'],
    ['a device with no name before @', { device: '@nut-host:3493', site: 'zz', event: 'ONBATT' }, 'device'],
    ['neither event nor vars', { device: 'ups1' }, 'event'],
    ['a JSON array', [1, 2], '(body)'],
  ])('rejects %s with 422 naming the field', async (_name, body, field) => {
    const res = await app.request('POST', '/webhooks/ups', body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('TOCSIN_ERR_INPUT_INVALID');
    expect(res.body.error.message).toContain(field);
    expect(await incidents()).toEqual([]);
  });
});

describe('telemetry names as metric labels', () => {
  it('a device or site that reads as a phone number or e-mail address is masked; a made-up webhook path is "other"; past http.metricSeries no new series', async () => {
    await app.stop();
    const base = loadConfig('config');
    app = await startTestApp({ config: { ...base, daemon: { ...base.daemon, http: { ...base.daemon.http, metricSeries: 2 } } } });
    const post = (b: Record<string, unknown>) => app.request('POST', '/webhooks/ups', b);
    expect((await post({ device: '+15555550102', site: 'ana.costa@example.com', event: 'ONLINE' })).status).toBe(200);
    expect((await post({ device: 'ups2', site: 'hq', event: 'ONLINE' })).status).toBe(200);
    const third = await post({ device: 'ups3', site: 'hq', event: 'ONBATT' });
    expect(third.status).toBe(200);
    expect(third.body.results).toEqual([expect.objectContaining({ result: 'opened' })]); // still an incident
    expect((await app.request('POST', '/webhooks/+15555550101', {})).status).toBe(404);
    const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^tocsin_ups_on_battery\{site="\*\*\*@\*\*\*\.com~[a-p]{10}",device="\*\*\*02~[a-p]{10}"\} 0$/m);
    expect(text).toContain('tocsin_ups_on_battery{site="hq",device="ups2"} 0');
    expect(text).not.toContain('device="ups3"');
    expect(text).not.toMatch(/5555550|ana\.costa/);
    expect(text).toMatch(/tocsin_http_requests_total\{route="other",status="4xx"\} 1/);
  });
});


describe('what a UPS post counts as events', () => {
  const received = async () =>
    Object.fromEntries((await app.container.metrics.eventsReceived.get()).values.filter((v) => v.labels.source === 'ups' && v.value > 0).map((v) => [String(v.labels.result), v.value]));
  const post = (status: string) => app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': status, 'battery.charge': 100, 'battery.runtime': 2400, 'input.voltage': 230 } });

  it('a poll with nothing open answers its all-clears ignored without counting them; the ones that clear something count', async () => {
    for (let i = 0; i < 3; i++) {
      const idle = await post('OL CHRG');
      expect(idle.status).toBe(200);
      expect(idle.body.accepted).toBeGreaterThanOrEqual(5); // on line, line, overload, bypass, battery, comm
      expect(new Set(idle.body.results.map((r: any) => r.result))).toEqual(new Set(['ignored']));
      app.clock.advance(5_000);
    }
    expect(await received()).toEqual({});

    const over = await post('OL OVER');
    const overload = over.body.results.find((r: any) => r.member === 'ups:ups1:overload');
    expect(overload).toMatchObject({ result: 'opened' });
    // the post's other all-clears find nothing in that incident: answered as the store would, not counted
    expect(over.body.results.filter((r: any) => r.member !== 'ups:ups1:overload').map((r: any) => r.result)).toEqual(expect.arrayContaining(['ignored']));
    expect(over.body.results.find((r: any) => r.member === 'ups:ups1:bypass')).toMatchObject({ member: 'ups:ups1:bypass', result: 'ignored' });
    expect(await received()).toEqual({ opened: 1 });

    app.clock.advance(5_000);
    expect((await post('OL OVER')).body.results.find((r: any) => r.member === 'ups:ups1:overload')).toMatchObject({ result: 'duplicate' });
    app.clock.advance(5_000);
    const cleared = await post('OL CHRG');
    expect(cleared.body.results.find((r: any) => r.member === 'ups:ups1:overload')).toMatchObject({ result: 'resolved', incident: overload.incident });
    expect(await received()).toEqual({ opened: 1, duplicate: 1, resolved: 1 });
  });
});
