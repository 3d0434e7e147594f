/**
 * UPS telemetry (NUT variable names, NUT notification types) → normalized events. Pure.
 *
 * Members, one per condition of one device (all power members of a site group into one incident):
 *   ups:<dev>          power: on battery → start the generator → critical; back on line resolves it
 *                      after `onlineHold` of calm, so an OB/OL flap never pages twice; discharged
 *                      deeply (deepDischarge, or LB) it carries the label discharge=deep
 *   ups:<dev>:line     power: the centre's own line failed (input lost while on bypass or off)
 *   ups:<dev>:overload, ups:<dev>:bypass, ups:<dev>:battery (RB), ups:<dev>:temperature,
 *   ups:<dev>:comm (COMMBAD / NOCOMM)
 *   upsmon:<host>      upsmon on that host lost its parent (NOPARENT): no shutdown possible; a person
 *                      resolves it after restarting upsmon (nothing reports upsmon back); a report
 *                      naming no host is named by the address it came from (seenFrom)
 *   ups:<dev>:fsd      FSD left by upsd after a shutdown, on line with good charge (see isStaleFsd):
 *                      its own incident until upsd restarts, no longer a critical power one
 * A poll (vars with `ups.status`) also reports every condition that is absent as `resolved`.
 * upsmon's SHUTDOWN (the host upsmon runs on is going down; it names no UPS) is a notice on the
 * site's power incident, by upsmon:<host>, never a member: nothing would ever resolve it; a report
 * naming no host is named, as NOPARENT's, by the address it came from (the machine going down).
 *
 * Its parts: ups-status (ups.status, the figures read), ups-device (who reported), ups-power (the
 * power member), ups-discharge (deep discharge), ups-stale-fsd, ups-notifications (NOPARENT,
 * SHUTDOWN), ups-finding (what each finds).
 */
import { clampLevel, type NormalizedEvent } from './event.js';
import { upsDeviceId } from './ups-device.js';
import { dischargeDepth } from './ups-discharge.js';
import type { UpsConfig, UpsFinding } from './ups-finding.js';
import { noParentFinding, NUT_NOTIFICATIONS, shutdownNotice } from './ups-notifications.js';
import { powerFinding } from './ups-power.js';
import { isStaleFsd, staleFsdText } from './ups-stale-fsd.js';
import { readUps, type UpsReadings, type UpsStatusToken, type UpsVars } from './ups-status.js';

export interface UpsInput {
  readonly device: string;
  readonly site?: string | undefined;
  /** A NUT notification type (any string is accepted). */
  readonly event?: string | undefined;
  readonly vars?: UpsVars | undefined;
  /** Who made the report (`ups-poll`, `upsmon`); absent from other senders. */
  readonly reporter?: string | undefined;
  /** The host the reporter runs on (ups-notify: upsmon's host). */
  readonly host?: string | undefined;
  /** The address the report came from (as the HTTP server saw it): NOPARENT's and SHUTDOWN's host when the report names none. */
  readonly seenFrom?: string | undefined;
}

/** A condition read from a status token or a notification pair; undefined = nothing known. */
function flagState(r: UpsReadings, token: UpsStatusToken, note: string, on: readonly string[], off: readonly string[]): boolean | undefined {
  if (r.status) return r.status.flags.has(token);
  if (on.includes(note)) return true;
  if (off.includes(note)) return false;
  return undefined;
}

