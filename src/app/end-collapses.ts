/**
 * Use case: an ACD agents collapse ends at closing time without waiting for a report. After hours few
 * agents is expected, and the first report after closing resolves an open collapse; but an ACD may
 * send nothing once the floor is empty, and the collapse would climb all night. The escalation engine
 * asks `nextAt` when to look at an open incident of the collapse's class (the next closing time) and
 * `run` whenever it looks: once the site is closed, its agents members still firing are resolved
 * through the normal intake, so the all-clear goes to everyone paged. The engine's claim runs an
 * incident on one replica at a time, and a second resolution of the same member is answered
 * `ignored`: it ends once, however many replicas run.
 * After hours the engine looks at such incidents all night (their tiers go on); an incident read once
 * since the last closing is not read again until an event joins it (its event count moves) or the
 * site closes again, so a night of looks costs one read of its members, not one a look. The reads
 * are marked in Redis too (`ReadMarks`, one small lookup), so that every other engine process and
 * replica skips the incident as well: a night costs one read in all, not one per process.
 */
import type { SourcesConfig } from '../config/schema.js';
import { collapsesEndingAt } from '../domain/acd-closing.js';
import { lastBusinessEnd, nextBusinessEnd, withinBusinessHours, type BusinessHours } from '../domain/business-hours.js';
import type { NormalizedEvent } from '../domain/event.js';
import type { Incident } from '../domain/incident.js';
import type { ReadMarks } from '../domain/ports.js';
import type { IngestEvents } from './ingest-event.js';
import { isDrillId, storeFor, type IncidentStores } from './incident-stores.js';

/** How long a night's marks outlive the next closing (then a new night's marks are used). */
const MARK_SLACK_MS = 3_600_000;

export class EndCollapsesAtClosing {
  /** The closing the incidents in `read` were read after, and each one's event count then. */
  private readAfter: number | undefined;
  private readonly read = new Map<string, number>();

  constructor(
    private readonly deps: {
      readonly ingest: Pick<IngestEvents, 'ingest'>;
      /** The incidents with their members (the engine's own read leaves the members out). */
      readonly stores: IncidentStores;
      /** The reads of every engine process and replica, live and drill. */
      readonly marks: { readonly live: ReadMarks; readonly drill: ReadMarks };
      readonly acd: SourcesConfig['acd'];
      readonly businessHours: BusinessHours;
    },
  ) {}

  /**
   * When the engine must look at an open incident of the collapse's class again: the next closing.
   * Any such incident, with a collapse or not yet: one may join it later without the engine hearing.
   */
  nextAt(incident: Incident, now: number): number | undefined {
    return this.mayHold(incident) ? nextBusinessEnd(this.deps.businessHours, now) : undefined;
  }

  /** Ends the collapses still open once the site is closed; true when that changed the incident. */
  async run(incident: Incident, now: number): Promise<boolean> {
    const bh = this.deps.businessHours;
    if (!this.mayHold(incident) || withinBusinessHours(bh, now)) return false;
    const closed = lastBusinessEnd(bh, now);
    if (closed !== this.readAfter) {
      this.read.clear();
      this.readAfter = closed;
    }
    if (this.read.get(incident.id) === incident.eventCount) return false; // nothing joined since it was read tonight
    const marks = isDrillId(incident.id) ? this.deps.marks.drill : this.deps.marks.live;
    const scope = `collapses:${closed ?? 'never'}`;
    if ((await marks.countAt(scope, incident.id)) === incident.eventCount) {
      this.read.set(incident.id, incident.eventCount); // read tonight by another process
      return false;
    }
    const full = await storeFor(this.deps.stores, incident.id).get(incident.id);
    const end = full ? collapsesEndingAt(full, bh, now) : [];
    if (!full || end.length === 0) {
      if (full) {
        this.read.set(incident.id, incident.eventCount);
        const next = nextBusinessEnd(bh, now);
        await marks.mark(scope, incident.id, incident.eventCount, (next === undefined ? 8 * 86_400_000 : Math.max(0, next - now)) + MARK_SLACK_MS);
      }
      return false;
    }
    const events: NormalizedEvent[] = end.map(({ member, queue }) => ({
      source: full.members[member]?.source ?? 'acd',
      class: full.class,
      site: full.site,
      level: full.level,
      status: 'resolved',
      member,
      eventKey: `${member}:closed`,
      groupHint: queue,
      summary: `Queue ${queue} closed at ${bh.end}: the agents check stands down`,
      at: now,
      labels: { queue, kind: 'agents_collapse' },
      details: { queue, businessHours: false, endedAtClosing: true },
      drill: full.drill,
    }));
    const results = await this.deps.ingest.ingest(events, { groupKeys: events.map(() => full.groupKey), quietClears: true });
    return results.some((r) => r.outcome.kind !== 'ignored' && r.outcome.kind !== 'duplicate');
  }

  /** An incident that can hold an agents collapse: open, of the class the collapse opens. */
  private mayHold(incident: Pick<Incident, 'state' | 'class'>): boolean {
    return incident.state !== 'resolved' && incident.class === this.deps.acd.agentsCollapse.class;
  }
}
