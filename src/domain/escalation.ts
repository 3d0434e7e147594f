/**
 * The escalation plan: given an incident as it stands, its class's playbook and the severity table,
 * which steps are due at `now`, whether the level must rise, and when to look again. Pure: time is
 * an argument, and what was already done comes in as `done` (step keys), so planning the same
 * incident twice yields the same steps and the executor's claims make each one happen once.
 */
import type { ClassConfig, SeverityConfig, TierConfig } from '../config/schema.js';
import { nextBusinessStart, withinBusinessHours, type BusinessHours } from './business-hours.js';
import type { Level } from './event.js';
import type { ChannelKind, IncidentState } from './incident.js';
import type { Phase } from './ports.js';
import { legacyReminderKey, reminderKey } from './reminder-key.js';

export type StepCondition = 'unacknowledged' | 'unresolved' | 'uncontrolled' | 'acknowledged' | 'resolved';

export type StepKind = 'tier' | 'repeat' | 'unmatched' | 'circle' | 'update' | 'ack_timeout' | 'overdue' | 'all_clear' | 'reminder' | 'report';

/** The note of a page no tier brought (none due at the start fits the incident), when the class gives none. */
export const UNMATCHED_NOTE = 'No tier of the plan fits this incident: you are paged so that it is not left to nobody.';

/** Someone already paged for this incident (the audience of updates and the all-clear). */
export interface PagedPerson {
  readonly person: string;
  readonly role: string;
}

/** What the planner needs to know about an incident. */
export interface EscalationSubject {
  readonly level: Level;
  /** The level the incident opened with (a climb above it pages that level's circle). */
  readonly openLevel: Level;
  readonly state: IncidentState;
  /** Epoch ms the current cycle started: opening, or the last reopening. */
  readonly cycleStartMs: number;
  /** 0 for the first cycle, then one more per reopening (keys of later cycles carry it). */
  readonly cycle: number;
  /** When the current level was reached. */
  readonly levelAtMs: number;
  readonly acknowledgedAtMs: number | null;
  readonly resolvedAtMs: number | null;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The labels of every event of the current cycle: a tier whose match fits `labels` or any of these
   * applies (the incident became a line fault after it opened as a bypass).
   */
  readonly seenLabels?: readonly Readonly<Record<string, string>>[];
  /** Every member calm or resolved ("controlled": the figures are back under their thresholds). */
  readonly controlled: boolean;
  /** Highest tier index reached. */
  readonly tier: number;
  /** Step keys already carried out. */
  readonly done: ReadonlySet<string>;
  /** Tier index → epoch ms it was brought forward (the tier before it had nobody on duty). */
  readonly advanced: ReadonlyMap<number, number>;
  readonly paged: readonly PagedPerson[];
}

export interface Step {
  /** Stable within the incident: the same step always has the same key. */
  readonly key: string;
  readonly kind: StepKind;
  /** When it fell due (epoch ms). */
  readonly at: number;
  /** Tier index for tier and repeat steps; the incident's tier otherwise. */
  readonly tier: number;
  /** Roles to resolve through the roster… */
  readonly roles: readonly string[];
  /** …or the people to tell (updates, all-clear, acknowledgement timeout). */
  readonly to?: readonly PagedPerson[] | undefined;
  readonly phase: Phase;
  readonly condition: StepCondition;
  readonly channels?: readonly ChannelKind[] | undefined;
  readonly note?: string | undefined;
  /** Only people of `roles` no page of this incident has reached yet (a level's deadline to tell them). */
  readonly unpagedOnly?: boolean | undefined;
}

export interface LevelChange {
  readonly to: Level;
  readonly reason: string;
}

export interface EscalationPlan {
  readonly due: readonly Step[];
  readonly levelChange?: LevelChange | undefined;
  /** Status updates due now (also in `due`; listed apart for callers that only want them). */
  readonly updates: readonly Step[];
  /** When to look at the incident again (epoch ms); null when nothing more can fall due by time. */
  readonly next: number | null;
}

