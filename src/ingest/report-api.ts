/** GET /api/incidents/:id/report (JSON, or Markdown with ?format=md / Accept: text/markdown) and GET /api/drills. */
import { Router } from 'express';
import { z } from 'zod';
import { drillRecord } from '../app/drill-records.js';
import { buildIncidentReport, renderReportMarkdown, type ReportContext } from '../app/incident-report.js';
import { storeFor, type IncidentStores } from '../app/incident-stores.js';
import { TocsinError } from '../domain/errors.js';
import type { Clock } from '../domain/ports.js';
import { parseQuery } from './query.js';

const reportQuery = z.strictObject({ format: z.enum(['json', 'md', 'markdown']).optional() });
const drillsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export interface ReportRouteDeps {
  readonly stores: IncidentStores;
  readonly context: ReportContext;
  readonly clock: Clock;
}

export function reportRoutes(deps: ReportRouteDeps): Router {
  const router = Router();

  router.get('/api/incidents/:id/report', async (req, res) => {
    const q = parseQuery(reportQuery, req.query);
    const incident = await storeFor(deps.stores, req.params.id).get(req.params.id);
    if (!incident) throw new TocsinError('TOCSIN_ERR_INCIDENT_NOT_FOUND', `no incident ${req.params.id}`);
    const report = buildIncidentReport(incident, deps.context, deps.clock.now());
    const markdown = q.format ? q.format !== 'json' : (req.get('accept') ?? '').includes('text/markdown');
    if (markdown) {
      res.type('text/markdown; charset=utf-8').send(renderReportMarkdown(report));
      return;
    }
    res.json(report);
  });

  router.get('/api/drills', async (req, res) => {
    const q = parseQuery(drillsQuery, req.query);
    const now = deps.clock.now();
    const incidents = await deps.stores.drill.list({ limit: q.limit });
    res.json({ drills: incidents.map((i) => drillRecord(i, deps.context, now)) });
  });

  return router;
}
