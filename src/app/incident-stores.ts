/** Live and drill incidents live in separate namespaces; drill ids carry a `drill-` prefix. */
import type { IncidentStore } from '../domain/ports.js';

export interface IncidentStores {
  readonly live: IncidentStore;
  readonly drill: IncidentStore;
}

const DRILL_PREFIX = 'drill-';

/** A drill's incident id (its notifications' ids start with it too). */
export function isDrillId(id: string): boolean {
  return id.startsWith(DRILL_PREFIX);
}

/** The id a drill incident gets from a fresh incident id. */
export function drillIdOf(id: string): string {
  return `${DRILL_PREFIX}${id}`;
}

export function storeFor(stores: IncidentStores, id: string): IncidentStore {
  return isDrillId(id) ? stores.drill : stores.live;
}
