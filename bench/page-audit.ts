/**
 * "Nothing critical lost, none twice": for every critical alert, its incident must exist, and every
 * person a reached tier of that incident names must have been sent exactly one message per
 * (incident, step, person, channel) — counting the log channel's own lines (one per message) and
 * the pages folded into another message (recorded with `bundledInto`).
 */
import type { Incident } from '../src/domain/incident.js';
import { pageTuple, type LoggedPage } from './page-log.js';
import { DONE_STATUSES, pagesOf } from './redis-readback.js';

export interface PageAudit {
  /** Distinct critical alerts sent, and those whose incident was not found. */
  readonly criticalAlerts: number;
  readonly criticalAlertsMissing: number;
  readonly criticalIncidents: number;
  /** Critical incidents that never recorded reaching tier 0. */
  readonly tier0NotReached: number;
  /** (incident, tier, person) a reached tier of a critical incident names. */
  readonly expected: number;
  /** … sent exactly once on each channel used. */
  readonly pagedOnce: number;
  /** … with no message at all. */
  readonly lost: number;
  /** (incident, step, person, channel) of critical incidents sent more than once. */
  readonly twice: number;
  /** The same over every incident, critical or not. */
  readonly twiceAnywhere: number;
  /** Log lines naming one notification id more than once. */
  readonly repeatedIds: number;
}

/** Messages per (incident, step, person, channel): own log lines plus pages bundled into another message. */
export function sendsByTuple(incidents: readonly Incident[], log: readonly LoggedPage[]): Map<string, number> {
  const sends = new Map<string, number>();
  const bump = (k: string) => sends.set(k, (sends.get(k) ?? 0) + 1);
  for (const l of log) bump(pageTuple(l.notificationId));
  for (const inc of incidents) for (const p of pagesOf(inc)) if (p.bundledInto && DONE_STATUSES.has(p.status)) bump(pageTuple(p.id));
  return sends;
}

export function auditPages(incidents: readonly Incident[], log: readonly LoggedPage[], criticalMembers: readonly string[]): PageAudit {
  const sends = sendsByTuple(incidents, log);
  const byMember = new Map<string, Incident>();
  for (const inc of incidents) for (const m of Object.keys(inc.members)) byMember.set(m, inc);

  const critical = new Map<string, Incident>();
  let missing = 0;
  for (const m of criticalMembers) {
    const inc = byMember.get(m);
    if (inc) critical.set(inc.id, inc);
    else missing++;
  }

  let notReached = 0;
  let expected = 0;
  let once = 0;
  let lost = 0;
  let twice = 0;
  for (const inc of critical.values()) {
    const reached = inc.timeline.filter((e) => e.type === 'tier_reached');
    if (!reached.some((e) => e.tier === 0)) notReached++;
    for (const e of reached) {
      const step = `${inc.reopenCount > 0 ? `c${inc.reopenCount}:` : ''}t${String(e.tier)}`;
      for (const person of Array.isArray(e.people) ? (e.people as string[]) : []) {
        expected++;
        const prefix = `${inc.id}:${step}:${person}:`;
        const counts = [...sends.entries()].filter(([k]) => k.startsWith(prefix)).map(([, n]) => n);
        if (counts.length === 0) lost++;
        else if (counts.every((n) => n === 1)) once++;
      }
    }
    for (const [k, n] of sends) if (n > 1 && k.startsWith(`${inc.id}:`)) twice++;
  }
  const ids = new Map<string, number>();
  for (const l of log) ids.set(l.notificationId, (ids.get(l.notificationId) ?? 0) + 1);
  return {
    criticalAlerts: criticalMembers.length,
    criticalAlertsMissing: missing,
    criticalIncidents: critical.size,
    tier0NotReached: notReached,
    expected,
    pagedOnce: once,
    lost,
    twice,
    twiceAnywhere: [...sends.values()].filter((n) => n > 1).length,
    repeatedIds: [...ids.values()].filter((n) => n > 1).length,
  };
}
