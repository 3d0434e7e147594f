/** "Do this once" across replicas and restarts: SET NX with an expiry. */
import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';

export class RedisOnceMarker {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly scope: string,
  ) {}

  /** True when `key` has been claimed and has not expired. */
  async claimed(key: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.keys.custom(`${this.scope}:${key}`))) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  /** True for the first caller of `key` within `ttlMs`. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.redis.set(this.keys.custom(`${this.scope}:${key}`), '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
    } catch (e) {
      throw storeError(e);
    }
  }
}
