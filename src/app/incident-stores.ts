/** Live and drill incidents live in separate namespaces; drill ids carry a `drill-` prefix. */
import type { IncidentStore } from '../domain/ports.js';

export interface IncidentStores {
  readonly live: IncidentStore;
  readonly drill: IncidentStore;
}

export function storeFor(stores: IncidentStores, id: string): IncidentStore {
  return id.startsWith('drill-') ? stores.drill : stores.live;
}