export interface PlanOptions {
  /** How soon to look again while a step waits on a condition that may come back (uncontrolled). */
  readonly recheckMs: number;
  /**
   * TOCSIN_CLOCK_SPEED: the waits handed in are the configured ones divided by it. Durations that
   * notes and reasons tell are given in plan time (the configured figures) all the same, so that a
   * drill's words match the live ones and their translations (default 1).
   */
  readonly speed?: number;
  /** daemon.yaml businessHours: when climbs marked `hours: business` count (default: around the clock). */
  readonly businessHours?: BusinessHours;
}

/**
 * The notes of the severity table's steps for one level: reaching it, its deadline to tell its roles,
 * and the action due when it stays unsolved. messages.yaml `phrases` translates them by this English.
 */
export function severityNotes(row: SeverityConfig['levels'][number], speed = 1): { reached: string; within?: string; overdue?: string } {
  const name = `Level ${row.level} (${row.name})`;
  return {
    reached: `${name} reached.`,
    ...(row.within !== undefined ? { within: `${name}: its roles are told within ${formatMs(row.within, speed)}.` } : {}),
    ...(row.overdue !== undefined ? { overdue: `${name} unsolved for ${formatMs(row.overdue.after, speed)}: ${row.overdue.action}.` } : {}),
  };
}

/** Whether a step's condition holds for an incident in this state. */
export function conditionHolds(condition: StepCondition, state: IncidentState, controlled: boolean): boolean {
  switch (condition) {
    case 'unacknowledged':
      return state === 'open';
    case 'unresolved':
      return state !== 'resolved';
    case 'uncontrolled':
      return state !== 'resolved' && !controlled;
    case 'acknowledged':
      return state === 'acknowledged';
    case 'resolved':
      return state === 'resolved';
    default: {
      const never: never = condition;
      return never;
    }
  }
}

/** The label names the class's tiers and reminders match on (sorted; empty when none has a `match` or `unless`). */
export function matchLabelNames(klass: Pick<ClassConfig, 'tiers' | 'onResolve'>): string[] {
  const matches = [...klass.tiers.map((t) => t.match), ...klass.onResolve.reminders.flatMap((r) => [r.match, r.unless])];
  return [...new Set(matches.flatMap((m) => Object.keys(m ?? {})))].sort();
}

/**
 * What of an event's labels its tiers can match on, as the ingest step keeps it among what an
 * incident has seen: '' when the class matches on no label (nothing to keep), else the JSON of those
 * labels the event carries.
 */
export function matchLabelsOf(names: readonly string[], labels: Readonly<Record<string, string>>): string {
  if (names.length === 0) return '';
  const out: Record<string, string> = {};
  for (const n of names) if (Object.hasOwn(labels, n)) out[n] = labels[n] ?? '';
  return JSON.stringify(out);
}

/** Label match of a tier: regular expressions against the whole value; a missing label is "". */
export function tierMatches(match: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!match) return true;
  for (const [name, re] of Object.entries(match)) {
    const rx = anchored(re);
    if (!rx?.test(labels[name] ?? '')) return false;
  }
  return true;
}

/** Compiled tier patterns (they come from the playbooks, so there are few); null: not a valid pattern. */
const compiled = new Map<string, RegExp | null>();

function anchored(re: string): RegExp | null {
  let rx = compiled.get(re);
  if (rx === undefined) {
    try {
      rx = new RegExp(`^(?:${re})$`);
    } catch {
      rx = null;
    }
    compiled.set(re, rx);
  }
  return rx;
}

/** Index of the tier that follows `index` and applies to this incident, or undefined. */
export function nextApplicableTier(klass: ClassConfig, subject: Pick<EscalationSubject, 'labels' | 'seenLabels' | 'level'>, index: number): number | undefined {
  for (let j = index + 1; j < klass.tiers.length; j++) {
    const t = klass.tiers[j];
    if (t && applies(t, subject)) return j;
  }
  return undefined;
}

