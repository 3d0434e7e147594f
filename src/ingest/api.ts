/** /api/incidents — report, list, get, acknowledge, resolve (strict: our own API rejects unknown fields). */
import { Router } from 'express';
import { z } from 'zod';
import type { IncidentStores } from '../app/incident-stores.js';
import { storeFor } from '../app/incident-stores.js';
import type { ReportIncident } from '../app/report-incident.js';
import type { TransitionIncident } from '../app/transition-incident.js';
import { TocsinError } from '../domain/errors.js';
import { clampLevel } from '../domain/event.js';
import { INCIDENT_STATES } from '../domain/incident.js';
import { REPORT_KEY, REPORT_KEY_RULE } from '../domain/report-key.js';
import { invalid } from './errors.js';
import { NO_QUERY, parseQuery } from './query.js';
import { nestsWithin } from './json-depth.js';

/** How deep a report's `details` may nest: room for any real record, none for a body built to exhaust the stack. */
const DETAILS_DEPTH = 32;

const reportKey = z.string().regex(REPORT_KEY, REPORT_KEY_RULE);

const reportBody = z.strictObject({
  class: z.string().min(1).max(64),
  site: z.string().min(1).max(128),
  summary: z.string().min(1).max(2000),
  details: z
    .record(z.string(), z.unknown())
    .refine((d) => nestsWithin(d, DETAILS_DEPTH), `nests deeper than ${DETAILS_DEPTH} levels`)
    .default({}),
  labels: z.record(z.string(), z.string().max(512)).default({}),
  level: z.number().int().min(1).max(5).optional(),
  drill: z.boolean().default(false),
  by: z.string().max(128).optional(),
  key: reportKey.optional(),
});

/** The report's key: the `Idempotency-Key` header, or `key` in the body (both: they must agree). */
function keyOf(header: string | undefined, body: string | undefined): string | undefined {
  if (header === undefined) return body;
  const problem = !REPORT_KEY.test(header)
    ? `Idempotency-Key: ${REPORT_KEY_RULE}`
    : body !== undefined && body !== header
      ? 'Idempotency-Key: differs from the body\'s key (send one, or the same in both)'
      : undefined;
  if (problem) throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `invalid incident report: ${problem}`, { details: { problems: [problem] } });
  return header;
}

const actionBody = z.strictObject({ by: z.string().min(1).max(128), note: z.string().max(2000).optional() });

const listQuery = z.strictObject({
  state: z.enum(['unresolved', ...INCIDENT_STATES]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  drill: z.enum(['true', 'false']).optional(),
});

/** The largest cursor Redis takes (HSCAN's is an unsigned 64-bit number): above it, Redis refuses the command. */
const MAX_CURSOR = 2n ** 64n - 1n;

const membersQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^\d{1,20}$/, 'a cursor from the previous page, or 0')
    .refine((c) => !/^\d{1,20}$/.test(c) || BigInt(c) <= MAX_CURSOR, `a cursor from the previous page, or 0 (at most ${MAX_CURSOR})`)
    .default('0'),
  count: z.coerce.number().int().min(1).max(1000).default(200),
});

export interface ApiRouteDeps {
  readonly stores: IncidentStores;
  readonly report: ReportIncident;
  readonly transition: TransitionIncident;
  readonly classLevels: Readonly<Record<string, number>>;
}

export function apiRoutes(deps: ApiRouteDeps): Router {
  const router = Router();

  router.post('/api/incidents', async (req, res) => {
    const parsed = reportBody.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error, 'invalid incident report');
    const b = parsed.data;
    const classLevel = deps.classLevels[b.class];
    if (classLevel === undefined) {
      throw new TocsinError('TOCSIN_ERR_CLASS_UNKNOWN', `unknown class "${b.class}"; known: ${Object.keys(deps.classLevels).join(', ')}`);
    }
    const key = keyOf(req.get('idempotency-key'), b.key);
    // the same key again (a retry) answers the same: 201 with the incident's id, `result: duplicate`
    const r = await deps.report.run({ ...b, level: clampLevel(b.level ?? classLevel), by: b.by, key });
    res.status(201).json({ id: r.outcome.id, result: r.outcome.kind });
  });

  router.get('/api/incidents', async (req, res) => {
    const q = parseQuery(listQuery, req.query);
    const store = q.drill === 'true' ? deps.stores.drill : deps.stores.live;
    const incidents = await store.list({ state: q.state, limit: q.limit });
    res.json({ incidents });
  });

  router.get('/api/incidents/:id', async (req, res) => {
    parseQuery(NO_QUERY, req.query);
    const incident = await storeFor(deps.stores, req.params.id).get(req.params.id);
    if (!incident) throw new TocsinError('TOCSIN_ERR_INCIDENT_NOT_FOUND', `no incident ${req.params.id}`);
    res.json(incident);
  });

  // every member of an incident, a page at a time, with their details (an incident's JSON lists at
  // most `incidents.membersShown`): follow `cursor` until it is null
  router.get('/api/incidents/:id/members', async (req, res) => {
    const q = parseQuery(membersQuery, req.query);
    const page = await storeFor(deps.stores, req.params.id).members(req.params.id, q.cursor, q.count);
    if (!page) throw new TocsinError('TOCSIN_ERR_INCIDENT_NOT_FOUND', `no incident ${req.params.id}`);
    res.json(page);
  });

  for (const action of ['ack', 'resolve'] as const) {
    router.post(`/api/incidents/:id/${action}`, async (req, res) => {
      const parsed = actionBody.safeParse(req.body ?? {});
      if (!parsed.success) throw invalid(parsed.error, `invalid ${action} request`);
      const { incident } = await deps.transition.run({
        id: req.params.id,
        action: action === 'ack' ? 'acknowledge' : 'resolve',
        by: parsed.data.by,
        via: 'api',
        note: parsed.data.note,
      });
      res.json(incident);
    });
  }
  return router;
}
