/** POST /webhooks/ups — UPS telemetry with NUT variable names and NUT notification types. */
import { Router } from 'express';
import { z } from 'zod';
import type { IngestEvents } from '../app/ingest-event.js';
import type { SourcesConfig } from '../config/schema.js';
import type { Clock } from '../domain/ports.js';
import { evaluateUps, readUps, upsDeviceId, upsNumber, UPS_STATUS_TOKENS, type UpsReadings } from '../domain/ups.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { SeriesGuard } from '../telemetry/series-guard.js';
import { invalid } from './errors.js';

/** Variables tocsin reads as numbers: a number or a numeric string, within range. */
const NUMERIC_VARS: Readonly<Record<string, { min?: number; max?: number }>> = {
  'battery.charge': { min: 0, max: 100 },
  'battery.runtime': { min: 0 },
  'ups.load': { min: 0 },
  'input.voltage': { min: 0 },
  'ups.temperature': {},
};

const vars = z
  .record(z.string().min(1).max(128), z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]))
  .superRefine((v, ctx) => {
    if (Object.keys(v).length > 2000) ctx.addIssue({ code: 'custom', message: 'more than 2000 variables' });
    const status = v['ups.status'];
    if (status !== undefined && status !== null && typeof status !== 'string') ctx.addIssue({ code: 'custom', path: ['ups.status'], message: 'must be a string of status tokens such as "OB DISCHRG"' });
    for (const [name, range] of Object.entries(NUMERIC_VARS)) {
      const raw = v[name];
      if (raw === undefined || raw === null || raw === '') continue;
      const n = upsNumber(raw);
      if (n === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'must be a number (a numeric string is fine)' });
      else if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `must be between ${range.min ?? '-∞'} and ${range.max ?? '∞'}` });
      }
    }
  });

const body = z
  .looseObject({
    device: z.string().max(200),
    site: z.string().max(200).optional(),
    event: z.string().max(64).optional(),
    vars: vars.optional(),
  })
  .refine((b) => b.event !== undefined || b.vars !== undefined, { message: 'give `event` (a NUT notification type) or `vars` (NUT variables), or both' });

/** Mirrors the last reading into the UPS gauges (as far as the guard lets new devices in). */
function mirror(metrics: Metrics, guard: SeriesGuard, site: string, device: string, r: UpsReadings, note: string): void {
  const l = guard.admit({ site, device });
  if (!l) return;
  if (r.charge !== undefined) metrics.upsCharge.set(l, r.charge / 100);
  if (r.runtime !== undefined) metrics.upsRuntime.set(l, r.runtime);
  if (r.status) {
    metrics.upsOnBattery.set(l, r.status.flags.has('OB') ? 1 : 0);
    for (const flag of UPS_STATUS_TOKENS) metrics.upsStatus.set({ ...l, flag }, r.status.flags.has(flag) ? 1 : 0);
  } else if (note === 'ONBATT' || note === 'ONLINE') {
    metrics.upsOnBattery.set(l, note === 'ONBATT' ? 1 : 0);
  }
}

export interface UpsRouteDeps {
  readonly ingest: IngestEvents;
  readonly sources: SourcesConfig;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Which devices may become gauge labels. */
  readonly series: SeriesGuard;
}

export function upsRoutes(deps: UpsRouteDeps): Router {
  const cfg = deps.sources.ups;
  const router = Router();
  router.post('/webhooks/ups', async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error, 'not a UPS telemetry body');
    const input = parsed.data;
    const events = evaluateUps(input, cfg, deps.clock.now());
    const note = (input.event ?? '').trim().toUpperCase();
    if (events.length === 0) deps.logger.info({ device: input.device, notification: note || undefined }, 'ups report changes nothing');
    const results = await deps.ingest.ingest(events);
    mirror(deps.metrics, deps.series, input.site?.trim() || cfg.defaultSite, upsDeviceId(input.device), readUps(input.vars), note);
    res.status(200).json({
      accepted: results.length,
      results: results.map((r) => ({ member: r.event.member, result: r.outcome.kind, incident: r.outcome.id || null })),
    });
  });
  return router;
}
