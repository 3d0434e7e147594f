/**
 * Feeds the heartbeats from the webhooks, ahead of their own routers (mounted first under /webhooks):
 * every UPS post (per site/device) and ACD post (per site/queue) is a beat; Alertmanager's Watchdog
 * alert is a beat and is taken out of the body, so it never becomes an incident itself.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Heartbeats } from '../app/heartbeats.js';
import type { SourcesConfig } from '../config/schema.js';
import type { Beat } from '../domain/heartbeat.js';
import { upsDeviceId } from '../domain/ups.js';
import type { Logger } from '../telemetry/logger.js';

export interface HeartbeatTapDeps {
  readonly heartbeats: Heartbeats;
  readonly sources: SourcesConfig;
  readonly logger: Logger;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const record = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

export function heartbeatTap(deps: HeartbeatTapDeps): Router {
  const { heartbeats, sources, logger } = deps;
  const router = Router();

  const observe = async (beats: readonly Beat[]) => {
    for (const b of beats) {
      try {
        await heartbeats.observe(b);
      } catch (e) {
        logger.warn({ err: e, heartbeat: b.source, key: b.key }, 'heartbeat not recorded');
      }
    }
  };

  router.post('/webhooks/alertmanager', async (req: Request, _res: Response, next: NextFunction) => {
    const body = record(req.body);
    const alerts = body?.alerts;
    if (!body || !Array.isArray(alerts)) return next();
    const name = heartbeats.watchdogAlertname;
    const am = sources.alertmanager;
    const common = record(body.commonLabels) ?? {};
    const beats: Beat[] = [];
    const rest = alerts.filter((a: unknown) => {
      const labels = record(record(a)?.labels);
      if (labels?.alertname !== name) return true;
      const site = text(labels[am.siteLabel]) ?? text(common[am.siteLabel]) ?? am.defaultSite;
      if (record(a)?.status === 'firing' && !beats.some((b) => b.key === site)) beats.push({ source: 'alertmanager', key: site });
      return false;
    });
    if (rest.length !== alerts.length) {
      req.body = { ...body, alerts: rest };
      await observe(beats);
    }
    next();
  });

  router.post('/webhooks/ups', async (req: Request, _res: Response, next: NextFunction) => {
    const body = record(req.body);
    const device = text(body?.device);
    if (device) await observe([{ source: 'ups', key: `${text(body?.site) ?? sources.ups.defaultSite}/${upsDeviceId(device)}` }]);
    next();
  });

  router.post('/webhooks/acd', async (req: Request, _res: Response, next: NextFunction) => {
    const body = record(req.body);
    const site = text(body?.site);
    if (site) await observe([{ source: 'acd', key: `${site}/${text(body?.queue) ?? sources.acd.defaultQueue}` }]);
    next();
  });

  return router;
}
