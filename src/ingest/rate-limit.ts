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

/** A source's limit as a check: the refusal (429, with its Retry-After seconds in details) or undefined to go on. */
export type RateCheck = (path: string, method: string, body: unknown) => Promise<TocsinError | undefined>;

/** The check for one source, or undefined when the source has no limit. */
export function rateCheck(source: RateSource, deps: RateLimitDeps): RateCheck | undefined {
  const limit = deps.limits.perSource[source];
  if (!limit) return undefined;
  const perMs = Math.max(1, limit.per);
  return async (path, method, body) => {
    if (deps.isCritical(path, method, body)) return undefined;
    let decision;
    try {
      decision = await deps.limiter.take(source, { requests: limit.requests, perMs }, deps.now());
    } catch {
      // The store is down: the route answers 503 itself; the limit must not hide that.
      return undefined;
    }
    if (decision.allowed) return undefined;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    deps.logger.debug({ source, retryAfterSeconds: seconds }, 'request rate limited');
    return new TocsinError('TOCSIN_ERR_RATE_LIMITED', `${source}: more than ${limit.requests} requests per ${Math.round(perMs / 1000)} s; retry after ${seconds} s`, {
      details: { source, retryAfterSeconds: seconds },
    });
  };
}

/** The Retry-After header value of a refusal. */
export function retryAfterOf(e: TocsinError): string | undefined {
  const s = e.details?.retryAfterSeconds;
  return typeof s === 'number' ? String(s) : undefined;
}

function guard(source: RateSource, deps: RateLimitDeps): RequestHandler | undefined {
  const check = rateCheck(source, deps);
  if (!check) return undefined;
  return async (req: Request, res, next) => {
    const refused = await check(req.originalUrl.split('?')[0] ?? '', req.method, req.body);
    const after = refused ? retryAfterOf(refused) : undefined;
    if (after) res.setHeader('Retry-After', after);
    next(refused);
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
