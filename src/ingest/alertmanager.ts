/** POST /webhooks/alertmanager — the Alertmanager webhook, payload version 4. Each alert is one event. */
import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { IngestEvents } from '../app/ingest-event.js';
import type { SourcesConfig } from '../config/schema.js';
import { classifyAlert, compileRules, unknownClassLabel } from '../domain/classify.js';
import type { NormalizedEvent } from '../domain/event.js';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { alertPositionsOf } from './alert-positions.js';
import { parseAlertmanagerBody, type AlertmanagerBody, type RejectedAlert } from './alertmanager-body.js';

/** Go's zero time means "not ended". */
export function parseAmTime(s: string): number | null {
  if (s === '' || s.startsWith('0001-')) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** Alertmanager's own fingerprint when given; otherwise a stable hash of the label set. */
export function fingerprintOf(labels: Readonly<Record<string, string>>, given?: string): string {
  if (given) return given;
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function alertmanagerEvents(
  payload: AlertmanagerBody,
  am: SourcesConfig['alertmanager'],
  compiled: ReturnType<typeof compileRules>,
  classLevels: Readonly<Record<string, number>>,
  now: number,
): NormalizedEvent[] {
  return payload.alerts.map((a) => {
    const labels = a.labels;
    const fp = fingerprintOf(labels, a.fingerprint);
    const c = classifyAlert(labels, am, compiled, classLevels);
    const startsAt = parseAmTime(a.startsAt);
    const endsAt = parseAmTime(a.endsAt);
    const name = labels.alertname ?? 'alert';
    return {
      source: 'alertmanager',
      class: c.class,
      site: labels[am.siteLabel] || payload.commonLabels[am.siteLabel] || am.defaultSite,
      level: c.level,
      status: a.status,
      member: `am:${fp}`,
      eventKey: `${fp}:${a.startsAt}:${a.status}`,
      // the occurrence (fingerprint, startsAt): its firing right after its resolution is a late copy
      resolutionKey: `${fp}:${a.startsAt}:resolved`,
      groupHint: fp,
      summary: a.annotations.summary || a.annotations.description || `${name}${labels.instance ? ` on ${labels.instance}` : ''}`,
      at: (a.status === 'resolved' ? endsAt : startsAt) ?? now,
      labels,
      details: {
        alertname: name,
        fingerprint: fp,
        rule: c.rule,
        annotations: a.annotations,
        startsAt: startsAt === null ? null : new Date(startsAt).toISOString(),
        endsAt: endsAt === null ? null : new Date(endsAt).toISOString(),
        generatorURL: a.generatorURL,
        groupKey: payload.groupKey,
        receiver: payload.receiver,
        externalURL: payload.externalURL,
      },
      drill: false,
    };
  });
}

export interface AlertmanagerRouteDeps {
  readonly ingest: IngestEvents;
  readonly sources: SourcesConfig;
  readonly classLevels: Readonly<Record<string, number>>;
  readonly clock: Clock;
  /** Alerts recorded from one body (http.alertmanager.maxAlerts); the rest are counted as left out. Default 10 000. */
  readonly maxAlerts?: number | undefined;
  /**
   * Warned once per process for each class label value that names no class; told at error level of
   * each body answered 200 with alerts refused as invalid.
   */
  readonly logger?: Pick<Logger, 'warn' | 'error'>;
  /** Counts the alerts refused from a body answered 200 (tocsin_events_rejected_total). */
  readonly metrics?: Pick<Metrics, 'eventsRejected'>;
}

/** Unknown class label values warned about so far; bounded, so a stream of made-up names cannot grow it. */
const WARNED_MAX = 100;

/** What POST /webhooks/alertmanager answers (200) once every valid alert of the body is durable. */
export interface AlertmanagerReply {
  readonly accepted: number;
  readonly truncatedAlerts: number;
  readonly results: readonly { fingerprint: unknown; result: string; incident: string | null }[];
  /** The alerts refused as invalid, by their place in the body (only when there are some). */
  readonly rejected?: readonly { index: number; code: string; message: string }[];
}

/** The log line of a body answered 200 with alerts refused: Alertmanager never sends them again. */
export const ALERTS_REFUSED = 'Alertmanager webhook alerts refused as invalid, the rest of the body recorded: Alertmanager will not send them again';
/** The refused alerts a log line names one by one; the count says how many there were. */
const LOGGED_MAX = 20;

function noteRefused(rejected: readonly RejectedAlert[], deps: AlertmanagerRouteDeps): void {
  deps.metrics?.eventsRejected.inc({ source: 'alertmanager', reason: 'TOCSIN_ERR_INPUT_INVALID' }, rejected.length);
  deps.logger?.error(
    {
      path: '/webhooks/alertmanager',
      rejected: rejected.length,
      alerts: rejected.slice(0, LOGGED_MAX).map((r) => ({ index: r.index, reason: r.message, ...(r.alertname === undefined ? {} : { alertname: r.alertname }) })),
    },
    ALERTS_REFUSED,
  );
}

/**
 * The webhook's work on a parsed JSON body; throws TocsinError (422 invalid, 503 store down). Alerts
 * refused as invalid from a body otherwise recorded are named in the reply, counted and logged once
 * the body is answered 200 (a body answered 503 and sent again is told of once).
 */
export function alertmanagerHandler(deps: AlertmanagerRouteDeps): (raw: unknown) => Promise<AlertmanagerReply> {
  const compiled = compileRules(deps.sources.alertmanager);
  const am = deps.sources.alertmanager;
  const warned = new Set<string>();
  return async (raw) => {
    const { body: data, rejected } = parseAlertmanagerBody(raw, deps.maxAlerts, alertPositionsOf(raw));
    const events = alertmanagerEvents(data, am, compiled, deps.classLevels, deps.clock.now());
    if (deps.logger) {
      for (const a of data.alerts) {
        const named = unknownClassLabel(a.labels, am, deps.classLevels);
        if (named === undefined || warned.has(named) || warned.size >= WARNED_MAX) continue;
        warned.add(named);
        deps.logger.warn({ label: am.classLabel, value: named, alertname: a.labels.alertname }, 'alert class label names no incident class; the classification rules decide');
      }
    }
    const results = await deps.ingest.ingest(events, { truncated: data.truncatedAlerts });
    const reply = {
      accepted: results.length,
      truncatedAlerts: data.truncatedAlerts,
      results: results.map((r) => ({ fingerprint: r.event.details.fingerprint, result: r.outcome.kind, incident: r.outcome.id || null })),
    };
    if (rejected.length === 0) return reply;
    noteRefused(rejected, deps);
    return { ...reply, rejected: rejected.map((r) => ({ index: r.index, code: r.code, message: r.message })) };
  };
}

export function alertmanagerRoutes(deps: AlertmanagerRouteDeps): Router {
  const handle = alertmanagerHandler(deps);
  const router = Router();
  router.post('/webhooks/alertmanager', async (req, res) => {
    res.status(200).json(await handle(req.body));
  });
  return router;
}

