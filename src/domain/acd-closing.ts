/**
 * Closing time and the ACD agents check. Pure. Few agents after business hours is the centre closed,
 * not an outage: an agents collapse still open when they end is over then, whether or not the ACD
 * reports again (an ACD often sends nothing once the floor is empty).
 */
import { agentsMemberQueue } from './acd-members.js';
import { withinBusinessHours, type BusinessHours } from './business-hours.js';
import type { Incident } from './incident.js';

/** The agents collapses of an incident to end at `now`: those still firing once the site is closed (none in business hours). */
export function collapsesEndingAt(incident: Pick<Incident, 'state' | 'site' | 'members'>, bh: BusinessHours, now: number): { member: string; queue: string }[] {
  if (incident.state === 'resolved' || withinBusinessHours(bh, now)) return [];
  const end: { member: string; queue: string }[] = [];
  for (const [member, m] of Object.entries(incident.members)) {
    const queue = m.status === 'firing' ? agentsMemberQueue(member, incident.site) : undefined;
    if (queue !== undefined) end.push({ member, queue });
  }
  return end;
}
