/** Use case: a person reports an incident by hand (fire, theft, accident, complaint, media, …). */
import type { NormalizedEvent, Level } from '../domain/event.js';
import type { Clock, IdSource } from '../domain/ports.js';
import type { IngestEvents, IngestResult } from './ingest-event.js';

export interface ReportRequest {
  readonly class: string;
  readonly site: string;
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly level: Level;
  readonly drill: boolean;
  readonly by?: string | undefined;
}

export function reportEvent(req: ReportRequest, id: string, now: number): NormalizedEvent {
  // Plain facts in details (kind: fire, people: 2) are also labels, so tiers can match on them.
  const fromDetails: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.details)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fromDetails[k] = String(v);
  }
  return {
    source: 'api',
    class: req.class,
    site: req.site,
    level: req.level,
    status: 'firing',
    member: `api:${id}`,
    eventKey: `api:${id}`,
    groupHint: id,
    summary: req.summary,
    at: now,
    labels: { ...fromDetails, ...req.labels },
    details: { ...req.details, ...(req.by ? { reportedBy: req.by } : {}) },
    drill: req.drill,
  };
}

export class ReportIncident {
  constructor(
    private readonly ingest: IngestEvents,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  async run(req: ReportRequest): Promise<IngestResult> {
    const now = this.clock.now();
    const [result] = await this.ingest.ingest([reportEvent(req, this.ids.next(now), now)]);
    if (!result) throw new Error('report produced no result');
    return result;
  }
}
