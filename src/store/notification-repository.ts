/** Notifications of one namespace: claimed by idempotency key before sending, then their status recorded. */
import type { RedisClient } from './redis.js';
import type { ClaimOutcome, CodeRef, NotificationStore, StoredNotification, TimelineNote } from '../domain/escalation-ports.js';
import { timelineJson } from './incident-repository.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export class RedisNotificationRepository implements NotificationStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  async claim(record: StoredNotification, now: number, leaseMs: number, owner: string): Promise<{ outcome: ClaimOutcome; record: StoredNotification }> {
    const k = this.keys;
    const full = { ...record, claimedBy: owner, claimedAtMs: now };
    try {
      const r = (await callScript(this.redis, 'claimNotification', [k.notifications(record.incidentId), k.incident(record.incidentId)], [
        record.id,
        JSON.stringify(full),
        now,
        leaseMs,
        owner,
      ])) as [string, string];
      return { outcome: r[0] as ClaimOutcome, record: JSON.parse(r[1]) as StoredNotification };
    } catch (e) {
      throw storeError(e);
    }
  }

  async update(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean> {
    const k = this.keys;
    try {
      const r = await callScript(this.redis, 'recordNotification', [k.notifications(incidentId), k.timeline(incidentId)], [id, JSON.stringify(patch), owner, note ? timelineJson(note) : '']);
      return Number(r) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async get(incidentId: string, id: string): Promise<StoredNotification | undefined> {
    const raw = await this.redis.hget(this.keys.notifications(incidentId), id);
    return raw ? (JSON.parse(raw) as StoredNotification) : undefined;
  }

  async reserveCode(code: string, ref: CodeRef, ttlMs: number): Promise<boolean> {
    try {
      const r = await this.redis.set(this.keys.custom(`code:${code}`), JSON.stringify(ref), 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      return r === 'OK';
    } catch (e) {
      throw storeError(e);
    }
  }

  async lookupCode(code: string): Promise<CodeRef | undefined> {
    try {
      const raw = await this.redis.get(this.keys.custom(`code:${code.toUpperCase()}`));
      return raw ? (JSON.parse(raw) as CodeRef) : undefined;
    } catch (e) {
      throw storeError(e);
    }
  }
}
