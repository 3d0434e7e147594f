/** Reads config/*.yaml, validates every file against the closed schema, cross-checks ids, freezes. */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { TocsinError } from '../domain/errors.js';
import { reminderKey } from '../domain/reminder-key.js';
import {
  CONFIG_FILES,
  makeSchemas,
  type ConfigFileName,
  type DaemonConfig,
  type PlaybooksConfig,
  type RolesConfig,
  type RosterConfig,
  type RosterPerson,
  type SeverityConfig,
  type SourcesConfig,
} from './schema.js';
import { deepFreeze } from './deep-freeze.js';
import { formatDuration } from './durations.js';

export interface Config {
  readonly dir: string;
  readonly clockSpeed: number;
  readonly daemon: DaemonConfig;
  readonly playbooks: PlaybooksConfig;
  readonly severity: SeverityConfig;
  readonly roles: RolesConfig;
  readonly roster: RosterConfig;
  readonly sources: SourcesConfig;
}

export interface ConfigProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}: ${p.path || '(top)'}: ${p.message}`;
}

export class ConfigError extends TocsinError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super('TOCSIN_ERR_CONFIG_INVALID', `invalid configuration:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

type Parsed = { [K in ConfigFileName]?: unknown };

/** One problem when `dir` is not a directory at all (instead of one per file it should hold). */
export function configDirProblem(dir: string): ConfigProblem | undefined {
  const root = resolve(dir);
  try {
    if (statSync(root).isDirectory()) return undefined;
    return { file: root, path: '', message: 'not a directory' };
  } catch (e) {
    return { file: root, path: '', message: `no configuration directory here (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
}

export function loadConfig(dir: string, options: { clockSpeed?: number } = {}): Config {
  const clockSpeed = options.clockSpeed ?? 1;
  const schemas = makeSchemas(clockSpeed);
  const problems: ConfigProblem[] = [];
  const parsed: Parsed = {};
  const root = resolve(dir);
  const missing = configDirProblem(root);
  if (missing) throw new ConfigError([missing]);

  for (const name of CONFIG_FILES) {
    const file = `${name}.yaml`;
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch (e) {
      problems.push({ file: join(root, file), path: '', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      continue;
    }
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const err of doc.errors) problems.push({ file: join(root, file), path: '', message: `YAML: ${err.message.split('\n')[0] ?? ''}` });
      continue;
    }
    const result = (schemas[name] as z.ZodType).safeParse(doc.toJS() ?? {});
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({ file: join(root, file), path: issue.path.map(String).join('.'), message: issue.message });
      }
      continue;
    }
    parsed[name] = result.data;
  }

  if (problems.length === 0) {
    problems.push(...crossCheck(root, parsed as ParsedConfig, clockSpeed));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const cfg = parsed as ParsedConfig;
  // people without a time zone read their times in the centre's (daemon.yaml `timezone`)
  const people = Object.fromEntries(Object.entries(cfg.roster.people).map(([id, p]) => [id, { ...p, timezone: p.timezone ?? cfg.daemon.timezone }]));
  return deepFreeze({ dir: root, clockSpeed, ...cfg, roster: { ...cfg.roster, people } });
}

/** The files as parsed: a person's time zone may still be missing (the centre's fills it in). */
type ParsedConfig = Omit<Config, 'dir' | 'clockSpeed' | 'roster'> & {
  readonly roster: Omit<RosterConfig, 'people'> & { readonly people: Readonly<Record<string, Omit<RosterPerson, 'timezone'> & { readonly timezone?: string | undefined }>> };
};

function crossCheck(root: string, c: ParsedConfig, clockSpeed: number): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const f = (name: ConfigFileName) => join(root, `${name}.yaml`);
  const roles = new Set(Object.keys(c.roles.roles));
  const classes = new Set(Object.keys(c.playbooks.classes));
  const people = c.roster.people;

  const role = (file: ConfigFileName, path: string, r: string) => {
    if (!roles.has(r)) out.push({ file: f(file), path, message: `unknown role "${r}" (roles.yaml defines: ${[...roles].join(', ')})` });
  };
  const klass = (file: ConfigFileName, path: string, k: string) => {
    if (!classes.has(k)) out.push({ file: f(file), path, message: `unknown class "${k}" (playbooks.yaml defines: ${[...classes].join(', ')})` });
  };
  /** Label patterns are matched against the whole value: each must compile as `^(?:pattern)$`. */
  const patterns = (file: ConfigFileName, path: string, match: Readonly<Record<string, string>> | undefined) => {
    for (const [label, re] of Object.entries(match ?? {})) {
      try {
        new RegExp(`^(?:${re})$`);
      } catch {
        out.push({ file: f(file), path: `${path}.${label}`, message: `not a valid regular expression: ${re}` });
      }
    }
  };

  for (const [cid, cl] of Object.entries(c.playbooks.classes)) {
    cl.tiers.forEach((t, i) => {
      t.roles.forEach((r, j) => role('playbooks', `classes.${cid}.tiers.${i}.roles.${j}`, r));
      patterns('playbooks', `classes.${cid}.tiers.${i}.match`, t.match);
    });
    (cl.unmatched?.roles ?? []).forEach((r, j) => role('playbooks', `classes.${cid}.unmatched.roles.${j}`, r));
    cl.onResolve.reminders.forEach((rm, i) => rm.roles.forEach((r, j) => role('playbooks', `classes.${cid}.onResolve.reminders.${i}.roles.${j}`, r)));
    cl.onResolve.reminders.forEach((rm, i) => patterns('playbooks', `classes.${cid}.onResolve.reminders.${i}.match`, rm.match));
    cl.onResolve.reminders.forEach((rm, i) => patterns('playbooks', `classes.${cid}.onResolve.reminders.${i}.unless`, rm.unless));
    // each reminder's key (what says it was sent) must be its own
    const keyed = new Map<string, number>();
    cl.onResolve.reminders.forEach((rm, i) => {
      const key = reminderKey(rm, clockSpeed);
      const first = keyed.get(key);
      if (first === undefined) keyed.set(key, i);
      else if (rm.id !== undefined) out.push({ file: f('playbooks'), path: `classes.${cid}.onResolve.reminders.${i}.id`, message: `"${rm.id}" is reminders.${first}'s id too: each reminder needs its own` });
      else out.push({ file: f('playbooks'), path: `classes.${cid}.onResolve.reminders.${i}`, message: `same after, roles, match and unless as reminders.${first}: give each an id` });
    });
    const unknown = [...cl.group.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '').filter((p) => !/^(class|site|group|label\.[A-Za-z_][A-Za-z0-9_]*)$/.test(p));
    for (const p of unknown) out.push({ file: f('playbooks'), path: `classes.${cid}.group`, message: `unknown placeholder {${p}} (use {class} {site} {group} {label.NAME})` });
  }
  const seen = new Set<number>();
  c.severity.levels.forEach((l, i) => {
    if (seen.has(l.level)) out.push({ file: f('severity'), path: `levels.${i}.level`, message: `level ${l.level} appears twice` });
    seen.add(l.level);
    l.roles.forEach((r, j) => role('severity', `levels.${i}.roles.${j}`, r));
    if ((l.raiseAfter === undefined) !== (l.raiseTo === undefined)) out.push({ file: f('severity'), path: `levels.${i}`, message: 'raiseAfter and raiseTo go together' });
  });
  for (const [pid, p] of Object.entries(people)) {
    if (p.channels.some((ch) => ch !== 'email') && !p.phone) out.push({ file: f('roster'), path: `people.${pid}.phone`, message: 'needed for sms/voice channels' });
    if (p.channels.includes('email') && !p.email) out.push({ file: f('roster'), path: `people.${pid}.email`, message: 'needed for the email channel' });
  }
  for (const [rid, s] of Object.entries(c.roster.schedules)) {
    role('roster', `schedules.${rid}`, rid);
    s.shifts.forEach((sh, i) =>
      sh.rotation.people.forEach((p, j) => {
        if (!people[p]) out.push({ file: f('roster'), path: `schedules.${rid}.shifts.${i}.rotation.people.${j}`, message: `unknown person "${p}"` });
      }),
    );
  }
  c.sources.alertmanager.rules.forEach((r, i) => {
    klass('sources', `alertmanager.rules.${i}.class`, r.class);
    patterns('sources', `alertmanager.rules.${i}.match`, r.match);
  });
  klass('sources', 'alertmanager.defaultClass', c.sources.alertmanager.defaultClass);
  klass('sources', 'heartbeats.class', c.sources.heartbeats.class);
  klass('sources', 'taskrouter.blind.class', c.sources.taskrouter.blind.class);
  c.daemon.inhibit.forEach((rule, i) => {
    for (const side of ['source', 'target'] as const) {
      const m = rule[side];
      if (m.class !== undefined) klass('daemon', `inhibit.${i}.${side}.class`, m.class);
      (m.classes ?? []).forEach((k, j) => klass('daemon', `inhibit.${i}.${side}.classes.${j}`, k));
    }
  });
  c.daemon.maintenance.forEach((w, i) => (w.classes ?? []).forEach((k, j) => klass('daemon', `maintenance.${i}.classes.${j}`, k)));
  c.daemon.rateLimits.criticalClasses.forEach((k, i) => klass('daemon', `rateLimits.criticalClasses.${i}`, k));
  c.daemon.throttle.criticalClasses.forEach((k, i) => klass('daemon', `throttle.criticalClasses.${i}`, k));
  const u = c.sources.ups;
  for (const k of ['onBattery', 'lineFault', 'replaceBattery', 'overload', 'bypass', 'commLost', 'temperature'] as const) klass('sources', `ups.${k}.class`, u[k].class);
  const a = c.sources.acd;
  for (const k of ['surge', 'agentsCollapse', 'seats'] as const) klass('sources', `acd.${k}.class`, a[k].class);
  // A page may wait before it goes: a prompt page (a class not in throttle.criticalClasses) up to the
  // bundle window or its channel's minGap, a critical one up to the minGap. Longer than the gap
  // between two tiers, it could reach its person after the next tier was paged.
  const d = (ms: number) => formatDuration(ms * clockSpeed);
  const th = c.daemon.throttle;
  const tooLong = (path: string, what: string, ms: number, gap: TierGap | undefined): void => {
    if (!gap || ms <= gap.ms) return;
    out.push({
      file: f('daemon'),
      path,
      message: `${d(ms)} is longer than the ${d(gap.ms)} between tiers ${gap.from} and ${gap.to} of class ${gap.klass} (playbooks.yaml classes.${gap.klass}.tiers): a page held for ${what} could reach its person after the next tier is paged`,
    });
  };
  const critical = new Set(th.criticalClasses);
  tooLong('throttle.bundleWindow', 'the bundle window', th.bundleWindow, shortestTierGap(c.playbooks, (k) => !critical.has(k)));
  const anyGap = shortestTierGap(c.playbooks, () => true);
  for (const [ch, limits] of Object.entries(th.perChannel)) tooLong(`throttle.perChannel.${ch}.minGap`, `the ${ch} minGap`, limits.minGap, anyGap);
  // the agents check runs between the two windows: they must leave some of the day to it
  const open = openMinutes(c.daemon.businessHours.start, c.daemon.businessHours.end);
  const { openingWindow, closingWindow } = a.agentsCollapse;
  if (open !== undefined && openingWindow + closingWindow >= open * 60_000) {
    out.push({
      file: f('sources'),
      path: 'acd.agentsCollapse',
      message: `openingWindow (${openingWindow / 60_000}m) and closingWindow (${closingWindow / 60_000}m) together cover the whole of business hours (daemon.yaml ${c.daemon.businessHours.start}–${c.daemon.businessHours.end}): the agents check would never run`,
    });
  }
  return out;
}

interface TierGap {
  readonly ms: number;
  readonly klass: string;
  readonly from: number;
  readonly to: number;
}

/** The shortest time between two tiers of one class (of those `counts`) that are due at different minutes, and where it is. */
function shortestTierGap(p: PlaybooksConfig, counts: (klass: string) => boolean): TierGap | undefined {
  let best: TierGap | undefined;
  for (const [klass, cl] of Object.entries(p.classes)) {
    if (!counts(klass)) continue;
    cl.tiers.forEach((a, i) =>
      cl.tiers.forEach((b, j) => {
        const ms = Math.abs(b.after - a.after);
        if (j > i && ms > 0 && (!best || ms < best.ms)) best = { ms, klass, from: i, to: j };
      }),
    );
  }
  return best;
}

/** How long business hours last a day, in minutes; undefined when around the clock (start = end). */
function openMinutes(start: string, end: string): number | undefined {
  const m = (t: string) => {
    const [h = 0, mm = 0] = t.split(':').map(Number);
    return h * 60 + mm;
  };
  const d = (m(end) - m(start) + 1440) % 1440;
  return d === 0 ? undefined : d;
}
