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
 *                      resolves it after restarting upsmon (nothing reports upsmon back)
 *   ups:<dev>:fsd      FSD left by upsd after a shutdown, on line with good charge (see isStaleFsd):
 *                      its own incident until upsd restarts, no longer a critical power one
 * A poll (vars with `ups.status`) also reports every condition that is absent as `resolved`.
 * upsmon's SHUTDOWN (the host upsmon runs on is going down; it names no UPS) is a notice on the
 * site's power incident, by upsmon:<host>, never a member: nothing would ever resolve it.
 */
import type { SourcesConfig } from '../config/schema.js';
import { clampLevel, type NormalizedEvent } from './event.js';

export const UPS_STATUS_TOKENS = ['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'ALARM'] as const;
export type UpsStatusToken = (typeof UPS_STATUS_TOKENS)[number];

/** NUT 2.8.0's upsmon notification types; newer NUT adds CAL/NOTCAL, OFF/NOTOFF, BYPASS/NOTBYPASS, ALARM/NOTALARM, OTHER/NOTOTHER… */
export const NUT_NOTIFICATIONS = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'REPLBATT', 'NOCOMM', 'NOPARENT'] as const;

export type UpsVars = Readonly<Record<string, string | number | boolean | null>>;
export type UpsConfig = SourcesConfig['ups'];

export interface UpsStatus {
  /** The known tokens present (order-free: `FSD OB DISCHRG LB` = `OB LB DISCHRG FSD`). */
  readonly flags: ReadonlySet<UpsStatusToken>;
  /** Tokens NUT may add that this version does not know (kept for the record). */
  readonly unknown: readonly string[];
}

const KNOWN: ReadonlySet<string> = new Set(UPS_STATUS_TOKENS);

/** `ups.status` is a space-separated set of tokens. */
export function parseUpsStatus(text: string): UpsStatus {
  const flags = new Set<UpsStatusToken>();
  const unknown: string[] = [];
  for (const raw of text.trim().split(/\s+/)) {
    if (raw === '') continue;
    const t = raw.toUpperCase();
    if (KNOWN.has(t)) flags.add(t as UpsStatusToken);
    else if (!unknown.includes(t)) unknown.push(t);
  }
  return { flags, unknown };
}

/** NUT sends every value as a string: "55", " 1200 ", "31.5". Anything not a finite number is undefined. */
export function upsNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The figures tocsin reads from a poll (and mirrors as gauges). */
export interface UpsReadings {
  readonly status: UpsStatus | undefined;
  /** Percent. */
  readonly charge: number | undefined;
  /** Seconds. */
  readonly runtime: number | undefined;
  /** °C. */
  readonly temperature: number | undefined;
  /** Volts. */
  readonly inputVoltage: number | undefined;
  /** Percent. */
  readonly load: number | undefined;
}

export function readUps(vars: UpsVars | undefined): UpsReadings {
  const v = vars ?? {};
  const status = v['ups.status'];
  return {
    status: typeof status === 'string' ? parseUpsStatus(status) : undefined,
    charge: upsNumber(v['battery.charge']),
    runtime: upsNumber(v['battery.runtime']),
    temperature: upsNumber(v['ups.temperature']),
    inputVoltage: upsNumber(v['input.voltage']),
    load: upsNumber(v['ups.load']),
  };
}

/** The device a notification that names no UPS comes from (upsmon's SHUTDOWN: its UPSNAME is empty). */
export const UPSMON_DEVICE = 'upsmon';

/** upsmon's UPSNAME is the whole MONITOR string (`ups1@127.0.0.1:13493`); the device is the part before `@`. */
export function upsDeviceId(name: string): string {
  const d = name.trim().split('@')[0] ?? '';
  return d === '' ? UPSMON_DEVICE : d;
}

/** A report from a UPS, not from upsmon speaking for none (only a UPS's reports are its poller's heartbeat). */
export function isUpsDevice(name: string): boolean {
  return upsDeviceId(name) !== UPSMON_DEVICE;
}

/** Who made a report: `ups-poll` (its polls and COMMBAD/COMMOK) or `upsmon` (a notification through `ups-notify`). */
export const UPS_REPORTERS = ['ups-poll', 'upsmon'] as const;

/**
 * Whether a report is a beat of the UPS poller's heartbeat: one `ups-poll` made, or (a poller of
 * its own that does not say who it is) one carrying variables. upsmon notifies only on changes, so
 * its notifications neither start nor keep a poller's watch.
 */
