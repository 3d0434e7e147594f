import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { NormalizedEvent } from './event.js';
import { evaluateUps, type UpsInput } from './ups.js';
import { upsDeviceId } from './ups-device.js';
import { parseUpsStatus, readUps, upsNumber } from './ups-status.js';

const cfg = loadConfig('config').sources.ups;
const NOW = Date.parse('2026-11-23T10:00:00Z');
const ups = (input: Partial<UpsInput>) => evaluateUps({ device: 'ups1', site: 'hq', ...input }, cfg, NOW);
const member = (events: NormalizedEvent[], m: string) => events.find((e) => e.member === m);
const power = (events: NormalizedEvent[]) => member(events, 'ups:ups1');

describe('parseUpsStatus', () => {
  it('reads the status as a set of tokens, FSD first or not', () => {
    const s = parseUpsStatus('FSD OB DISCHRG LB');
    expect([...s.flags].sort()).toEqual(['DISCHRG', 'FSD', 'LB', 'OB']);
    expect(parseUpsStatus('OB LB DISCHRG FSD').flags).toEqual(s.flags);
    expect(s.unknown).toEqual([]);
  });
  it('tolerates extra spaces and keeps tokens it does not know', () => {
    const s = parseUpsStatus('  OL   CHRG  ECO ');
    expect([...s.flags]).toEqual(['OL', 'CHRG']);
    expect(s.unknown).toEqual(['ECO']);
  });
  it('knows every token NUT documents', () => {
    const all = 'OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST FSD ALARM';
    expect(parseUpsStatus(all).flags.size).toBe(15);
  });
});

describe('upsNumber / readUps', () => {
  it('accepts numbers that arrive as strings', () => {
    expect(upsNumber('55')).toBe(55);
    expect(upsNumber(' 31.5 ')).toBe(31.5);
    expect(upsNumber(1200)).toBe(1200);
    expect(upsNumber('')).toBeUndefined();
    expect(upsNumber('n/a')).toBeUndefined();
    expect(upsNumber(null)).toBeUndefined();
  });
  it('reads the figures of a poll', () => {
    const r = readUps({ 'ups.status': 'OB DISCHRG', 'battery.charge': '87', 'battery.runtime': '1500', 'input.voltage': '0.0', 'ups.load': 40 });
    expect(r).toMatchObject({ charge: 87, runtime: 1500, inputVoltage: 0, load: 40 });
    expect(r.status?.flags.has('OB')).toBe(true);
  });
  it('takes the device name out of an upsmon MONITOR string', () => {
    expect(upsDeviceId('ups1@127.0.0.1:13493')).toBe('ups1');
    expect(upsDeviceId('')).toBe('upsmon');
  });
});

