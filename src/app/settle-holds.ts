/**
 * Use case: complete resolutions whose hold time has passed even when the source never reports
 * again (a NUT ONLINE notification is sent once; an ACD feed may stop once calm).
 */
import type { NormalizedEvent } from '../domain/event.js';
import type { Incident } from '../domain/incident.js';
import type { IngestEvents, IngestResult } from './ingest-event.js';

/** Members of an open incident whose calm period has lasted their whole hold at `now`. */
export function settledMembers(incident: Incident, now: number): string[] {
  if (incident.state === 'resolved') return [];
  return Object.entries(incident.members)
    .filter(([, m]) => m.status === 'firing' && m.calmSince !== undefined && Date.parse(m.calmSince) + (m.holdMs ?? 0) <= now)
    .map(([name]) => name);
}

export class SettleHolds {
  constructor(private readonly ingest: IngestEvents) {}

  async run(incident: Incident, now: number): Promise<IngestResult[]> {
    const members = settledMembers(incident, now);
    if (members.length === 0) return [];
    const events: NormalizedEvent[] = members.map((member) => {
      const m = incident.members[member];
      return {
        source: m?.source ?? incident.source,
        class: incident.class,
        site: incident.site,
        level: incident.level,
        status: 'resolved',
        member,
        eventKey: `${member}:settled:${m?.calmSince ?? ''}`,
        groupHint: '',
        summary: incident.summary,
        at: now,
        labels: incident.labels,
        details: { settledAfterHold: true },
        drill: incident.drill,
        holdMs: m?.holdMs ?? 0,
      };
    });
    return this.ingest.ingest(events, { groupKeys: events.map(() => incident.groupKey) });
  }
}
