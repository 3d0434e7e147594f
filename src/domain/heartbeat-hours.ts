/**
 * Heartbeats that follow business hours: a source such as an ACD feed stops reporting once the centre
 * closes, so its silence counts only while business hours hold, and its first report of the day may
 * take a grace after the opening. Pure. Time is an argument.
 */
import { lastBusinessEnd, lastBusinessStart, withinBusinessHours, type BusinessHours } from './business-hours.js';

export type HeartbeatHours = 'always' | 'business_hours';

export interface HeartbeatWatch {
  readonly during: HeartbeatHours;
  readonly missingAfter: number;
  /** After an opening, how long a source not heard since before it has for its first report (default missingAfter). */
  readonly openingGrace?: number | undefined;
}

/** Whether a source is watched at `now`: closed (outside business hours), or watched, with the day's opening when there is one. */
export type WatchNow = { readonly closed: true } | { readonly closed: false; readonly opening?: { readonly at: number; readonly grace: number } };

export function watchAt(w: HeartbeatWatch, bh: BusinessHours, now: number): WatchNow {
  if (w.during === 'always') return { closed: false };
  if (!withinBusinessHours(bh, now)) return { closed: true };
  const at = lastBusinessStart(bh, now);
  return at === undefined ? { closed: false } : { closed: false, opening: { at, grace: w.openingGrace ?? w.missingAfter } };
}

/**
 * When a source last seen at `lastSeen` counts as silent: `missingAfter` later; and when it was last
 * heard before the day's opening, not before the opening's grace has passed either.
 */
export function silentFrom(lastSeen: number, missingAfter: number, opening?: { readonly at: number; readonly grace: number }): number {
  const due = lastSeen + missingAfter;
  return opening && lastSeen < opening.at ? Math.max(due, opening.at + opening.grace) : due;
}

/**
 * The closing that came between a silence's mark (set at `markedAt`; 0: unknown, a mark from before
 * marks carried their time) and `now`, for a source watched during business hours: that silence ended
 * with business hours, whatever happened since. Undefined when none did (or the time is unknown).
 */
export function closedSinceMark(w: HeartbeatWatch, bh: BusinessHours, markedAt: number, now: number): number | undefined {
  if (w.during !== 'business_hours' || markedAt <= 0) return undefined;
  const closed = lastBusinessEnd(bh, now);
  return closed !== undefined && markedAt < closed ? closed : undefined;
}
