/** Wires the HTTP side: rate limits, the Alertmanager fast path, and the express app with its webhook, API and Twilio routes. */
import type express from 'express';
import type { ActionLinks } from '../app/action-links.js';
import type { Heartbeats } from '../app/heartbeats.js';
import type { IncidentStores } from '../app/incident-stores.js';
import type { IngestEvents } from '../app/ingest-event.js';
import type { ManageMaintenance } from '../app/manage-maintenance.js';
import type { ManageOverrides } from '../app/manage-overrides.js';
import type { PhoneActions } from '../app/phone-actions.js';
import type { TelemetryMirror } from '../app/telemetry-mirror.js';
import type { ReportIncident } from '../app/report-incident.js';
import type { TransitionIncident } from '../app/transition-incident.js';
import { linkPageRenderer } from '../channels/render/render-link-page.js';
import { verifyTwilioSignature } from '../channels/twilio/callbacks.js';
import type { MessagesConfig } from '../config/messages-schema.js';
import { lookupTable } from '../domain/lookup.js';
import type { OnCall } from '../domain/ports.js';
import type { TaskRouterState } from '../domain/taskrouter.js';
import { acdRoutes } from '../ingest/acd.js';
import { actionLinkRoutes } from '../ingest/action-links-api.js';
import { alertmanagerHandler, alertmanagerRoutes } from '../ingest/alertmanager.js';
import { apiRoutes } from '../ingest/api.js';
import { criticality } from '../ingest/critical-request.js';
import { retryAfterHeader } from '../ingest/errors.js';
import { fastWebhook, type FastListener } from '../ingest/fast-webhook.js';
import { beatObserver, heartbeatTap, takeWatchdogs } from '../ingest/heartbeat-tap.js';
import { createHttpApp } from '../ingest/http-app.js';
import { maintenanceRoutes } from '../ingest/maintenance-api.js';
import { onCallRoutes } from '../ingest/oncall-api.js';
import { apiRateLimits, rateCheck, webhookRateLimits, type RateLimitDeps } from '../ingest/rate-limit.js';
import { reportRoutes } from '../ingest/report-api.js';
import { taskRouterRoutes } from '../ingest/taskrouter.js';
import { twilioCallbackRoutes } from '../ingest/twilio-callbacks.js';
import { upsRoutes } from '../ingest/ups.js';
import { SystemClock } from '../platform/clock.js';
import { makeKeys } from '../store/keys.js';
import { RedisRateLimiter } from '../store/rate-limit-store.js';
import type { PeerMetrics } from '../telemetry/exposition.js';
import { createTracer, traceRequests } from '../telemetry/tracer.js';
import type { DaemonCore } from './daemon-core.js';
import type { SeriesGuards } from './series-guards.js';
import { twilioCodec } from './twilio-codec.js';

export interface HttpWiringDeps extends DaemonCore {
  readonly messages: MessagesConfig;
  /** The engine workers' metrics, joined into /metrics. */
  readonly peerMetrics: PeerMetrics | undefined;
  readonly stores: IncidentStores;
  readonly ingest: IngestEvents;
  readonly transition: TransitionIncident;
  readonly report: ReportIncident;
  readonly heartbeats: Heartbeats;
  /** TaskRouter's per-queue waiting tasks (shared with the periodic re-check). */
  readonly taskQueues: TaskRouterState;
  readonly overrides: ManageOverrides;
  readonly oncall: OnCall;
  readonly maintenance: ManageMaintenance;
  readonly phone: PhoneActions;
  readonly actionLinks: ActionLinks;
  /** Which telemetry labels may become metric series (shared with the surge tier gauge). */
  readonly series: SeriesGuards;
  /**
   * The UPS and ACD gauges (shared with the TaskRouter re-check): written to Redis by the replica a
   * report reaches, read back by every replica when scraped.
   */
  readonly telemetry: TelemetryMirror;
}

export interface HttpWiring {
  /** Serves POST /webhooks/alertmanager ahead of express; false when the request is not its own. */
  readonly fast: FastListener;
  readonly app: express.Express;
}

