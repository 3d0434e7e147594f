/**
 * Feeds the heartbeats from the webhooks, ahead of their own routers (mounted first under /webhooks):
 * every UPS poller's post (per site/device: one `ups-poll` made, or one carrying variables; upsmon's
 * notifications are no poller's) and ACD post (per site/queue) that its router accepts is a beat,
 * recorded just before the 2xx answer goes out (a body refused with 422 is no beat, so it neither
 * starts nor keeps a watch); Alertmanager's Watchdog alert is a beat and is taken out of the body, so
 * it never becomes an incident itself.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Heartbeats } from '../app/heartbeats.js';
import type { SourcesConfig } from '../config/schema.js';
import type { Beat } from '../domain/heartbeat.js';
import { isPollerReport, upsDeviceId } from '../domain/ups-device.js';
import type { Logger } from '../telemetry/logger.js';
import { keepAlertPositions } from './alert-positions.js';

export interface HeartbeatTapDeps {
  readonly heartbeats: Heartbeats;
  readonly sources: SourcesConfig;
  readonly logger: Logger;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const record = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * An Alertmanager body without its Watchdog alerts, and the beats they stand for (one per site);
 * undefined when the body holds none. The places of the alerts left in the body as sent are kept
 * with it (alert-positions).
 */
export function takeWatchdogs(raw: unknown, watchdog: string, am: SourcesConfig['alertmanager']): { body: Record<string, unknown>; beats: Beat[] } | undefined {
  const body = record(raw);
  const alerts = body?.alerts;
  if (!body || !Array.isArray(alerts)) return undefined;
  const common = record(body.commonLabels) ?? {};
  const beats: Beat[] = [];
  const at: number[] = [];
  const rest = alerts.filter((a: unknown, i) => {
    const labels = record(record(a)?.labels);
    if (labels?.alertname !== watchdog) {
      at.push(i);
      return true;
    }
    const site = text(labels[am.siteLabel]) ?? text(common[am.siteLabel]) ?? am.defaultSite;
    if (record(a)?.status === 'firing' && !beats.some((b) => b.key === site)) beats.push({ source: 'alertmanager', key: site });
    return false;
  });
  if (rest.length === alerts.length) return undefined;
  const left = { ...body, alerts: rest };
  keepAlertPositions(left, at); // an alert refused later is named by its place in the body as sent
  return { body: left, beats };
}

/** Records beats; a beat that cannot be recorded is logged, never fails the request. */
export function beatObserver(heartbeats: Heartbeats, logger: Logger): (beats: readonly Beat[]) => Promise<void> {
  return async (beats) => {
    for (const b of beats) {
      try {
        await heartbeats.observe(b);
      } catch (e) {
        logger.warn({ err: e, heartbeat: b.source, key: b.key }, 'heartbeat not recorded');
      }
    }
  };
}

/**
 * Records `beats` once the route answers 2xx, before that answer goes out (so the next request sees
 * them); any other answer — the body refused, the store down — goes out without them.
 */
export function beatWhenAccepted(res: Response, beats: readonly Beat[], observe: (beats: readonly Beat[]) => Promise<void>): void {
  const json = res.json.bind(res);
  res.json = ((body: unknown) => {
    if (res.statusCode < 200 || res.statusCode > 299) return json(body);
    void observe(beats).then(() => json(body)); // observe logs its own failures, never rejects
    return res;
  }) as Response['json'];
}

export function heartbeatTap(deps: HeartbeatTapDeps): Router {
  const { heartbeats, sources, logger } = deps;
  const router = Router();
  const observe = beatObserver(heartbeats, logger);

  router.post('/webhooks/alertmanager', async (req: Request, _res: Response, next: NextFunction) => {
    const tapped = takeWatchdogs(req.body, heartbeats.watchdogAlertname, sources.alertmanager);
    if (tapped) {
      req.body = tapped.body;
      await observe(tapped.beats);
    }
    next();
  });

  router.post('/webhooks/ups', (req: Request, res: Response, next: NextFunction) => {
    const body = record(req.body);
    const device = text(body?.device);
    // upsmon's notifications (ups-notify) are no poller's: a site with upsmon only has no poller to miss
    const reporter = typeof body?.reporter === 'string' ? body.reporter : undefined;
    if (device && isPollerReport({ device, reporter, vars: body?.vars })) beatWhenAccepted(res, [{ source: 'ups', key: `${text(body?.site) ?? sources.ups.defaultSite}/${upsDeviceId(device)}` }], observe);
    next();
  });

  router.post('/webhooks/acd', (req: Request, res: Response, next: NextFunction) => {
    const body = record(req.body);
    const site = text(body?.site);
    if (site) beatWhenAccepted(res, [{ source: 'acd', key: `${site}/${text(body?.queue) ?? sources.acd.defaultQueue}` }], observe);
    next();
  });

  return router;
}
