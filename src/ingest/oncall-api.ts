/** /api/overrides (temporary on-call overrides) and /api/oncall (who holds every role at a moment). */
import { Router } from 'express';
import { z } from 'zod';
import type { ManageOverrides } from '../app/manage-overrides.js';
import type { RolesConfig } from '../config/schema.js';
import type { Clock, OnCall } from '../domain/ports.js';
import { invalid } from './errors.js';
import { NO_QUERY, parseQuery } from './query.js';

const iso = z.string().datetime({ offset: true });

const overrideBody = z.strictObject({
  role: z.string().min(1).max(64),
  person: z.string().min(1).max(64),
  from: iso.optional(),
  until: iso,
  reason: z.string().max(500).optional(),
  by: z.string().max(128).optional(),
});

const oncallQuery = z.strictObject({ at: iso.optional() });

export interface OnCallRouteDeps {
  readonly overrides: ManageOverrides;
  readonly oncall: OnCall;
  readonly roles: RolesConfig['roles'];
  /** Roles that have a schedule (listed even when roles.yaml leaves them out). */
  readonly scheduledRoles: readonly string[];
  readonly clock: Clock;
}

export function onCallRoutes(deps: OnCallRouteDeps): Router {
  const router = Router();

  router.post('/api/overrides', async (req, res) => {
    const parsed = overrideBody.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error, 'invalid override');
    const o = await deps.overrides.create(parsed.data);
    res.status(201).json({ id: o.id, override: o });
  });

  router.get('/api/overrides', async (req, res) => {
    parseQuery(NO_QUERY, req.query);
    res.json({ overrides: await deps.overrides.list() });
  });

  router.get('/api/overrides/:id', async (req, res) => {
    parseQuery(NO_QUERY, req.query);
    res.json(await deps.overrides.get(req.params.id));
  });

  router.delete('/api/overrides/:id', async (req, res) => {
    await deps.overrides.remove(req.params.id);
    res.status(204).end();
  });

  router.get('/api/oncall', async (req, res) => {
    const q = parseQuery(oncallQuery, req.query);
    const at = q.at ? Date.parse(q.at) : deps.clock.now();
    const ids = [...new Set([...Object.entries(deps.roles).filter(([, r]) => r.paged).map(([id]) => id), ...deps.scheduledRoles])];
    const roles = await Promise.all(
      ids.map(async (role) => {
        const r = await deps.oncall.resolve(role, at);
        return { role, name: deps.roles[role]?.name ?? role, source: r.source ?? 'schedule', people: r.people.map((p) => ({ id: p.id, name: p.name })) };
      }),
    );
    res.json({ at: new Date(at).toISOString(), roles, gaps: roles.filter((r) => r.people.length === 0).map((r) => r.role) });
  });

  return router;
}
