/** "Do this once" across replicas and restarts: a claim is SET NX with a lease, renewed and settled by scripts. */
import { randomBytes } from 'node:crypto';
import type { OnceClaims } from '../domain/ports.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export class RedisOnceMarker implements OnceClaims {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly scope: string,
  ) {}

  async taken(key: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.key(key))) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async take(key: string, leaseMs: number): Promise<string | undefined> {
    const token = randomBytes(9).toString('base64url');
    try {
      return (await this.redis.set(this.key(key), token, 'PX', Math.max(1, Math.round(leaseMs)), 'NX')) === 'OK' ? token : undefined;
    } catch (e) {
      throw storeError(e);
    }
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    try {
      return Number(await callScript(this.redis, 'renewClaim', [this.key(key)], [token, Math.max(1, Math.round(leaseMs))])) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async done(key: string, token: string, keepMs: number): Promise<void> {
    await this.settle(key, token, Math.max(1, Math.round(keepMs)));
  }

  async release(key: string, token: string): Promise<void> {
    await this.settle(key, token, 0);
  }

  private async settle(key: string, token: string, keep: number): Promise<void> {
    try {
      await callScript(this.redis, 'settleClaim', [this.key(key)], [token, keep]);
    } catch (e) {
      throw storeError(e);
    }
  }

  private key(key: string): string {
    return this.keys.custom(`${this.scope}:${key}`);
  }
}
