/** Heartbeat last-seen times in Redis: one hash (member → epoch ms) and one set of members marked missing. */
import type { HeartbeatStore } from '../domain/heartbeat.js';
import type { Keys } from './keys.js';
import { storeError, type RedisClient } from './redis.js';
import { callScript } from './scripts.js';

export class RedisHeartbeatStore implements HeartbeatStore {
  private readonly last: string;
  private readonly missing: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
  ) {
    this.last = keys.custom('heartbeat:last');
    this.missing = keys.custom('heartbeat:missing');
  }

  async beat(member: string, now: number): Promise<boolean> {
    try {
      return Number(await callScript(this.redis, 'beatHeartbeat', [this.last, this.missing], [member, Math.round(now)])) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async expect(member: string, now: number): Promise<void> {
    try {
      await this.redis.hsetnx(this.last, member, String(Math.round(now)));
    } catch (e) {
      throw storeError(e);
    }
  }

  async watched(): Promise<Map<string, number>> {
    try {
      const all = await this.redis.hgetall(this.last);
      return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
    } catch (e) {
      throw storeError(e);
    }
  }

  async markMissing(member: string, cutoff: number): Promise<number | undefined> {
    try {
      const r = Number(await callScript(this.redis, 'markHeartbeatMissing', [this.last, this.missing], [member, Math.round(cutoff)]));
      return r >= 0 ? r : undefined;
    } catch (e) {
      throw storeError(e);
    }
  }

  async marked(): Promise<Set<string>> {
    try {
      return new Set(await this.redis.smembers(this.missing));
    } catch (e) {
      throw storeError(e);
    }
  }

  async clearMissing(member: string): Promise<boolean> {
    try {
      return (await this.redis.srem(this.missing, member)) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async restoreMissing(member: string): Promise<void> {
    try {
      await this.redis.sadd(this.missing, member);
    } catch (e) {
      throw storeError(e);
    }
  }
}
