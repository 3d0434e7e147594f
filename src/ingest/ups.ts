/** POST /webhooks/ups — UPS telemetry with NUT variable names and NUT notification types. */
import { Router } from 'express';
import { z } from 'zod';
import type { IngestEvents, IngestResult } from '../app/ingest-event.js';
import type { TelemetryFigure, TelemetryMirror } from '../app/telemetry-mirror.js';
import type { SourcesConfig } from '../config/schema.js';
import { TocsinError } from '../domain/errors.js';
import type { Clock } from '../domain/ports.js';
import { evaluateUps } from '../domain/ups.js';
import { upsDeviceId, UPS_REPORTERS } from '../domain/ups-device.js';
import { readUps, upsNumber, UPS_STATUS_TOKENS, type UpsReadings } from '../domain/ups-status.js';
import type { Logger } from '../telemetry/logger.js';
import { clientAddress } from './client-address.js';
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
    // the UPS: NUT's UPSNAME (`ups1` or `ups1@host:port`); an empty name would become a device of its own
    device: z
      .string()
      .max(200)
      .refine((d) => (d.trim().split('@')[0] ?? '') !== '', { message: 'must name the UPS (e.g. "ups1" or "ups1@host:3493"), not be empty' }),
    site: z.string().max(200).optional(),
    event: z.string().max(64).optional(),
    vars: vars.optional(),
    // who made it: `ups-poll` (its reports are the poller's heartbeat) or `upsmon` (ups-notify)
    reporter: z.enum(UPS_REPORTERS).optional(),
    // the host the reporter runs on (ups-notify: upsmon's host, named in its NOPARENT incident)
    host: z.string().max(253).optional(),
  })
  .refine((b) => b.event !== undefined || b.vars !== undefined, { message: 'give `event` (a NUT notification type) or `vars` (NUT variables), or both' });

/** The figures of a report that the UPS gauges mirror. */
function upsFigures(r: UpsReadings, note: string): TelemetryFigure[] {
  const out: TelemetryFigure[] = [];
  if (r.charge !== undefined) out.push({ gauge: 'upsCharge', value: r.charge / 100 });
  if (r.runtime !== undefined) out.push({ gauge: 'upsRuntime', value: r.runtime });
  if (r.status) {
    out.push({ gauge: 'upsOnBattery', value: r.status.flags.has('OB') ? 1 : 0 });
    for (const flag of UPS_STATUS_TOKENS) out.push({ gauge: 'upsStatus', flag, value: r.status.flags.has(flag) ? 1 : 0 });
  } else if (note === 'ONBATT' || note === 'ONLINE') {
    out.push({ gauge: 'upsOnBattery', value: note === 'ONBATT' ? 1 : 0 });
  }
  return out;
}

export interface UpsRouteDeps {
  readonly ingest: IngestEvents;
  readonly sources: SourcesConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The UPS gauges (same on every replica; only the devices the guard admits). */
  readonly telemetry: TelemetryMirror;
}

function answer(r: IngestResult | undefined): { member: string; result: string; incident: string | null } {
  if (!r) throw new TocsinError('TOCSIN_ERR_INTERNAL', 'ingest result missing');
  return { member: r.event.member, result: r.outcome.kind, incident: r.outcome.id || null };
}

export function upsRoutes(deps: UpsRouteDeps): Router {
  const cfg = deps.sources.ups;
  const router = Router();
  router.post('/webhooks/ups', async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error, 'not a UPS telemetry body');
    const input = parsed.data;
    // NOPARENT is per host: a sender that names none is told apart by the address it posts from
    const events = evaluateUps({ ...input, seenFrom: clientAddress(req) }, cfg, deps.clock.now());
    const note = (input.event ?? '').trim().toUpperCase();
    if (events.length === 0) deps.logger.info({ device: input.device, notification: note || undefined }, 'ups report changes nothing');
    const results = (await deps.ingest.ingest(events, { quietClears: true })).map(answer);
    await deps.telemetry.record('ups', { site: input.site?.trim() || cfg.defaultSite, device: upsDeviceId(input.device) }, upsFigures(readUps(input.vars), note));
    res.status(200).json({ accepted: results.length, results });
  });
  return router;
}
