/** /api/maintenance: scheduled maintenance windows (scoped by site / class / labels, always ending). */
import { Router } from 'express';
import { z } from 'zod';
import type { ManageMaintenance } from '../app/manage-maintenance.js';
import type { Clock } from '../domain/ports.js';
import { criticalClassesHeld, isActive, scopeProblem, type MaintenanceWindow } from '../domain/suppression.js';
import { invalid } from './errors.js';
import { NO_QUERY, parseQuery } from './query.js';

const iso = z.string().datetime({ offset: true });

const windowBody = z.strictObject({
  name: z.string().min(1).max(200),
  from: iso.optional(),
  until: iso,
  sites: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
  classes: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
  labels: z.record(z.string().max(128), z.string().max(512)).optional(),
  all: z.literal(true).optional(),
  by: z.string().max(128).optional(),
}).superRefine((w, ctx) => {
  const problem = scopeProblem(w);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['all'] });
});

/**
 * A window as the API shows it: with `holdsCritical`, the classes whose critical pages (a fire, a UPS
 * on battery, an incident at throttle.criticalLevel) it holds back too: those it names, no other.
 */
function view(w: MaintenanceWindow): MaintenanceWindow & { readonly holdsCritical: readonly string[] } {
  return { ...w, holdsCritical: criticalClassesHeld(w) };
}

export interface MaintenanceRouteDeps {
  readonly maintenance: ManageMaintenance;
  readonly clock: Clock;
}

export function maintenanceRoutes(deps: MaintenanceRouteDeps): Router {
  const router = Router();

  router.post('/api/maintenance', async (req, res) => {
    const parsed = windowBody.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error, 'invalid maintenance window');
    const w = await deps.maintenance.create(parsed.data);
    res.status(201).json({ id: w.id, window: view(w) });
  });

  router.get('/api/maintenance', async (req, res) => {
    parseQuery(NO_QUERY, req.query);
    const now = deps.clock.now();
    const windows = await deps.maintenance.windows(now);
    res.json({ windows: windows.map((w) => ({ ...view(w), active: isActive(w, now) })) });
  });

  router.delete('/api/maintenance/:id', async (req, res) => {
    await deps.maintenance.remove(req.params.id);
    res.status(204).end();
  });

  return router;
}