export function isPollerReport(report: { readonly device: string; readonly reporter?: string | undefined; readonly vars?: unknown }): boolean {
  if (!isUpsDevice(report.device)) return false;
  if (report.reporter !== undefined) return report.reporter === 'ups-poll';
  return report.vars !== undefined && report.vars !== null;
}

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
}

type PowerCondition = 'on_battery' | 'generator' | 'critical';

interface Finding {
  readonly member: string;
  readonly class: string;
  readonly level: number;
  readonly status: 'firing' | 'resolved';
  /** Names the condition in labels.kind and in the event key. */
  readonly kind: string;
  /**
   * What brought the condition about (`lb`, `runtime`, `fsd`… sorted, `+`-joined), in the event key:
   * a new cause at the same level is news, the same cause again a duplicate.
   */
  readonly cause?: string | undefined;
  readonly summary: string;
  readonly holdMs?: number | undefined;
  /** Labels beyond device and kind (the power member's `discharge: deep`). */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

function minutes(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/**
 * FSD left in ups.status after a forced shutdown: upsd sets it when a primary upsmon asks and clears
 * it only when upsd restarts (NUT 2.8.0: not when mains returns, nor when the driver restarts or upsd
 * reloads). On line, not on battery, with at least `staleFsd.chargeAtLeast` charge, the shutdown is
 * over and the power is fine; the flag is a leftover that makes any upsmon starting now shut its host
 * down. Unknown charge: not known to be over.
 */
function isStaleFsd(r: UpsReadings, cfg: UpsConfig): boolean {
  const f = r.status?.flags;
  if (!f?.has('FSD') || !f.has('OL') || f.has('OB')) return false;
  return r.charge !== undefined && r.charge >= cfg.staleFsd.chargeAtLeast;
}

/** The power member: on battery, start the generator, critical; or back on line. */
function powerFinding(dev: string, r: UpsReadings, note: string, cfg: UpsConfig): Finding | undefined {
  const member = `ups:${dev}`;
  const reasons: { condition: PowerCondition; level: number; text: string; cause: string }[] = [];
  let online = false;
  // how deep this outage has discharged the battery: the float time after it depends on it
  let deep: string | undefined;
  const crit = (cause: string, text: string) => reasons.push({ condition: 'critical', level: cfg.critical.level, text, cause });

  if (r.status) {
    const f = r.status.flags;
    const ob = f.has('OB');
    const onPurpose = f.has('CAL'); // runtime calibration: on battery on purpose
    const fsd = f.has('FSD') && !isStaleFsd(r, cfg);
    if (fsd) crit('fsd', 'forced shutdown in progress (FSD)');
    if (ob && f.has('LB')) crit('lb', 'battery low (LB)');
    if (ob && !onPurpose) {
      reasons.push({ condition: 'on_battery', level: cfg.onBattery.level, text: 'on battery', cause: 'ob' });
      if (r.charge !== undefined && r.charge < cfg.generator.chargeBelow) {
        reasons.push({ condition: 'generator', level: cfg.generator.level, text: `charge ${r.charge}% below ${cfg.generator.chargeBelow}% - start the generator`, cause: 'charge' });
      }
      if (r.runtime !== undefined && r.runtime * 1000 < cfg.critical.generatorStartTime) {
        crit('runtime', `runtime ${minutes(r.runtime)} shorter than the generator start time (${minutes(cfg.critical.generatorStartTime / 1000)})`);
      }
      const depth = dischargeDepth(r.charge);
      if (depth !== undefined && depth >= cfg.deepDischarge.depthAtLeast) deep = `battery ${depth}% discharged`;
      else if (f.has('LB')) deep = 'battery low';
    }
    online = f.has('OL') && !ob && !fsd;
  } else {
    switch (note) {
      case 'ONBATT':
        reasons.push({ condition: 'on_battery', level: cfg.onBattery.level, text: 'on battery', cause: 'ob' });
        break;
      case 'LOWBATT':
        crit('lb', 'battery low (LOWBATT)');
        deep = 'battery low';
        break;
      case 'FSD':
        crit('fsd', 'forced shutdown in progress (FSD)');
        break;
      case 'ONLINE':
        online = true;
        break;
      default:
        break;
    }
  }

  if (reasons.length === 0) {
    return online ? { member, class: cfg.onBattery.class, level: cfg.onBattery.level, status: 'resolved', kind: 'online', summary: `UPS ${dev} back on line power`, holdMs: cfg.onlineHold } : undefined;
  }
  // The highest level decides; on a tie the more serious condition names it.
  const rank: Record<PowerCondition, number> = { on_battery: 0, generator: 1, critical: 2 };
  const top = reasons.reduce((a, b) => (b.level > a.level || (b.level === a.level && rank[b.condition] > rank[a.condition]) ? b : a));
  const causes = [...new Set(reasons.filter((x) => x.condition === top.condition).map((x) => x.cause))].sort();
  // a deep discharge is news once (its label decides the float reminder), then part of every report
  const cause = [...causes, ...(deep ? ['deep'] : [])].join('+');
  const texts = [...reasons.map((x) => x.text), ...(deep ? [`deep discharge (${deep}): float it longer after mains returns`] : [])];
  return { member, class: cfg.onBattery.class, level: top.level, status: 'firing', kind: top.condition, cause, summary: `UPS ${dev} ${texts.join('; ')}`, labels: deep ? { discharge: 'deep' } : undefined };
}

/** A condition read from a status token or a notification pair; undefined = nothing known. */
function flagState(r: UpsReadings, token: UpsStatusToken, note: string, on: readonly string[], off: readonly string[]): boolean | undefined {
  if (r.status) return r.status.flags.has(token);
  if (on.includes(note)) return true;
  if (off.includes(note)) return false;
  return undefined;
}

function findings(dev: string, host: string | undefined, r: UpsReadings, note: string, cfg: UpsConfig): Finding[] {
  const out: Finding[] = [];
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
    add(
      'fsd',
      cfg.staleFsd,
      isStaleFsd(r, cfg),
      'stale_fsd',
      `on line power (charge ${r.charge ?? '?'}%) but upsd still reports FSD - the forced shutdown is over; restart upsd to clear the flag (until then any upsmon that starts shuts its host down)`,
    );
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

/** The member of upsmon's NOPARENT: one per host upsmon runs on (`upsmon:<host>`; `upsmon` when the report names none). */
function upsmonMember(host: string | undefined): string {
  return host ? `${UPSMON_DEVICE}:${host}` : UPSMON_DEVICE;
}

/**
 * upsmon's NOPARENT (it names no UPS): its privileged parent died, so it cannot shut its host down.
 * NUT 2.8.0 repeats it every 2 minutes while upsmon runs so and says nothing when upsmon is
 * restarted, so no report ever clears it: a person resolves the incident after restarting upsmon,
 * and a repeat (upsmon still without its parent) reopens it.
 */
function noParentFinding(host: string | undefined, cfg: UpsConfig): Finding {
  const where = host ? ` on ${host}` : '';
  return {
    member: upsmonMember(host),
    class: cfg.commLost.class,
    level: cfg.commLost.level,
    status: 'firing',
    kind: 'noparent',
    summary: `upsmon${where} lost its parent process (NOPARENT) - no automatic shutdown is possible. Restart upsmon${where}, then resolve this incident by hand: nothing reports upsmon back (while it is not, NOPARENT comes again every 2 minutes and reopens it)`,
  };
}

/**
 * Percent of the battery used (100 − charge). On battery, from `deepDischarge.depthAtLeast` on, the
 * outage is a deep discharge: the power incident is labelled discharge=deep, which the playbook's
 * longer-float reminder matches.
 */
export function dischargeDepth(charge: number | undefined): number | undefined {
  return charge === undefined ? undefined : Math.max(0, Math.min(100, 100 - charge));
}

/**
 * upsmon's SHUTDOWN: who told it (a notice's `member`) and what it says. upsmon sends it as it shuts
 * down the machine it runs on, so the host ups-notify sends is the machine going down: it names the
 * notice (`upsmon:<host>`, as NOPARENT's member) and the summary; with no host, "the systems".
 */
function shutdownNotice(dev: string, host: string | undefined): { by: string; summary: string } {
  const upsmon = dev === UPSMON_DEVICE;
  const by = upsmon ? upsmonMember(host) : `ups:${dev}`;
  const who = upsmon ? `upsmon${host ? ` on ${host}` : ''}` : `UPS ${dev}${host ? ` (upsmon on ${host})` : ''}`;
  return { by, summary: `${who}: automatic shutdown proceeding (SHUTDOWN) - ${host ? `${host} is going down` : 'the systems are going down'}` };
}

export function evaluateUps(input: UpsInput, cfg: UpsConfig, now: number): NormalizedEvent[] {
  const dev = upsDeviceId(input.device);
  const site = input.site?.trim() || cfg.defaultSite;
  const note = (input.event ?? '').trim().toUpperCase();
  const host = input.host?.trim() || undefined;
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
