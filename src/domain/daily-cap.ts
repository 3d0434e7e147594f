/**
 * The daily cap never leaves an incident with nobody told. A page over the person's daily cap is
 * cancelled (as the throttle says) only when another page of the same incident cycle has reached
 * someone or waits to: otherwise it goes, as a page under the cap would, as the incident's one page
 * over the cap. Pure: the incident's records and its told mark (the first page that went or waited to
 * go about the cycle, kept by the throttle's store atomically with its own counts) come in.
 *
 * The page over the cap first waits for the incident's other pages due at that moment (a later tier
 * due at once, another role of its tier), so that a person over the cap is not paged when someone
 * under it hears of the incident a moment later; decided again at the engine's next look, it is
 * cancelled if one of them holds the mark, and goes otherwise.
 */
import type { StoredNotification } from './escalation-ports.js';
import { REACHED_STATUSES, type IncidentState } from './incident.js';
import { isPagePhase } from './page-phases.js';

/** A page: one step to one person, on every channel and attempt (the told mark names it). */
export function pageKey(r: Pick<StoredNotification, 'stepKey' | 'person'>): string {
  return `${r.stepKey}:${r.person}`;
}

/** The incident cycle a step belongs to (`<id>`, `<id>:c2` after its second reopening): whose told mark it reads. */
export function toldKey(incidentId: string, stepKey: string): string {
  const cycle = /^(c\d+):/.exec(stepKey)?.[1];
  return cycle ? `${incidentId}:${cycle}` : incidentId;
}

function cycleOf(stepKey: string): string {
  return /^(c\d+):/.exec(stepKey)?.[1] ?? '';
}

interface HeldFacts {
  readonly throttle?: unknown;
  readonly limit?: unknown;
  readonly reinstated?: unknown;
}

/** A page record waiting at the daily cap for the pages due with it (a page brought back after the cap is not). */
export function waitingAtCap(r: HeldFacts): boolean {
  return r.throttle === 'bundled' && r.limit === 'daily_cap' && r.reinstated === undefined;
}

/** A page record that reached its person, or waits (held by a throttle) to go; waiting at the cap is not. */
function toldBy(r: StoredNotification & HeldFacts): boolean {
  if (REACHED_STATUSES.has(r.status)) return true;
  return r.status === 'planned' && (r.throttle === 'bundled' || r.throttle === 'delayed') && !waitingAtCap(r);
}

export interface OverCapQuestion {
  /** The incident's state: an acknowledged incident has been heard of. */
  readonly state: IncidentState;
  /** The incident's notification records, as its look read them. */
  readonly records: readonly StoredNotification[];
  /** The page over the cap: its step and person (pageKey). */
  readonly page: Pick<StoredNotification, 'stepKey' | 'person'>;
  /** The page holding the cycle's told mark ('' none). */
  readonly holder: string;
  /** This page waited at the cap already (for the incident's other pages due with it). */
  readonly waited: boolean;
}

export type OverCapDecision =
  /** Another page of the incident reached someone or waits to: the cap holds, the page is cancelled. */
  | { readonly kind: 'cancel' }
  /** Wait for the other pages due now; decided again at the next look. */
  | { readonly kind: 'wait' }
  /** Goes as a page under the cap would, claiming the told mark (from `replacing`, a page that reached nobody). */
  | { readonly kind: 'pass'; readonly replacing: string };

/** What a page over the person's daily cap does (see the module comment). */
export function decideOverCap(q: OverCapQuestion): OverCapDecision {
  const mine = pageKey(q.page);
  // the incident's one page over the cap goes on through the person's channels and waits
  if (q.holder === mine) return { kind: 'pass', replacing: '' };
  if (q.state !== 'open') return { kind: 'cancel' };
  const cycle = cycleOf(q.page.stepKey);
  const ofCycle = q.records.filter((r) => r.stepKey !== undefined && cycleOf(r.stepKey) === cycle && isPagePhase(r.phase));
  if (ofCycle.some((r) => pageKey(r) !== mine && toldBy(r))) return { kind: 'cancel' };
  let replacing = '';
  if (q.holder !== '') {
    // held by a page that reached nobody (every attempt failed): the mark is taken from it; one
    // still on its way (or not on these records yet) will tell someone
    const held = ofCycle.filter((r) => pageKey(r) === q.holder);
    if (held.length === 0 || held.some((r) => r.status !== 'failed')) return { kind: 'cancel' };
    replacing = q.holder;
  }
  return q.waited ? { kind: 'pass', replacing } : { kind: 'wait' };
}
