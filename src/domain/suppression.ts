/**
 * Why an incident's pages are held back: maintenance windows in scope, and inhibition rules
 * (Alertmanager style). Pure: the open incidents and the time are arguments.
 */
import type { IncidentState } from './incident.js';

/** What scoping and rules look at; an Incident has all of it. */
export interface IncidentFacts {
  readonly id: string;
  readonly class: string;
  readonly site: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: IncidentState;
  readonly openedAt: string;
  readonly level?: number;
  /** Highest tier reached. */
  readonly tier?: number;
}

/** Every field given must match; a scope with no field matches every incident. */
export interface Scope {
  readonly sites?: readonly string[] | undefined;
  readonly classes?: readonly string[] | undefined;
  /** Exact label values. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

export interface MaintenanceWindow extends Scope {
  readonly id: string;
  readonly name: string;
  /** ISO-8601 */
  readonly from: string;
  /** ISO-8601; every window ends. */
  readonly until: string;
  readonly source: 'config' | 'api';
  /** Said when the window covers every incident (it then names no site, class or label). */
  readonly all?: boolean | undefined;
  readonly createdAt?: string | undefined;
  readonly createdBy?: string | undefined;
  /** ISO-8601: ended early through the API (kept until `until`, so that ending it again is harmless). */
  readonly endedAt?: string | undefined;
}

export interface IncidentMatcher {
  readonly class?: string | undefined;
  readonly classes?: readonly string[] | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

export interface InhibitRule {
  readonly name?: string | undefined;
  readonly source: IncidentMatcher;
  readonly target: IncidentMatcher;
  /** `site`, `class` or a label name; values must be equal in source and target (missing = ""). */
  readonly equal: readonly string[];
}

/** Exact label values; a label the incident does not carry is "" (so `name: ""` means "without it"), as in tier matches. */
function labelsMatch(want: Readonly<Record<string, string>> | undefined, have: Readonly<Record<string, string>>): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => (Object.hasOwn(have, k) ? have[k] : '') === v);
}

/**
 * A window must say what it covers: a site, a class or a label, or `all` for everything. A scope
 * left out by mistake would otherwise silence every page. Returns the problem, or undefined.
 */
export function scopeProblem(w: Scope & { readonly all?: boolean | undefined }): string | undefined {
  const named = w.sites !== undefined || w.classes !== undefined || (w.labels !== undefined && Object.keys(w.labels).length > 0);
  if (w.all === true) return named ? '"all" covers every incident: leave out sites, classes and labels, or "all"' : undefined;
  return named ? undefined : 'name what the window covers (sites, classes or labels), or set "all": true for every incident';
}

export function inScope(scope: Scope, inc: Pick<IncidentFacts, 'class' | 'site' | 'labels'>): boolean {
  if (scope.sites && !scope.sites.includes(inc.site)) return false;
  if (scope.classes && !scope.classes.includes(inc.class)) return false;
  return labelsMatch(scope.labels, inc.labels);
}

export function isActive(w: Pick<MaintenanceWindow, 'from' | 'until' | 'endedAt'>, now: number): boolean {
  return Date.parse(w.from) <= now && now < Date.parse(w.until) && !endedBy(w, now);
}

/** Ended early at or before `now`. */
export function endedBy(w: Pick<MaintenanceWindow, 'endedAt'>, now: number): boolean {
  return w.endedAt !== undefined && Date.parse(w.endedAt) <= now;
}

/**
 * The classes whose critical pages the window holds back: those it names in `classes`, and no other.
 * A window scoped by site, label or `all` never silences a fire or a UPS on battery: an operator
 * testing the fire panel names `security` to hold its pages.
 */
export function criticalClassesHeld(w: Pick<Scope, 'classes'>): readonly string[] {
  return w.classes ?? [];
}

/**
 * Whether the window holds back the incident's pages now: it is active, the incident is in its scope,
 * and, for an incident whose pages are critical (`critical`: a critical class, or a level at
 * throttle.criticalLevel or above), the window names its class.
 */
export function holdsBack(w: MaintenanceWindow, inc: Pick<IncidentFacts, 'class' | 'site' | 'labels'>, now: number, critical: boolean): boolean {
  if (!isActive(w, now) || !inScope(w, inc)) return false;
  return !critical || criticalClassesHeld(w).includes(inc.class);
}

/**
 * The window that holds back the incident's pages now and ends last (the engine looks again at its
 * end), if any; `critical`: the incident's pages are critical (see holdsBack).
 */
export function activeWindowFor(windows: readonly MaintenanceWindow[], inc: IncidentFacts, now: number, critical: boolean): MaintenanceWindow | undefined {
  let best: MaintenanceWindow | undefined;
  for (const w of windows) {
    if (!holdsBack(w, inc, now, critical)) continue;
    if (!best || Date.parse(w.until) > Date.parse(best.until)) best = w;
  }
  return best;
}

export function matchesIncident(m: IncidentMatcher, inc: Pick<IncidentFacts, 'class' | 'labels'>): boolean {
  const classes = [...(m.class !== undefined ? [m.class] : []), ...(m.classes ?? [])];
  if (classes.length > 0 && !classes.includes(inc.class)) return false;
  return labelsMatch(m.labels, inc.labels);
}

function field(inc: IncidentFacts, name: string): string {
  if (name === 'site') return inc.site;
  if (name === 'class') return inc.class;
  return inc.labels[name] ?? '';
}

export function ruleName(rule: InhibitRule, index: number): string {
  return rule.name ?? `inhibit.${index}`;
}

export interface Inhibition {
  /** The root-cause incident (the earliest opened source). */
  readonly by: string;
  readonly rule: string;
}

/** The open incident that inhibits `target` under the first rule that applies, if any. */
export function findInhibitor(rules: readonly InhibitRule[], target: IncidentFacts, open: readonly IncidentFacts[]): Inhibition | undefined {
  for (const [index, rule] of rules.entries()) {
    if (!matchesIncident(rule.target, target)) continue;
    const sources = open
      .filter((s) => s.id !== target.id && s.state !== 'resolved' && matchesIncident(rule.source, s))
      .filter((s) => rule.equal.every((f) => field(s, f) === field(target, f)))
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
    const root = sources[0];
    if (root) return { by: root.id, rule: ruleName(rule, index) };
  }
  return undefined;
}
