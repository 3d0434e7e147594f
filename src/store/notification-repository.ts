/** Notifications of one namespace: claimed by idempotency key before sending, then their status recorded. */
import type { RedisClient } from './redis.js';
import type { ClaimOutcome, Claimed, CodeRef, NotificationStore, RenewOutcome, ReplyCode, StoredNotification, TimelineNote } from '../domain/escalation-ports.js';
import { timelineJson } from './incident-repository.js';
import type { Keys } from './keys.js';
import type { PageReplicaWait } from './page-replica-wait.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export class RedisNotificationRepository implements NotificationStore {
  private readonly writer: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
    private readonly replicated?: PageReplicaWait,
  ) {
    this.writer = replicated?.wait.client ?? redis;
  }

  async claim(record: StoredNotification, now: number, leaseMs: number, owner: string, code?: ReplyCode): Promise<Claimed> {
    const k = this.keys;
    const full = { ...record, ...(code ? { code: code.code } : {}), claimedBy: owner, claimedAtMs: now };
    try {
      const r = (await callScript(this.writer, 'claimNotification', [k.notifications(record.incidentId), k.incident(record.incidentId), k.custom(`code:${code?.code ?? ''}`)], [
        record.id,
        JSON.stringify(full),
        now,
        leaseMs,
        owner,
        code?.code ?? '',
        code ? JSON.stringify(code.ref) : '',
        code ? Math.max(1, Math.round(code.ttlMs)) : 0,
      ])) as [string, string, string?, string?];
      const outcome = r[0] as ClaimOutcome;
      if (outcome === 'owned' || outcome === 'reclaimed') await this.replicated?.confirm('claim');
      const parsed = outcome === 'code_taken' || outcome === 'gone' ? record : (JSON.parse(r[1]) as StoredNotification);
      if (outcome !== 'reclaimed' || !r[2]) return { outcome, record: parsed };
      const since = Number(r[3]);
      return { outcome, record: parsed, from: r[2], ...(Number.isFinite(since) ? { fromClaimedAtMs: since } : {}) };
    } catch (e) {
      throw storeError(e);
    }
  }

  async renew(incidentId: string, id: string, owner: string, claimedAtMs: number, now: number): Promise<RenewOutcome> {
    try {
      const r = String(await callScript(this.writer, 'renewNotification', [this.keys.notifications(incidentId)], [id, owner, claimedAtMs, now])) as RenewOutcome;
      if (r === 'renewed') await this.replicated?.confirm('claim');
      return r;
    } catch (e) {
      throw storeError(e);
    }
  }

  async update(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean> {
    const k = this.keys;
    try {
      const r = await callScript(this.writer, 'recordNotification', [k.notifications(incidentId), k.timeline(incidentId)], [id, JSON.stringify(patch), owner, note ? timelineJson(note) : '', '']);
      if (Number(r) === 1) await this.replicated?.confirm('record');
      return Number(r) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async recordSent(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean> {
    const k = this.keys;
    try {
      const r = await callScript(this.writer, 'recordNotification', [k.notifications(incidentId), k.timeline(incidentId)], [id, JSON.stringify(patch), owner, note ? timelineJson(note) : '', 'sent']);
      if (Number(r) === 1) await this.replicated?.confirm('record');
      return Number(r) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async get(incidentId: string, id: string): Promise<StoredNotification | undefined> {
    const raw = await this.redis.hget(this.keys.notifications(incidentId), id);
    return raw ? (JSON.parse(raw) as StoredNotification) : undefined;
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