describe('evaluateUps: power', () => {
  it('on battery → power at the on-battery level', () => {
    const e = power(ups({ vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': '87', 'battery.runtime': '1500' } }));
    expect(e).toMatchObject({ class: 'power', level: 3, status: 'firing', site: 'hq', labels: { kind: 'on_battery', device: 'ups1' } });
    expect(e?.details).toMatchObject({ charge: 87, runtime: 1500, dischargeDepth: 13 });
  });
  it('charge below 60% while on battery → the generator level, and the summary says so', () => {
    const e = power(ups({ vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': '55', 'battery.runtime': '1200' } }));
    expect(e).toMatchObject({ level: 4, labels: { kind: 'generator' } });
    expect(e?.summary).toContain('start the generator');
    expect(e?.details).toMatchObject({ dischargeDepth: 45 });
  });
  it('charge exactly at 60% is not below it', () => {
    expect(power(ups({ vars: { 'ups.status': 'OB', 'battery.charge': 60, 'battery.runtime': 1200 } }))?.level).toBe(3);
  });
  it('LB while on battery → critical', () => {
    const e = power(ups({ vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': '70', 'battery.runtime': '1200' } }));
    expect(e).toMatchObject({ level: 5, labels: { kind: 'critical' } });
  });
  it('runtime shorter than the generator start time → critical', () => {
    const short = power(ups({ vars: { 'ups.status': 'OB', 'battery.charge': '90', 'battery.runtime': '599' } }));
    expect(short?.level).toBe(5);
    expect(short?.summary).toBe('UPS ups1 on battery; runtime 9 min 59 s shorter than the generator start time (10 min)');
    expect(power(ups({ vars: { 'ups.status': 'OB', 'battery.charge': '90', 'battery.runtime': '600' } }))?.level).toBe(3);
  });
  it('FSD first in the status → critical', () => {
    expect(power(ups({ vars: { 'ups.status': 'FSD OB DISCHRG LB', 'battery.charge': '10' } }))).toMatchObject({ level: 5, status: 'firing' });
  });
  it('FSD left by upsd on line power: critical while the charge is low, a stale flag of its own once it is good', () => {
    const low = ups({ vars: { 'ups.status': 'FSD OL CHRG', 'battery.charge': '40' } });
    expect(power(low)).toMatchObject({ level: 5, status: 'firing', labels: { kind: 'critical' } });
    expect(member(low, 'ups:ups1:fsd')).toMatchObject({ status: 'resolved' });
    const unknownCharge = ups({ vars: { 'ups.status': 'FSD OL' } });
    expect(power(unknownCharge)).toMatchObject({ level: 5, status: 'firing' });
    const good = ups({ vars: { 'ups.status': 'FSD OL CHRG', 'battery.charge': String(cfg.staleFsd.chargeAtLeast) } });
    expect(power(good)).toMatchObject({ status: 'resolved', holdMs: cfg.onlineHold });
    expect(member(good, 'ups:ups1:fsd')).toMatchObject({ status: 'firing', class: 'machine_room', level: 2, labels: { kind: 'stale_fsd' }, summary: expect.stringContaining('restart upsd') });
    // on battery FSD is the shutdown itself, whatever the charge
    expect(power(ups({ vars: { 'ups.status': 'FSD OB DISCHRG', 'battery.charge': '95' } }))).toMatchObject({ level: 5, status: 'firing' });
    expect(member(ups({ vars: { 'ups.status': 'OL CHRG', 'battery.charge': '100' } }), 'ups:ups1:fsd')).toMatchObject({ status: 'resolved' });
  });
  it('a deep discharge (50% used, or LB / LOWBATT) labels the power member discharge=deep, once news', () => {
    const at = (charge: number) => power(ups({ vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': String(charge), 'battery.runtime': '1500' } }));
    expect(at(51)?.labels).toEqual({ device: 'ups1', kind: 'generator' });
    const deep = at(50);
    expect(deep?.labels).toEqual({ device: 'ups1', kind: 'generator', discharge: 'deep' });
    expect(deep?.summary).toBe('UPS ups1 on battery; charge 50% below 60% - start the generator; deep discharge (battery 50% discharged): float it longer after mains returns');
    expect(deep?.eventKey).not.toBe(at(51)?.eventKey);
    expect(at(45)?.eventKey).toBe(deep?.eventKey);
    expect(power(ups({ vars: { 'ups.status': 'OB DISCHRG LB' } }))?.labels).toMatchObject({ discharge: 'deep' });
    expect(power(ups({ event: 'LOWBATT' }))?.labels).toMatchObject({ discharge: 'deep' });
    expect(power(ups({ event: 'ONBATT' }))?.labels).toEqual({ device: 'ups1', kind: 'on_battery' });
    // back on line is no discharge
    expect(power(ups({ vars: { 'ups.status': 'OL CHRG', 'battery.charge': '30' } }))?.labels).toEqual({ device: 'ups1', kind: 'online' });
  });
  it('back on line → resolved with the online hold, so a flap does not page twice', () => {
    const e = power(ups({ vars: { 'ups.status': 'OL CHRG', 'battery.charge': '45' } }));
    expect(e).toMatchObject({ status: 'resolved', holdMs: cfg.onlineHold });
    expect(cfg.onlineHold).toBe(30_000);
    expect(e?.details).toMatchObject({ dischargeDepth: 55 });
  });
  it('a calibration run on battery is not an outage', () => {
    expect(power(ups({ vars: { 'ups.status': 'OB CAL DISCHRG', 'battery.charge': '50' } }))).toBeUndefined();
  });
  it('identical polls carry the same event key; a new level a new one', () => {
    const a = power(ups({ vars: { 'ups.status': 'OB', 'battery.charge': '87', 'battery.runtime': '1500' } }));
    const b = power(ups({ vars: { 'ups.status': 'OB', 'battery.charge': '86', 'battery.runtime': '1490' } }));
    const c = power(ups({ vars: { 'ups.status': 'OB', 'battery.charge': '55', 'battery.runtime': '1200' } }));
    expect(a?.eventKey).toBe(b?.eventKey);
    expect(c?.eventKey).not.toBe(a?.eventKey);
  });
  it('the site defaults from config', () => {
    expect(evaluateUps({ device: 'ups9', event: 'ONBATT' }, cfg, NOW)[0]?.site).toBe('default');
  });
});

describe('evaluateUps: notification types without variables', () => {
  const note = (event: string) => ups({ event });
  it('ONBATT → on battery; LOWBATT and FSD → critical; ONLINE → back on line', () => {
    expect(power(note('ONBATT'))).toMatchObject({ status: 'firing', level: 3 });
    expect(power(note('lowbatt'))).toMatchObject({ status: 'firing', level: 5 });
    expect(power(note('FSD'))).toMatchObject({ status: 'firing', level: 5 });
    expect(power(note('ONLINE'))).toMatchObject({ status: 'resolved', holdMs: 30_000 });
  });
  it('COMMBAD / NOCOMM → comm lost; COMMOK → comm resolved', () => {
    expect(member(note('COMMBAD'), 'ups:ups1:comm')).toMatchObject({ class: 'machine_room', level: 2, status: 'firing' });
    expect(member(note('NOCOMM'), 'ups:ups1:comm')).toMatchObject({ status: 'firing' });
    expect(member(note('COMMOK'), 'ups:ups1:comm')).toMatchObject({ status: 'resolved' });
    expect(power(note('COMMBAD'))).toBeUndefined();
  });
  it('REPLBATT → replace the battery', () => {
    expect(member(note('REPLBATT'), 'ups:ups1:battery')).toMatchObject({ class: 'machine_room', level: 1, status: 'firing' });
  });
  it("NOPARENT (no UPS named): one member per upsmon host, which only a person resolves, saying so", () => {
    const [e, ...rest] = evaluateUps({ device: 'upsmon', site: 'hq', event: 'NOPARENT', host: 'pbx-01' }, cfg, NOW);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ member: 'upsmon:pbx-01', status: 'firing', class: cfg.commLost.class, level: cfg.commLost.level, labels: { kind: 'noparent', host: 'pbx-01' } });
    expect(e?.summary).toContain('upsmon on pbx-01 lost its parent process (NOPARENT)');
    expect(e?.summary).toContain('Restart upsmon on pbx-01, then resolve this incident by hand');
    expect(evaluateUps({ device: 'upsmon', event: 'NOPARENT' }, cfg, NOW)[0]).toMatchObject({ member: 'upsmon', summary: expect.stringContaining('Restart upsmon, then') });
    // the repeat every 2 minutes is the same news
    expect(evaluateUps({ device: 'upsmon', site: 'hq', event: 'NOPARENT', host: 'pbx-01' }, cfg, NOW + 120_000)[0]?.eventKey).toBe(e?.eventKey);
  });
  it('NOPARENT from a sender that names no host: named by the address it came from, so two hosts never share a member', () => {
    const a = evaluateUps({ device: 'upsmon', site: 'hq', event: 'NOPARENT', seenFrom: '10.0.0.5' }, cfg, NOW)[0];
    const b = evaluateUps({ device: 'upsmon', site: 'hq', event: 'NOPARENT', seenFrom: '10.0.0.6' }, cfg, NOW)[0];
    expect(a).toMatchObject({ member: 'upsmon:10.0.0.5', labels: { kind: 'noparent', host: '10.0.0.5' } });
    expect(a?.summary).toContain('Restart upsmon on 10.0.0.5, then resolve this incident by hand');
    expect(b?.member).toBe('upsmon:10.0.0.6');
    expect(b?.eventKey).not.toBe(a?.eventKey);
    // a host given wins over the address (a proxy or NAT in between)
    expect(evaluateUps({ device: 'upsmon', event: 'NOPARENT', host: 'pbx-01', seenFrom: '10.0.0.5' }, cfg, NOW)[0]?.member).toBe('upsmon:pbx-01');
    // SHUTDOWN alike: the machine going down is the one it came from, unless the report names one
    expect(evaluateUps({ device: 'upsmon', event: 'SHUTDOWN', seenFrom: '10.0.0.5' }, cfg, NOW)[0]).toMatchObject({
      member: 'upsmon:10.0.0.5',
      eventKey: 'upsmon:10.0.0.5:shutdown',
      summary: 'upsmon on 10.0.0.5: automatic shutdown proceeding (SHUTDOWN) - 10.0.0.5 is going down',
      labels: { kind: 'shutdown', host: '10.0.0.5' },
    });
    expect(evaluateUps({ device: 'upsmon', event: 'SHUTDOWN', host: 'pbx-01', seenFrom: '10.0.0.5' }, cfg, NOW)[0]?.member).toBe('upsmon:pbx-01');
  });
  it('SHUTDOWN names the machine going down: the host upsmon runs on', () => {
    const [e, ...rest] = evaluateUps({ device: 'upsmon', site: 'hq', event: 'SHUTDOWN', reporter: 'upsmon', host: 'pbx-01' }, cfg, NOW);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ status: 'notice', member: 'upsmon:pbx-01', eventKey: 'upsmon:pbx-01:shutdown', class: cfg.onBattery.class, level: cfg.critical.level, labels: { device: 'upsmon', kind: 'shutdown', host: 'pbx-01' } });
    expect(e?.summary).toBe('upsmon on pbx-01: automatic shutdown proceeding (SHUTDOWN) - pbx-01 is going down');
    // another host's shutdown is other news
    expect(evaluateUps({ device: 'upsmon', site: 'hq', event: 'SHUTDOWN', host: 'crm-02' }, cfg, NOW)[0]?.eventKey).toBe('upsmon:crm-02:shutdown');
    // no host named, and no address known (the socket was gone): no machine to name
    expect(evaluateUps({ device: 'upsmon', event: 'SHUTDOWN' }, cfg, NOW)[0]).toMatchObject({ member: 'upsmon', summary: 'upsmon: automatic shutdown proceeding (SHUTDOWN) - the systems are going down' });
    expect(evaluateUps({ device: 'ups1', event: 'SHUTDOWN', host: 'pbx-01' }, cfg, NOW).find((x) => x.status === 'notice')?.summary).toBe(
      'UPS ups1 (upsmon on pbx-01): automatic shutdown proceeding (SHUTDOWN) - pbx-01 is going down',
    );
  });
  it('UPSNAME as upsmon passes it names the same member as a poll', () => {
    expect(evaluateUps({ device: 'ups1@127.0.0.1:13493', event: 'ONBATT' }, cfg, NOW)[0]?.member).toBe('ups:ups1');
  });
  it('an unknown notification type is accepted and produces nothing by itself', () => {
    expect(note('SUSPEND_STARTING')).toEqual([]);
  });
  it('an unknown type with variables is recorded in the details', () => {
    const e = power(ups({ event: 'OTHER', vars: { 'ups.status': 'OB' } }));
    expect(e?.details).toMatchObject({ notification: 'OTHER', knownNotification: false });
  });
});

describe('evaluateUps: other conditions', () => {
  it('RB, OVER and BYPASS are their own members with their classes, resolved when the token is gone', () => {
    const on = ups({ vars: { 'ups.status': 'OL RB OVER BYPASS', 'input.voltage': '230' } });
    expect(member(on, 'ups:ups1:battery')).toMatchObject({ class: 'machine_room', level: 1, status: 'firing' });
    expect(member(on, 'ups:ups1:overload')).toMatchObject({ class: 'power', level: 3, status: 'firing' });
    expect(member(on, 'ups:ups1:bypass')).toMatchObject({ class: 'power', level: 3, status: 'firing' });
    const off = ups({ vars: { 'ups.status': 'OL' } });
    for (const m of ['ups:ups1:battery', 'ups:ups1:overload', 'ups:ups1:bypass']) expect(member(off, m)?.status).toBe('resolved');
  });
  it('input lost while on bypass → line fault (kind line_fault)', () => {
    const e = member(ups({ vars: { 'ups.status': 'BYPASS', 'input.voltage': '0' } }), 'ups:ups1:line');
    expect(e).toMatchObject({ class: 'power', level: 4, status: 'firing', labels: { kind: 'line_fault' } });
    expect(member(ups({ vars: { 'ups.status': 'BYPASS', 'input.voltage': '229' } }), 'ups:ups1:line')?.status).toBe('resolved');
  });
  it('temperature above the limit → hvac; at or under → resolved', () => {
    expect(member(ups({ vars: { 'ups.status': 'OL', 'ups.temperature': '35.5' } }), 'ups:ups1:temperature')).toMatchObject({ class: 'hvac', level: 2, status: 'firing' });
    expect(member(ups({ vars: { 'ups.status': 'OL', 'ups.temperature': '35' } }), 'ups:ups1:temperature')?.status).toBe('resolved');
    expect(member(ups({ vars: { 'ups.status': 'OL' } }), 'ups:ups1:temperature')).toBeUndefined();
  });
  it('a poll means communications work', () => {
    expect(member(ups({ vars: { 'ups.status': 'OL' } }), 'ups:ups1:comm')?.status).toBe('resolved');
  });
});
