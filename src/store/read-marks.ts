/**
 * ReadMarks in Redis: one hash per scope (id → event count), in the namespace, expiring with the
 * scope. A mark and its key's expiry are set in one transaction (MULTI/EXEC): both or neither, so no
 * mark key outlives its scope. A mark is a saving, not a record: a lost one costs a read.
 */
import type { ReadMarks } from '../domain/ports.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';

export class RedisReadMarks implements ReadMarks {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async countAt(scope: string, id: string): Promise<number | undefined> {
    try {
      const v = await this.redis.hget(this.key(scope), id);
      return v === null ? undefined : Number(v);
    } catch (e) {
      throw storeError(e);
    }
  }

  async mark(scope: string, id: string, eventCount: number, keepMs: number): Promise<void> {
    const key = this.key(scope);
    try {
      const replies = await this.redis.multi().hset(key, id, eventCount).pexpire(key, Math.max(1, Math.round(keepMs))).exec();
      const failed = replies?.find(([err]) => err)?.[0];
      if (failed) throw failed;
    } catch (e) {
      throw storeError(e);
    }
  }

  private key(scope: string): string {
    return this.keys.custom(`read-marks:${scope}`);
  }
}
