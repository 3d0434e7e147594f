/** The express app: body limits, auth per path, the routers, operations endpoints, one error shape. */
import express, { Router } from 'express';
import type { Config } from '../config/load-config.js';
import type { Env } from '../config/env.js';
import { TocsinError } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { exposition, type PeerMetrics } from '../telemetry/exposition.js';
import { bearerAuth } from './auth.js';
import { formBody, jsonBody } from './body.js';
import { errorHandler, retryAfterHeader } from './errors.js';
import { allowedMethods } from './allowed-methods.js';
import { answerOptions } from './options-answer.js';
import { WEBHOOK_PATHS } from './webhook-paths.js';

export interface HttpAppDeps {
  readonly config: Config;
  readonly env: Pick<Env, 'ingestToken' | 'apiToken'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** True while Redis answers. */
  readonly ready: () => Promise<boolean>;
  /** JSON webhooks (under /webhooks, ingest token). */
  readonly webhooks: readonly Router[];
  /** The JSON API (under /api, API token). */
  readonly api: readonly Router[];
  /** Form-encoded, signature-checked Twilio callbacks (/twilio/…, /webhooks/taskrouter) — no bearer token. */
  readonly twilio: readonly Router[];
  /** The engine workers' metrics, joined into /metrics. */
  readonly peerMetrics?: PeerMetrics | undefined;
  /** Brings gauges kept in Redis up to date before /metrics answers (never throws). */
  readonly beforeScrape?: () => Promise<void>;
  /** Extra middleware run first on every request (tracing). */
  readonly before?: readonly express.RequestHandler[];
}

/** tocsin_http_requests_total: a few route families, status classes (a path made up by a client is `other`). */
export function countRequest(metrics: Metrics, path: string, status: number): void {
  const route = WEBHOOK_PATHS.includes(path) ? path : path.startsWith('/api/') ? '/api' : path.startsWith('/twilio/') ? '/twilio' : ['/metrics', '/healthz', '/readyz'].includes(path) ? path : 'other';
  metrics.httpRequests.inc({ route, status: `${Math.floor(status / 100)}xx` });
}

/** http.trustProxy as express takes it: a hop count, or the addresses (a copy: the config is frozen). */
function trustSetting(trust: Config['daemon']['http']['trustProxy']): number | string[] {
  return typeof trust === 'number' ? trust : [...trust];
}

/** A webhook path as express routes it (any case, a trailing slash or not) → is it the Alertmanager webhook. */
const ALERTMANAGER_ROUTE = /^\/alertmanager\/?$/i;

/** JSON webhook bodies (mounted at /webhooks): Alertmanager's, a whole group of alerts, within its own limit. */
function webhookBody(limit: number, alertmanagerLimit: number): express.RequestHandler {
  const other = jsonBody(limit);
  const alertmanager = jsonBody(alertmanagerLimit);
  return (req, res, next) => (ALERTMANAGER_ROUTE.test(req.path) ? alertmanager : other)(req, res, next);
}

export function createHttpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // X-Forwarded-For is anyone's to write: only the proxies of http.trustProxy are believed (req.ip)
  app.set('trust proxy', trustSetting(deps.config.daemon.http.trustProxy));
  const limit = deps.config.daemon.http.bodyLimit;
  const alertmanagerLimit = deps.config.daemon.http.alertmanager.bodyLimit;

  for (const mw of deps.before ?? []) app.use(mw);

  app.use((req, res, next) => {
    res.on('finish', () => countRequest(deps.metrics, req.path, res.statusCode));
    next();
  });

  const operations = Router();
  operations.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  operations.get('/readyz', async (_req, res) => {
    const ok = await deps.ready().catch(() => false);
    deps.metrics.redisUp.set(ok ? 1 : 0);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', redis: ok ? 'up' : 'down' });
  });
  operations.get('/metrics', async (_req, res) => {
    await deps.beforeScrape?.();
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await exposition(deps.metrics.registry, deps.peerMetrics));
  });

  // OPTIONS is answered from the route table, before any router answers it in plain text
  app.use(answerOptions());
  app.use(operations);

  // a webhook is POSTed; any other method is told so before anything else is looked at
  app.use([...WEBHOOK_PATHS], (req, res, next) => {
    if (req.method === 'POST') return next();
    res.setHeader('Allow', 'POST');
    next(new TocsinError('TOCSIN_ERR_METHOD_NOT_ALLOWED', `${req.method} ${req.baseUrl}: webhooks take POST only`));
  });

  // Twilio posts form bodies and is authenticated by its signature, inside its routers.
  const twilioPaths = ['/twilio', '/webhooks/taskrouter'];
  app.use(twilioPaths, formBody(limit));
  for (const r of deps.twilio) app.use(r);

  app.use('/webhooks', bearerAuth(deps.env.ingestToken), webhookBody(limit, alertmanagerLimit));
  for (const r of deps.webhooks) app.use(r);

  // a path served with other methods is told which (405 and Allow), before its body is looked at
  const wrongMethod: express.RequestHandler = (req, res, next) => {
    const path = req.baseUrl + req.path;
    const allow = allowedMethods(path);
    if (allow.length === 0 || allow.includes(req.method)) return next();
    res.setHeader('Allow', allow.join(', '));
    next(new TocsinError('TOCSIN_ERR_METHOD_NOT_ALLOWED', `${req.method} ${path}: served with ${allow.join(', ')} only`));
  };

  app.use('/api', bearerAuth(deps.env.apiToken));
  app.use('/api', wrongMethod);
  app.use('/api', jsonBody(limit));
  for (const r of deps.api) app.use(r);

  app.use(wrongMethod);
  app.use((req, _res, next) => next(new TocsinError('TOCSIN_ERR_NOT_FOUND', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger, deps.metrics, retryAfterHeader(deps.config.daemon.http.retryAfter)));
  return app;
}
