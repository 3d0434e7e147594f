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
  /**
   * The sender's idempotency key: the report is named by it instead of by a fresh id, so the same
   * report sent again (a retry after a 503 or a lost answer) lands on the incident the first one
   * opened, as a duplicate, in the same atomic step that would have opened it — also once that
   * incident is resolved, for `incidents.idempotencyWindow` from the first report with the key.
   */
  readonly key?: string | undefined;
}

/** The member, event key and group hint of a report: its key when the sender gave one, else a fresh id. */
export function reportName(req: Pick<ReportRequest, 'key'>, id: string): { member: string; groupHint: string } {
  return req.key === undefined ? { member: `api:${id}`, groupHint: id } : { member: `api:key:${req.key}`, groupHint: `key:${req.key}` };
}

export function reportEvent(req: ReportRequest, id: string, now: number): NormalizedEvent {
  // Plain facts in details (kind: fire, people: 2) are also labels, so tiers can match on them.
  const fromDetails: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.details)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fromDetails[k] = String(v);
  }
  const { member, groupHint } = reportName(req, id);
  return {
    source: 'api',
    class: req.class,
    site: req.site,
    level: req.level,
    status: 'firing',
    member,
    eventKey: member,
    groupHint,
    summary: req.summary,
    at: now,
    labels: { ...fromDetails, ...req.labels },
    details: { ...req.details, ...(req.by ? { reportedBy: req.by } : {}) },
    drill: req.drill,
    ...(req.key === undefined ? {} : { reportKey: req.key }),
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