/**
 * A tier's step, written out field by field: spreading a shared base object here made V8 copy it on
 * its slow path, and planning cost 25 µs instead of 1 µs.
 */
function tierStep(t: TierConfig, tier: number, key: string, kind: 'tier' | 'repeat', at: number, phase: Phase): Step {
  return { key, kind, at, tier, roles: t.roles, phase, condition: t.when, channels: t.channels, note: t.note };
}

function applies(t: TierConfig, subject: Pick<EscalationSubject, 'labels' | 'seenLabels' | 'level'>): boolean {
  if (t.atLevel !== undefined && subject.level < t.atLevel) return false;
  return matchesSeen(t.match, subject);
}

/** A `match` fits the incident's labels or those of any event of its cycle (no match: always). */
function matchesSeen(match: Readonly<Record<string, string>> | undefined, subject: Pick<EscalationSubject, 'labels' | 'seenLabels'>): boolean {
  return tierMatches(match, subject.labels) || (match !== undefined && (subject.seenLabels ?? []).some((l) => tierMatches(match, l)));
}

/** The tiers due at an incident's start for its opening level (after: 0, any atLevel reached), by index. */
export function startTiers(klass: Pick<ClassConfig, 'tiers'>, openLevel: number): number[] {
  const out: number[] = [];
  klass.tiers.forEach((t, i) => {
    if (t.after === 0 && (t.atLevel === undefined || t.atLevel <= openLevel)) out.push(i);
  });
  return out;
}

/**
 * Who is paged for an incident no tier due at its start fits (each carries a `match` that neither its
 * labels nor those of any event of its cycle fit), or undefined when one fits or none is due then: the
 * class's `unmatched` roles, else those of all those tiers, so that an incident never pages nobody.
 */
export function unmatchedRoles(klass: Pick<ClassConfig, 'tiers' | 'unmatched'>, subject: Pick<EscalationSubject, 'labels' | 'seenLabels' | 'openLevel'>): readonly string[] | undefined {
  const start = startTiers(klass, subject.openLevel).map((i) => klass.tiers[i] as TierConfig);
  if (start.length === 0 || start.some((t) => matchesSeen(t.match, subject))) return undefined;
  return klass.unmatched?.roles ?? [...new Set(start.flatMap((t) => t.roles))];
}

/**
 * How a tier's page is worded: the first tier, and every tier due at the incident's start (`after: 0`,
 * for its opening level), page — they go out with the first, nothing has escalated; the later ones,
 * and a tier reached by a level climbing after the start, escalate.
 */
function tierPhase(t: TierConfig, tier: number, subject: Pick<EscalationSubject, 'openLevel'>): Phase {
  if (tier === 0) return 'page';
  return t.after === 0 && (t.atLevel === undefined || t.atLevel <= subject.openLevel) ? 'page' : 'escalation';
}

