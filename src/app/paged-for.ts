/** Which unresolved incidents a role has been paged for: what the person taking the role over is told. */
import type { Incident } from '../domain/incident.js';
import type { IncidentStore } from '../domain/ports.js';

/**
 * Open and acknowledged incidents with a notification to `role`: the most severe first, then the
 * unacknowledged, then the newest. `limit` incidents of each state are read.
 */
export async function unresolvedPagedFor(store: Pick<IncidentStore, 'list'>, role: string, limit = 1000): Promise<Incident[]> {
  const [open, acknowledged] = await Promise.all([store.list({ state: 'open', limit }), store.list({ state: 'acknowledged', limit })]);
  // Array.prototype.sort is stable: within a level, open before acknowledged and newest first, as read
  return [...open, ...acknowledged].filter((i) => i.notifications.some((n) => n.role === role)).sort((a, b) => b.level - a.level);
}
