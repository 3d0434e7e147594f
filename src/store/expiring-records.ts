/** Records that always end (overrides, maintenance windows): a zset by end time beside a hash of JSON. */
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

/** The keys outlive their last record by this much. */
const GRACE_MS = 60 * 60_000;

export class RedisExpiringRecords<T extends { readonly id: string; readonly until: string }> {
  constructor(
    private readonly redis: RedisClient,
    private readonly zsetKey: string,
    private readonly hashKey: string,
  ) {}

  async put(record: T, now: number): Promise<void> {
    try {
      await callScript(this.redis, 'putExpiring', [this.zsetKey, this.hashKey], [record.id, Date.parse(record.until), JSON.stringify(record), now, GRACE_MS]);
    } catch (e) {
      throw storeError(e);
    }
  }

  /** Records that have not ended at `now`. */
  async list(now: number): Promise<T[]> {
    let raw: Record<string, string>;
    try {
      raw = await this.redis.hgetall(this.hashKey);
    } catch (e) {
      throw storeError(e);
    }
    return Object.values(raw)
      .map((v) => JSON.parse(v) as T)
      .filter((r) => Date.parse(r.until) > now);
  }

  /** One record by id, whether or not it has ended (while the keys still hold it). */
  async get(id: string): Promise<T | undefined> {
    let raw: string | null;
    try {
      raw = await this.redis.hget(this.hashKey, id);
    } catch (e) {
      throw storeError(e);
    }
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async remove(id: string): Promise<boolean> {
    try {
      return Number(await callScript(this.redis, 'removeExpiring', [this.zsetKey, this.hashKey], [id])) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }
}
