/**
 * Heartbeat last-seen times in Redis: one hash (member → epoch ms), one set of members marked missing,
 * and one hash of when each mark was set (member → epoch ms; a mark written before marks carried their
 * time has none).
 */
import type { HeartbeatStore, StaleMark } from '../domain/heartbeat.js';
import type { Keys } from './keys.js';
import { storeError, type RedisClient } from './redis.js';
import { callScript } from './scripts.js';

export class RedisHeartbeatStore implements HeartbeatStore {
  private readonly last: string;
  private readonly missing: string;
  private readonly markedAt: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
  ) {
    this.last = keys.custom('heartbeat:last');
    this.missing = keys.custom('heartbeat:missing');
    this.markedAt = keys.custom('heartbeat:marked-at');
  }

  async beat(member: string, now: number): Promise<number | undefined> {
    try {
      const r = Number(await callScript(this.redis, 'beatHeartbeat', [this.last, this.missing, this.markedAt], [member, Math.round(now)]));
      return r >= 0 ? r : undefined;
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

  async lastSeen(member: string): Promise<number | undefined> {
    try {
      const v = await this.redis.hget(this.last, member);
      return v === null ? undefined : Number(v);
    } catch (e) {
      throw storeError(e);
    }
  }

  async markMissing(member: string, cutoff: number, now: number): Promise<number | undefined> {
    try {
      const r = Number(await callScript(this.redis, 'markHeartbeatMissing', [this.last, this.missing, this.markedAt], [member, Math.round(cutoff), Math.round(now)]));
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

  async clearMissing(member: string): Promise<number | undefined> {
    try {
      const r = Number(await callScript(this.redis, 'clearHeartbeatMark', [this.missing, this.markedAt], [member]));
      return r >= 0 ? r : undefined;
    } catch (e) {
      throw storeError(e);
    }
  }

  async renewStale(member: string, closedAt: number, cutoff: number | undefined, now: number): Promise<StaleMark | undefined> {
    try {
      const args = [member, Math.round(closedAt), cutoff === undefined ? -1 : Math.round(cutoff), Math.round(now)];
      const r = (await callScript(this.redis, 'renewHeartbeatMark', [this.last, this.missing, this.markedAt], args)) as unknown[];
      const markedAt = Number(r[0]);
      if (!(markedAt >= 0)) return undefined;
      const since = Number(r[1]);
      return since >= 0 ? { markedAt, silentSince: since } : { markedAt };
    } catch (e) {
      throw storeError(e);
    }
  }

  async restoreMissing(member: string, markedAt: number): Promise<void> {
    try {
      await callScript(this.redis, 'restoreHeartbeatMark', [this.missing, this.markedAt], [member, Math.round(markedAt)]);
    } catch (e) {
      throw storeError(e);
    }
  }
}
