/** Request limits shared by every replica on one Redis: one Lua step per request (takeRateToken). */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: how long until one more request would be allowed. */
  readonly retryAfterMs: number;
}

export class RedisRateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Counts one request of `bucket` against `requests` per `perMs` at `now`; refused requests are not counted. */
  async take(bucket: string, limit: { readonly requests: number; readonly perMs: number }, now: number): Promise<RateDecision> {
    let reply: unknown;
    try {
      reply = await callScript(this.redis, 'takeRateToken', [this.keys.custom(`ratelimit:${bucket}`)], [Math.round(now), limit.requests, Math.max(1, Math.round(limit.perMs))]);
    } catch (e) {
      throw storeError(e);
    }
    const [ok, wait] = Array.isArray(reply) ? (reply as unknown[]) : [];
    return { allowed: Number(ok) === 1, retryAfterMs: Number(wait) || 0 };
  }
}
