/**
 * POST /webhooks/taskrouter — Twilio TaskRouter event callbacks (form-encoded, X-Twilio-Signature checked
 * against PUBLIC_URL + the request path). Also answers at /twilio/taskrouter-events, the Workspace
 * EventCallbackUrl the daemon's Twilio paths suggest. Each callback updates the per-queue counts; the
 * queues it touched are judged like any ACD's figures.
 */
import { Router } from 'express';
import { z } from 'zod';
import { mirrorAcd } from '../app/acd-gauges.js';
import type { IngestEvents } from '../app/ingest-event.js';
import type { TelemetryMirror } from '../app/telemetry-mirror.js';
import type { DaemonConfig, SourcesConfig } from '../config/schema.js';
import { evaluateAcd } from '../domain/acd.js';
import { TocsinError } from '../domain/errors.js';
import type { Clock } from '../domain/ports.js';
import { parseTaskRouterEvent, queueAcdInput, type TaskRouterParams, type TaskRouterState } from '../domain/taskrouter.js';
import { invalid } from './errors.js';

export const TASKROUTER_PATHS = ['/webhooks/taskrouter', '/twilio/taskrouter-events'] as const;

/** Checks X-Twilio-Signature for a full URL and the posted form parameters. */
export type TwilioSignatureCheck = (url: string, params: Readonly<Record<string, unknown>>, signature: string) => boolean;

const form = z.looseObject({
  EventType: z.string().min(1).max(100),
  WorkspaceSid: z.string().max(64).optional(),
});

export interface TaskRouterRouteDeps {
  readonly ingest: IngestEvents;
  readonly sources: SourcesConfig;
  readonly businessHours: DaemonConfig['businessHours'];
  readonly clock: Clock;
  /** The ACD gauges (shared with the ACD webhook). */
  readonly telemetry: TelemetryMirror;
  readonly queues: TaskRouterState;
  /** PUBLIC_URL without a trailing slash. */
  readonly publicUrl: string;
  /** Undefined when no TWILIO_AUTH_TOKEN is configured: every callback is then refused. */
  readonly verifySignature: TwilioSignatureCheck | undefined;
}

export function taskRouterRoutes(deps: TaskRouterRouteDeps): Router {
  const router = Router();
  router.post([...TASKROUTER_PATHS], async (req, res) => {
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    if (!deps.verifySignature) {
      throw new TocsinError('TOCSIN_ERR_AUTH_SIGNATURE', 'TaskRouter callbacks are refused: TWILIO_AUTH_TOKEN is not configured, so X-Twilio-Signature cannot be checked');
    }
    const signature = req.get('x-twilio-signature');
    if (!signature) throw new TocsinError('TOCSIN_ERR_AUTH_SIGNATURE', 'missing X-Twilio-Signature header');
    const url = `${deps.publicUrl}${req.originalUrl}`;
    if (!deps.verifySignature(url, params, signature)) {
      throw new TocsinError('TOCSIN_ERR_AUTH_SIGNATURE', `X-Twilio-Signature does not match ${url} (is PUBLIC_URL the address Twilio posts to?)`);
    }
    const parsed = form.safeParse(params);
    if (!parsed.success) throw invalid(parsed.error, 'not a TaskRouter event callback');

    const now = deps.clock.now();
    const tr = deps.sources.taskrouter;
    const change = parseTaskRouterEvent(params as TaskRouterParams, tr);
    const queues = change.kind === 'other' ? [] : await deps.queues.apply(change, now);
    const inputs = queues.map((q) => queueAcdInput(q, tr, now));
    const events = inputs.flatMap((i) => evaluateAcd(i, deps.sources.acd, deps.businessHours, now));
    // a calm queue's figures are all-clears: with nothing open they are not counted as events
    const results = await deps.ingest.ingest(events, { quietClears: true });
    for (const i of inputs) await mirrorAcd(deps.telemetry, i.site, i.queue ?? '', i.metrics ?? {});
    res.status(200).json({
      eventType: parsed.data.EventType,
      change: change.kind,
      accepted: results.length,
      results: results.map((r) => ({ member: r.event.member, result: r.outcome.kind, incident: r.outcome.id || null })),
    });
  });
  return router;
}