/** The request handlers: the fast path first, express for everything else. */
export function buildHttp(d: HttpWiringDeps): HttpWiring {
  const { env, config, logger, metrics, clock, redis, messages, stores, ingest, transition, report, heartbeats, overrides, phone, actionLinks, telemetry } = d;
  const classLevels = lookupTable(Object.entries(config.playbooks.classes).map(([k, c]) => [k, c.level] as const));
  // Rate limits count real seconds, whatever the clock speed or a test's manual clock.
  const wallClock = new SystemClock();
  const rateLimits: RateLimitDeps = {
    limits: config.daemon.rateLimits,
    limiter: new RedisRateLimiter(redis, makeKeys(env.redisPrefix, 'live')),
    isCritical: criticality({ limits: config.daemon.rateLimits, sources: config.sources, classLevels }),
    now: () => wallClock.now(),
    logger,
  };

  // POST /webhooks/alertmanager, the busiest route, is served ahead of express (same answers).
  const fast = fastWebhook({
    token: env.ingestToken,
    bodyLimit: config.daemon.http.alertmanager.bodyLimit,
    retryAfter: retryAfterHeader(config.daemon.http.retryAfter),
    rateCheck: rateCheck('alertmanager', rateLimits),
    tap: (body) => takeWatchdogs(body, heartbeats.watchdogAlertname, config.sources.alertmanager),
    observe: beatObserver(heartbeats, logger),
    handle: alertmanagerHandler({ ingest, sources: config.sources, classLevels, clock, logger, metrics, maxAlerts: config.daemon.http.alertmanager.maxAlerts }),
    tracer: createTracer(),
    metrics,
    logger,
  });

  const twilioAuthToken = env.twilioAuthToken;
  const app = createHttpApp({
    config,
    env,
    logger,
    metrics,
    ready: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
    peerMetrics: d.peerMetrics,
    beforeScrape: () => telemetry.refresh(),
    before: [traceRequests(createTracer())],
    webhooks: [
      webhookRateLimits(rateLimits),
      heartbeatTap({ heartbeats, sources: config.sources, logger }),
      alertmanagerRoutes({ ingest, sources: config.sources, classLevels, clock, logger, metrics, maxAlerts: config.daemon.http.alertmanager.maxAlerts }),
      upsRoutes({ ingest, sources: config.sources, clock, logger, telemetry }),
      acdRoutes({ ingest, sources: config.sources, businessHours: config.daemon.businessHours, clock, telemetry }),
    ],
    api: [
      apiRateLimits(rateLimits),
      apiRoutes({ stores, report, transition, classLevels }),
      reportRoutes({ stores, clock, context: { classes: config.playbooks.classes, roles: config.roles.roles, people: config.roster.people } }),
      onCallRoutes({ overrides, oncall: d.oncall, roles: config.roles.roles, scheduledRoles: Object.keys(config.roster.schedules), clock }),
      maintenanceRoutes({ maintenance: d.maintenance, clock }),
    ],
    twilio: [
      taskRouterRoutes({
        ingest,
        sources: config.sources,
        businessHours: config.daemon.businessHours,
        clock,
        telemetry,
        queues: d.taskQueues,
        publicUrl: env.publicUrl,
        verifySignature: twilioAuthToken ? (url, params, signature) => verifyTwilioSignature(twilioAuthToken, url, params, signature) : undefined,
      }),
      twilioCallbackRoutes({
        actions: phone,
        codec: twilioCodec(messages, config),
        publicUrl: env.publicUrl,
        verifySignature: twilioAuthToken ? (url, params, signature) => verifyTwilioSignature(twilioAuthToken, url, params, signature) : undefined,
      }),
      // The e-mail links (/ack/<token>, /resolve/<token>): the signed token is the authentication.
      actionLinkRoutes({
        actions: phone,
        verify: (token, now, action) => actionLinks.verify(token, now, action),
        localeOf: (token) => actionLinks.localeOf(token),
        pages: linkPageRenderer(messages, config.daemon.timezone, (id) => config.roster.people[id]?.name),
        clock,
      }),
    ],
  });
  return { fast, app };
}
