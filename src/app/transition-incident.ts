/** Use case: acknowledge or resolve an incident (API, SMS reply, keypress, e-mail link — all the same door). */
import { TocsinError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import type { Clock, TransitionAction } from '../domain/ports.js';
import type { Metrics } from '../telemetry/metrics.js';
import { storeFor, type IncidentStores } from './incident-stores.js';

export interface TransitionRequest {
  readonly id: string;
  readonly action: TransitionAction;
  /** Who: a person id or a free name given to the API. */
  readonly by: string;
  /** How: api, sms, voice, email. */
  readonly via: string;
  readonly note?: string | undefined;
}

export type TransitionListener = (incident: Incident, request: TransitionRequest) => void;

export class TransitionIncident {
  private readonly listeners: TransitionListener[] = [];

  constructor(
    private readonly stores: IncidentStores,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Called after a state change was recorded (the engine stops the climb / sends the all-clear at once). */
  onChanged(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  async run(req: TransitionRequest): Promise<{ incident: Incident; changed: boolean }> {
    const store = storeFor(this.stores, req.id);
    const now = this.clock.now();
    const out = await store.transition(req.id, req.action, req.by, req.via, now, req.note);
    if (out.result === 'missing') throw new TocsinError('TOCSIN_ERR_INCIDENT_NOT_FOUND', `no incident ${req.id}`);
    const incident = await store.get(req.id);
    if (!incident) throw new TocsinError('TOCSIN_ERR_INCIDENT_NOT_FOUND', `no incident ${req.id}`);
    if (out.result === 'unchanged' && req.action === 'acknowledge' && incident.state === 'resolved') {
      throw new TocsinError('TOCSIN_ERR_INCIDENT_STATE', `incident ${req.id} is already resolved`);
    }
    if (out.result === 'changed') {
      const opened = Date.parse(incident.openedAt);
      if (req.action === 'acknowledge') {
        this.metrics.incidentsAcknowledged.inc({ class: incident.class, via: req.via, drill: String(incident.drill) });
        this.metrics.timeToAcknowledge.observe({ class: incident.class, drill: String(incident.drill) }, Math.max(0, now - opened) / 1000);
      } else {
        this.metrics.incidentsResolved.inc({ class: incident.class, via: req.via, drill: String(incident.drill) });
        this.metrics.timeToResolve.observe({ class: incident.class, drill: String(incident.drill) }, Math.max(0, now - opened) / 1000);
      }
      for (const l of this.listeners) l(incident, req);
    }
    return { incident, changed: out.result === 'changed' };
  }
}
