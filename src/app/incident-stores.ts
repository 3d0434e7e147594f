/** Live and drill incidents live in separate namespaces; drill ids carry a `drill-` prefix. */
import type { IncidentStore } from '../domain/ports.js';

export interface IncidentStores {
  readonly live: IncidentStore;
  readonly drill: IncidentStore;
}

/** A drill's incident id (its notifications' ids start with it too). */
export function isDrillId(id: string): boolean {
  return id.startsWith('drill-');
}

export function storeFor(stores: IncidentStores, id: string): IncidentStore {
  return isDrillId(id) ? stores.drill : stores.live;
}
