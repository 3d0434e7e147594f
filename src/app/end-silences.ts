/**
 * Use case: a heartbeat silence of a source watched during business hours ends at closing time, through
 * the escalation engine as well as the heartbeat check. When every replica was down at closing, the
 * engine's first look at the silence's incident once one is back comes before the first check (the
 * engine ticks at once, the check after its interval): it would climb the incident's overdue level and
 * page the supervisor at night for a silence already over. So the engine asks `nextAt` (the next
 * closing) and `run`s this before any step of the incident: outside the source's hours the silence ends
 * (its mark taken off, the all-clear to those paged), once, whichever of the engine and the check
 * comes first on whichever replica. So does, within the hours, a silence marked before their last
 * closing (every replica down from before it until after the opening), the source then judged afresh.
 */
import type { HeartbeatsConfig } from '../config/schema.js';
import { nextBusinessEnd, type BusinessHours } from '../domain/business-hours.js';
import { HEARTBEAT_SOURCES, type Beat } from '../domain/heartbeat.js';
import type { Incident } from '../domain/incident.js';
import type { TimedEnds } from './escalation-engine-ports.js';
import type { Heartbeats } from './heartbeats.js';

export class EndSilencesAtClosing implements TimedEnds {
  constructor(
    private readonly deps: {
      readonly heartbeats: Pick<Heartbeats, 'endAfterHours'>;
      readonly config: HeartbeatsConfig;
      readonly businessHours: BusinessHours;
    },
  ) {}

  nextAt(incident: Incident, now: number): number | undefined {
    return this.silence(incident) ? nextBusinessEnd(this.deps.businessHours, now) : undefined;
  }

  async run(incident: Incident, now: number): Promise<boolean> {
    const beat = this.silence(incident);
    return beat ? this.deps.heartbeats.endAfterHours(beat, now) : false;
  }

  /** The source of an open silence incident whose source is watched during business hours. */
  private silence(incident: Incident): Beat | undefined {
    if (incident.state === 'resolved' || incident.source !== 'heartbeat' || incident.class !== this.deps.config.class) return undefined;
    const source = HEARTBEAT_SOURCES.find((s) => s === incident.labels.heartbeat);
    const key = incident.labels.key;
    if (!source || !key) return undefined;
    const watch = this.deps.config[source];
    return watch.enabled && watch.during === 'business_hours' ? { source, key } : undefined;
  }
}