function findings(dev: string, host: string | undefined, r: UpsReadings, note: string, cfg: UpsConfig): UpsFinding[] {
  const out: UpsFinding[] = [];
  const add = (suffix: string, c: { class: string; level: number }, state: boolean | undefined, kind: string, text: string, holdMs?: number) => {
    if (state === undefined) return;
    out.push({ member: `ups:${dev}:${suffix}`, class: c.class, level: c.level, status: state ? 'firing' : 'resolved', kind, summary: state ? `UPS ${dev} ${text}` : `UPS ${dev} ${kind} cleared`, holdMs });
  };

  const power = powerFinding(dev, r, note, cfg);
  if (power) out.push(power);

  if (r.status) {
    const f = r.status.flags;
    const unprotected = f.has('BYPASS') || f.has('OFF');
    const inputLost = r.inputVoltage !== undefined && r.inputVoltage < cfg.lineFault.inputVoltageBelow;
    const line = unprotected ? (r.inputVoltage === undefined ? undefined : inputLost) : false;
    add('fsd', cfg.staleFsd, isStaleFsd(r, cfg), 'stale_fsd', staleFsdText(r));
    add('line', cfg.lineFault, line, 'line_fault', `input lost while ${f.has('BYPASS') ? 'on bypass' : 'output off'} (input ${r.inputVoltage ?? '?'} V) - the centre's own power line failed`, cfg.onlineHold);
  }
  add('overload', cfg.overload, flagState(r, 'OVER', note, [], []), 'overload', `overloaded (OVER${r.load !== undefined ? `, load ${r.load}%` : ''})`);
  add('bypass', cfg.bypass, flagState(r, 'BYPASS', note, ['BYPASS'], ['NOTBYPASS']), 'bypass', 'on bypass: powered but not protected');
  add('battery', cfg.replaceBattery, flagState(r, 'RB', note, ['REPLBATT'], []), 'replace_battery', 'battery needs to be replaced');
  if (r.temperature !== undefined) {
    add('temperature', cfg.temperature, r.temperature > cfg.temperature.above, 'temperature', `temperature ${r.temperature} °C above ${cfg.temperature.above} °C`);
  }
  const commLost = note === 'COMMBAD' || note === 'NOCOMM';
  const commOk = note === 'COMMOK' || (r.status !== undefined && !commLost);
  add('comm', cfg.commLost, commLost ? true : commOk ? false : undefined, 'comm_lost', note === 'NOCOMM' ? 'unavailable (NOCOMM)' : 'communications lost (COMMBAD)');
  if (note === 'NOPARENT') out.push(noParentFinding(host, cfg));
  return out;
}

/**
 * The host upsmon runs on, named by NOPARENT and SHUTDOWN: the one the report gives, else the address
 * it came from (two hosts' upsmon never share one NOPARENT incident, and a SHUTDOWN says which machine
 * is going down).
 */
function upsmonHost(input: UpsInput): string | undefined {
  return input.host?.trim() || input.seenFrom?.trim() || undefined;
}

export function evaluateUps(input: UpsInput, cfg: UpsConfig, now: number): NormalizedEvent[] {
  const dev = upsDeviceId(input.device);
  const site = input.site?.trim() || cfg.defaultSite;
  const note = (input.event ?? '').trim().toUpperCase();
  const host = note === 'NOPARENT' || note === 'SHUTDOWN' ? upsmonHost(input) : input.host?.trim() || undefined;
  const r = readUps(input.vars);
  const details = {
    device: input.device,
    notification: note === '' ? null : note,
    knownNotification: note === '' ? null : (NUT_NOTIFICATIONS as readonly string[]).includes(note),
    status: r.status ? [...r.status.flags].join(' ') : null,
    unknownTokens: r.status?.unknown ?? [],
    charge: r.charge ?? null,
    runtime: r.runtime ?? null,
    load: r.load ?? null,
    temperature: r.temperature ?? null,
    inputVoltage: r.inputVoltage ?? null,
    dischargeDepth: dischargeDepth(r.charge) ?? null,
    vars: input.vars ?? {},
  };
  const events: NormalizedEvent[] = findings(dev, host, r, note, cfg).map((f) => ({
    source: 'ups',
    class: f.class,
    site,
    level: clampLevel(f.level),
    status: f.status,
    member: f.member,
    eventKey: f.status === 'firing' ? `${f.member}:${f.kind}:${f.level}${f.cause ? `:${f.cause}` : ''}` : `${f.member}:clear`,
    groupHint: f.member,
    summary: f.summary,
    at: now,
    labels: { device: dev, kind: f.kind, ...(f.kind === 'noparent' && host ? { host } : {}), ...f.labels },
    details,
    drill: false,
    holdMs: f.status === 'resolved' ? f.holdMs : undefined,
  }));
  if (note === 'SHUTDOWN') {
    // the site's power incident, at the critical level
    const n = shutdownNotice(dev, host);
    events.push({ source: 'ups', class: cfg.onBattery.class, site, level: clampLevel(cfg.critical.level), status: 'notice', member: n.by, eventKey: `${n.by}:shutdown`, groupHint: n.by, summary: n.summary, at: now, labels: { device: dev, kind: 'shutdown', ...(host ? { host } : {}) }, details, drill: false });
  }
  return events;
}
