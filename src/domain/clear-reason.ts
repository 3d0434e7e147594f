/**
 * Why an incident cleared, when its all-clear should say so: a member that time ended rather than a
 * report (a business-hours heartbeat's silence once business hours ended: `hours_ended`; an ACD agents
 * collapse ended at closing: `closed`). Read from the members that resolved it (those whose last event
 * is the resolution) and their details (`endedAtClosing`). Pure.
 */
import type { Incident } from './incident.js';

export const CLEAR_REASONS = ['hours_ended', 'closed'] as const;
export type ClearReason = (typeof CLEAR_REASONS)[number];

/** The reason an all-clear gives, or undefined when the incident ended the ordinary way (a report, a person). */
export function clearReason(incident: Pick<Incident, 'state' | 'resolvedAt' | 'members'>): ClearReason | undefined {
  if (incident.state !== 'resolved' || incident.resolvedAt === null) return undefined;
  const at = Date.parse(incident.resolvedAt);
  let reason: ClearReason | undefined;
  for (const m of Object.values(incident.members) as ReadonlyArray<Incident['members'][string] & { details?: unknown }>) {
    if (m.status !== 'resolved' || Date.parse(m.lastAt) !== at) continue;
    const details = m.details !== null && typeof m.details === 'object' ? (m.details as Record<string, unknown>) : {};
    // a member that a report ended at the same moment: the incident ended as usual
    if (details.endedAtClosing !== true) return undefined;
    reason ??= m.source === 'heartbeat' ? 'hours_ended' : 'closed';
  }
  return reason;
}
