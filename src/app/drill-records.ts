/** The drill record of PLAYBOOKS.md: time, scenario, who was paged, who acknowledged, how long it took. */
import type { Incident } from '../domain/incident.js';
import { buildIncidentReport, type PagedPerson, type ReportContext } from './incident-report.js';

export interface DrillRecord {
  readonly id: string;
  readonly at: string;
  readonly scenario: string;
  readonly scenarioName: string;
  readonly site: string;
  readonly summary: string;
  readonly state: string;
  readonly tierReached: number;
  readonly paged: readonly PagedPerson[];
  readonly acknowledged: { readonly by: string; readonly name: string | null; readonly at: string } | null;
  readonly resolvedAt: string | null;
  readonly timeToAcknowledgeSeconds: number | null;
  readonly timeToResolveSeconds: number | null;
}

export function drillRecord(inc: Incident, ctx: ReportContext, now: number): DrillRecord {
  const r = buildIncidentReport(inc, ctx, now);
  return {
    id: inc.id,
    at: inc.openedAt,
    scenario: inc.class,
    scenarioName: r.incident.className,
    site: inc.site,
    summary: inc.summary,
    state: inc.state,
    tierReached: inc.tier,
    paged: r.paged,
    acknowledged: r.acknowledged,
    resolvedAt: inc.resolvedAt,
    timeToAcknowledgeSeconds: r.timeToAcknowledgeSeconds,
    timeToResolveSeconds: r.timeToResolveSeconds,
  };
}