export function planEscalation(subject: EscalationSubject, klass: ClassConfig, severity: SeverityConfig, now: number, options: PlanOptions = { recheckMs: 60_000 }): EscalationPlan {
  const s = subject;
  const speed = options.speed ?? 1;
  const prefix = s.cycle > 0 ? `c${s.cycle}:` : '';
  const due: Step[] = [];
  const future: number[] = [];
  const unresolved = s.state !== 'resolved';
  // Time at the level counts within this cycle: a reopened incident was solved in between, so its
  // level's deadlines, reminders and updates count from the reopening, not from the level's first day.
  const levelAt = Math.max(s.levelAtMs, s.cycleStartMs);
  let recheck = false;

  /** Due when its minute has come and its condition holds; otherwise remembered as a future time. */
  const consider = (step: Omit<Step, 'key'> & { key: string }): void => {
    const key = prefix + step.key;
    if (s.done.has(key)) return;
    if (step.at > now) {
      future.push(step.at);
      return;
    }
    if (conditionHolds(step.condition, s.state, s.controlled)) due.push({ ...step, key });
    else if (step.condition === 'uncontrolled' && unresolved) recheck = true;
  };

  // ---- tiers and their repeats
  klass.tiers.forEach((t, i) => {
    if (!unresolved || !applies(t, s)) return;
    const regular = s.cycleStartMs + t.after;
    const brought = s.advanced.get(i);
    const at = brought !== undefined ? Math.min(regular, brought) : regular;
    consider(tierStep(t, i, `t${i}`, 'tier', at, tierPhase(t, i, s)));
    if (t.repeat && at <= now && s.done.has(`${prefix}t${i}`)) {
      const every = Math.max(1, t.repeat.every);
      const k = Math.min(t.repeat.times, Math.floor((now - at) / every));
      if (k >= 1) consider(tierStep(t, i, `t${i}r${k}`, 'repeat', at + k * every, 'escalation'));
      if (k < t.repeat.times) future.push(at + (k + 1) * every);
    }
  });

  // ---- no tier due at the start fits the incident: its start's roles are paged all the same
  const fallback = unresolved ? unmatchedRoles(klass, s) : undefined;
  if (fallback) {
    consider({ key: 'nomatch', kind: 'unmatched', at: s.cycleStartMs, tier: 0, roles: fallback, phase: 'page', condition: 'unresolved', note: klass.unmatched?.note ?? UNMATCHED_NOTE });
  }

  // ---- the level: climbing by duration (class) and by time at a level (severity table)
  let levelChange: LevelChange | undefined;
  if (unresolved) {
    let target = s.level;
    let reason = '';
    const bh = options.businessHours;
    for (const c of klass.climb) {
      const at = s.cycleStartMs + c.after;
      if (c.level <= target) continue;
      if (at > now) {
        future.push(at);
      } else if (c.hours === 'business' && bh && !withinBusinessHours(bh, now)) {
        const opens = nextBusinessStart(bh, now); // a daytime stoppage: it counts once the day begins
        if (opens !== undefined) future.push(opens);
      } else {
        target = c.level as Level;
        reason = `unresolved ${formatMs(c.after, speed)} after opening${c.hours === 'business' ? ', in business hours' : ''}`;
      }
    }
    const row = severity.levels.find((l) => l.level === s.level);
    if (row?.raiseAfter !== undefined && row.raiseTo !== undefined && row.raiseTo > s.level) {
      const at = levelAt + row.raiseAfter;
      if (at <= now) {
        if (row.raiseTo > target) {
          target = row.raiseTo as Level;
          reason = `unresolved ${formatMs(row.raiseAfter, speed)} at level ${s.level}`;
        }
      } else future.push(at);
    }
    if (target > s.level) levelChange = { to: target, reason };
  }

  // ---- a climb above the opening level tells that level's circle
  const row = severity.levels.find((l) => l.level === s.level);
  if (unresolved && s.level > s.openLevel && row && row.roles.length > 0) {
    consider({ key: `lv${s.level}`, kind: 'circle', at: levelAt, tier: s.tier, roles: row.roles, phase: 'level_raised', condition: 'unresolved', note: severityNotes(row, speed).reached });
  }

  // ---- the level's deadline to tell its roles (severity `within`): those no page has reached by then
  if (unresolved && row?.within !== undefined && row.roles.length > 0) {
    const note = severityNotes(row, speed).within;
    consider({ key: `w${s.level}`, kind: 'circle', at: levelAt + row.within, tier: s.tier, roles: row.roles, phase: 'escalation', condition: 'unresolved', note, unpagedOnly: true });
  }

  // ---- unsolved too long at the level (severity `overdue`): its roles are reminded of what is due,
  // those of them the incident engaged (a page reached the role): the report is theirs to make, and a
  // room never paged for the incident (IT operations for a call surge) has nothing to report;
  // figures back under their thresholds (controlled, waiting out the hold) count as solved
  if (unresolved && row?.overdue !== undefined && row.roles.length > 0) {
    const note = severityNotes(row, speed).overdue;
    const at = levelAt + row.overdue.after;
    const engaged = new Set(s.paged.map((p) => p.role));
    const owners = row.roles.filter((r) => engaged.has(r));
    if (owners.length > 0 || at > now) consider({ key: `o${s.level}`, kind: 'overdue', at, tier: s.tier, roles: owners, phase: 'reminder', condition: 'uncontrolled', note });
  }

  // ---- status updates to everyone paged, at the level's cadence
  const updates: Step[] = [];
  if (unresolved && row?.updateEvery !== undefined && row.updateEvery > 0) {
    const every = row.updateEvery;
    const k = Math.floor((now - levelAt) / every);
    if (k >= 1) {
      const before = due.length;
      consider({ key: `u${s.level}.${k}`, kind: 'update', at: levelAt + k * every, tier: s.tier, roles: [], to: s.paged, phase: 'update', condition: 'unresolved' });
      if (due.length > before) updates.push(due[due.length - 1] as Step);
    }
    future.push(levelAt + (Math.max(0, k) + 1) * every);
  }

  // ---- acknowledged but not resolved for too long: page again
  if (klass.acknowledgeTimeout !== undefined && s.state === 'acknowledged' && s.acknowledgedAtMs !== null) {
    consider({
      key: `ack${s.acknowledgedAtMs}`,
      kind: 'ack_timeout',
      at: s.acknowledgedAtMs + klass.acknowledgeTimeout,
      tier: s.tier,
      roles: [],
      to: s.paged,
      phase: 'escalation',
      condition: 'acknowledged',
      note: `Acknowledged ${formatMs(klass.acknowledgeTimeout, speed)} ago and still not resolved.`,
    });
  }

  // ---- it is over: all-clear, reminders, the written report
  if (!unresolved && s.resolvedAtMs !== null) {
    const end = s.resolvedAtMs;
    if (klass.onResolve.notify === 'paged') {
      consider({ key: 'allclear', kind: 'all_clear', at: end, tier: s.tier, roles: [], to: s.paged, phase: 'all_clear', condition: 'resolved' });
    }
    klass.onResolve.reminders.forEach((r, j) => {
      // `unless`: another reminder says it for these incidents (a deep discharge's 48 h float replaces the 24 h one)
      if (!matchesSeen(r.match, s) || (r.unless !== undefined && matchesSeen(r.unless, s))) return;
      // sent before reminders had keys of their own: recorded under its place in the list
      if (s.done.has(prefix + legacyReminderKey(j))) return;
      consider({ key: reminderKey(r, speed), kind: 'reminder', at: end + r.after, tier: s.tier, roles: r.roles, phase: 'reminder', condition: 'resolved', note: r.note });
    });
    if (klass.reportDue !== undefined) {
      const owner = klass.tiers[0]?.roles ?? [];
      consider({
        key: 'report',
        kind: 'report',
        at: end + klass.reportDue,
        tier: s.tier,
        roles: owner,
        phase: 'reminder',
        condition: 'resolved',
        note: `The written report on this incident is due now (${formatMs(klass.reportDue, speed)} after it ended).`,
      });
    }
  }

  if (recheck) future.push(now + options.recheckMs);
  const later = future.filter((t) => t > now);
  return { due, levelChange, updates, next: later.length > 0 ? Math.min(...later) : null };
}

/** A duration as configured (`10m`, `3d`): `ms` × `speed` back in plan time, to the second. */
function formatMs(waited: number, speed = 1): string {
  const ms = Math.round((waited * speed) / 1000) * 1000;
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
