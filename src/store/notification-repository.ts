/** Notifications of one namespace: claimed by idempotency key before sending, then their status recorded. */
import type { RedisClient } from './redis.js';
import type { ClaimOutcome, CodeRef, NotificationStore, ReplyCode, StoredNotification, TimelineNote } from '../domain/escalation-ports.js';
import { timelineJson } from './incident-repository.js';
import type { Keys } from './keys.js';
import { replicasConfirming, storeError, type ReplicaWait } from './redis.js';
import { callScript } from './scripts.js';

/**
 * With `incidents.replicas`: a page's claim and its record are written on the wait's connection and
 * waited for (WAIT), so that a failover to a replica knows what was sent and sends nothing twice.
 * A page is never held back for long: when fewer replicas confirm in time it goes out all the same,
 * `unconfirmed` is told, and for `pauseMs` after that pages do not wait at all (each write told as
 * unconfirmed), so a replica that lags delays one page, not every page of a storm in turn.
 */
export class PageReplicaWait {
  private pausedUntil = 0;
  /** The WAIT on the wire, and the one that follows it for every write made while it was. */
  private current: Promise<number> | undefined;
  private next: Promise<number> | undefined;

  constructor(
    readonly wait: ReplicaWait,
    private readonly pauseMs: number,
    private readonly unconfirmed: (write: 'claim' | 'record', confirmed: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async confirm(write: 'claim' | 'record'): Promise<void> {
    if (this.now() < this.pausedUntil) return this.unconfirmed(write, 0);
    const confirmed = await this.waited();
    if (confirmed >= this.wait.replicas) return;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + this.pauseMs);
    this.unconfirmed(write, confirmed);
  }

  /**
   * One WAIT at a time: WAITs on one connection run one after another, so pages written together
   * would otherwise each wait out the timeout in turn. A write made while a WAIT is on the wire
   * shares the next one, sent when that one is back (and not at all if it found the replicas lagging).
   */
  private waited(): Promise<number> {
    if (!this.current) return this.start();
    this.next ??= this.current.then(
      () => this.followUp(),
      () => this.followUp(),
    );
    return this.next;
  }

  private followUp(): Promise<number> {
    this.next = undefined;
    return this.now() < this.pausedUntil ? Promise.resolve(0) : this.start();
  }

  private start(): Promise<number> {
    const w = replicasConfirming(this.wait);
    this.current = w;
    void w.then(
      () => this.settle(w),
      () => this.settle(w),
    );
    return w;
  }

  private settle(w: Promise<number>): void {
    if (this.current === w) this.current = undefined;
  }
}

export class RedisNotificationRepository implements NotificationStore {
  private readonly writer: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
    private readonly replicated?: PageReplicaWait,
  ) {
    this.writer = replicated?.wait.client ?? redis;
  }

  private async confirm(write: 'claim' | 'record'): Promise<void> {
    await this.replicated?.confirm(write);
  }

  async claim(record: StoredNotification, now: number, leaseMs: number, owner: string, code?: ReplyCode): Promise<{ outcome: ClaimOutcome; record: StoredNotification }> {
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
      ])) as [string, string];
      const outcome = r[0] as ClaimOutcome;
      if (outcome === 'owned' || outcome === 'reclaimed') await this.confirm('claim');
      return { outcome, record: outcome === 'code_taken' || outcome === 'gone' ? record : (JSON.parse(r[1]) as StoredNotification) };
    } catch (e) {
      throw storeError(e);
    }
  }

  async update(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean> {
    const k = this.keys;
    try {
      const r = await callScript(this.writer, 'recordNotification', [k.notifications(incidentId), k.timeline(incidentId)], [id, JSON.stringify(patch), owner, note ? timelineJson(note) : '']);
      if (Number(r) === 1) await this.confirm('record');
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
