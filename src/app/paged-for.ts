/** Which unresolved incidents a role has been paged for: what the person taking the role over is told. */
import type { Incident } from '../domain/incident.js';
import type { IncidentStore } from '../domain/ports.js';

const UNACKNOWLEDGED_FIRST = (i: Incident): number => (i.state === 'open' ? 0 : 1);

/**
 * Open and acknowledged incidents with a notification to `role`: the most severe first, then the
 * unacknowledged, then the newest. The `limit` newest unresolved incidents are read, in one scan.
 */
export async function unresolvedPagedFor(store: Pick<IncidentStore, 'list'>, role: string, limit = 1000): Promise<Incident[]> {
  const unresolved = await store.list({ state: 'unresolved', limit });
  // Array.prototype.sort is stable: newest first, as read, where level and state are alike
  return unresolved.filter((i) => i.notifications.some((n) => n.role === role)).sort((a, b) => b.level - a.level || UNACKNOWLEDGED_FIRST(a) - UNACKNOWLEDGED_FIRST(b));
}
