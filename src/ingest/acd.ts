/** POST /webhooks/acd — ACD (call distributor) queue figures and seat states. */
import { Router } from 'express';
import { z } from 'zod';
import type { IngestEvents } from '../app/ingest-event.js';
import { mirrorAcd } from '../app/acd-gauges.js';
import type { TelemetryMirror } from '../app/telemetry-mirror.js';
import type { DaemonConfig, SourcesConfig } from '../config/schema.js';
import { evaluateAcd, SEAT_STATES, type AcdMetrics } from '../domain/acd.js';
import type { Clock } from '../domain/ports.js';
import { invalid } from './errors.js';

const count = z.number().int().min(0).nullish();
const seconds = z.number().min(0).nullish();

// Loose: an ACD may send more figures than we read; the ones we read must be right.
const metrics = z.looseObject({
  calls_waiting: count,
  longest_wait_seconds: seconds,
  agents_logged_in: count,
  agents_available: count,
  calls_offered: count,
  calls_abandoned: count,
  service_level: z.number().min(0).max(1).nullish(),
  interval_seconds: z.number().positive().nullish(),
});

const seat = z.looseObject({
  seat: z.string().trim().min(1).max(100),
  agent: z.string().max(100).nullish(),
  state: z.enum(SEAT_STATES),
});

const body = z.looseObject({
  site: z.string().trim().min(1).max(200),
  queue: z.string().trim().min(1).max(200).nullish(),
  at: z.string().datetime({ offset: true }).nullish(),
  metrics: metrics.nullish(),
  seats: z.array(seat).max(5000).nullish(),
});

type AcdBody = z.output<typeof body>;

const FIGURES = ['calls_waiting', 'longest_wait_seconds', 'agents_logged_in', 'agents_available', 'calls_offered', 'calls_abandoned', 'service_level', 'interval_seconds'] as const;

/** null and absent both mean "not reported". */
function figures(m: AcdBody['metrics']): AcdMetrics {
  const out: Record<string, number> = {};
  for (const k of FIGURES) {
    const v = m?.[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

export interface AcdRouteDeps {
  readonly ingest: IngestEvents;
  readonly sources: SourcesConfig;
  readonly businessHours: DaemonConfig['businessHours'];
  readonly clock: Clock;
  /** The ACD gauges (same on every replica; only the queues the guard admits). */
  readonly telemetry: TelemetryMirror;
}

export function acdRoutes(deps: AcdRouteDeps): Router {
  const cfg = deps.sources.acd;
  const router = Router();
  router.post('/webhooks/acd', async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error, 'not an ACD telemetry body');
    const b = parsed.data;
    const now = deps.clock.now();
    const m = figures(b.metrics);
    const queue = b.queue ?? cfg.defaultQueue;
    const events = evaluateAcd(
      {
        site: b.site,
        queue,
        at: b.at ? Date.parse(b.at) : undefined,
        metrics: m,
        seats: (b.seats ?? []).map((s) => ({ seat: s.seat, agent: s.agent ?? undefined, state: s.state })),
      },
      cfg,
      deps.businessHours,
      now,
    );
    // every figure under its threshold is an all-clear: with nothing open they are not counted as events
    const results = await deps.ingest.ingest(events, { quietClears: true });
    await mirrorAcd(deps.telemetry, b.site, queue, m);
    res.status(200).json({
      accepted: results.length,
      results: results.map((r) => ({ member: r.event.member, result: r.outcome.kind, incident: r.outcome.id || null })),
    });
  });
  return router;
}
