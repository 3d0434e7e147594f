/**
 * Per-source rate limits (daemon.yaml `rateLimits`): past its limit a source gets
 * 429 TOCSIN_ERR_RATE_LIMITED with Retry-After, before anything of the request is recorded. A request
 * that carries a critical class is never refused and never counted. Limits are shared by every replica
 * through the store and counted in real time (`now` is the system clock, whatever the clock speed).
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { RateLimitsConfig } from '../config/schema.js';
import { TocsinError } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { CriticalityCheck } from './critical-request.js';

export type RateSource = 'alertmanager' | 'ups' | 'acd' | 'api';

export interface RateLimiter {
  take(bucket: string, limit: { readonly requests: number; readonly perMs: number }, now: number): Promise<{ readonly allowed: boolean; readonly retryAfterMs: number }>;
}

export interface RateLimitDeps {
  readonly limits: RateLimitsConfig;
  readonly limiter: RateLimiter;
  readonly isCritical: CriticalityCheck;
  /** Wall-clock epoch ms. */
  readonly now: () => number;
  readonly logger: Logger;
}

function guard(source: RateSource, deps: RateLimitDeps): RequestHandler | undefined {
  const limit = deps.limits.perSource[source];
  if (!limit) return undefined;
  const perMs = Math.max(1, limit.per);
  return async (req: Request, res, next) => {
    if (deps.isCritical(req.originalUrl.split('?')[0] ?? '', req.method, req.body)) return next();
    let decision;
    try {
      decision = await deps.limiter.take(source, { requests: limit.requests, perMs }, deps.now());
    } catch {
      // The store is down: the route answers 503 itself; the limit must not hide that.
      return next();
    }
    if (decision.allowed) return next();
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    res.setHeader('Retry-After', String(seconds));
    deps.logger.debug({ source, retryAfterSeconds: seconds }, 'request rate limited');
    next(
      new TocsinError('TOCSIN_ERR_RATE_LIMITED', `${source}: more than ${limit.requests} requests per ${Math.round(perMs / 1000)} s; retry after ${seconds} s`, {
        details: { source, retryAfterSeconds: seconds },
      }),
    );
  };
}

/** Goes first among the JSON webhook routers (after auth and body parsing, before any recording). */
export function webhookRateLimits(deps: RateLimitDeps): Router {
  const router = Router();
  for (const source of ['alertmanager', 'ups', 'acd'] as const) {
    const g = guard(source, deps);
    if (g) router.post(`/webhooks/${source}`, g);
  }
  return router;
}

/** Goes first among the API routers. */
export function apiRateLimits(deps: RateLimitDeps): Router {
  const router = Router();
  const g = guard('api', deps);
  if (g) router.use('/api', g);
  return router;
}
