/** The due set of one namespace: incidents whose escalation the engine must look at, claimed with a lease. */
import type { RedisClient } from './redis.js';
import type { AuditResult, DueClaim, EscalationQueue, RescheduleResult } from '../domain/escalation-ports.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export interface EscalationQueueOptions {
  /** A claimed incident not handed back within this time is delivered again. */
  readonly leaseMs: number;
}

export class RedisEscalationQueue implements EscalationQueue {
  private readonly leases: string;
  private readonly fence: string;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
    private readonly options: EscalationQueueOptions,
  ) {
    this.leases = keys.custom('due-leases');
    this.fence = keys.custom('due-fence');
  }

  async claimDue(now: number, batch: number): Promise<DueClaim[]> {
    try {
      const r = (await callScript(this.redis, 'claimDue', [this.keys.due, this.leases, this.fence], [now, this.options.leaseMs, batch])) as string[];
      const out: DueClaim[] = [];
      for (let i = 0; i + 2 < r.length; i += 3) out.push({ id: r[i] ?? '', dueAt: score(r[i + 1] ?? ''), token: r[i + 2] ?? '' });
      return out;
    } catch (e) {
      throw storeError(e);
    }
  }

  async claim(id: string, now: number): Promise<DueClaim | undefined> {
    try {
      const r = (await callScript(this.redis, 'claimIncident', [this.keys.due, this.leases, this.fence], [id, now, this.options.leaseMs])) as string[];
      if (r.length < 2) return undefined;
      return { id, token: r[0] ?? '', dueAt: r[1] === '' ? Number.NaN : Number(r[1]) };
    } catch (e) {
      throw storeError(e);
    }
  }

  async reschedule(id: string, token: string, next: number | 'park' | null): Promise<RescheduleResult> {
    try {
      const arg = next === null ? '' : next === 'park' ? 'park' : String(Math.ceil(next));
      return (await callScript(this.redis, 'rescheduleIncident', [this.keys.due, this.leases], [id, token, arg])) as RescheduleResult;
    } catch (e) {
      throw storeError(e);
    }
  }

  async lookNow(ids: readonly string[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      const pipe = this.redis.pipeline();
      // XX: only incidents still in the due set; LT: never later than it already is
      for (const id of ids) pipe.zadd(this.keys.due, 'XX', 'LT', 'CH', now, id);
      const out = (await pipe.exec()) ?? [];
      let moved = 0;
      for (const [err, n] of out) {
        if (err) throw err;
        moved += Number(n);
      }
      return moved;
    } catch (e) {
      throw storeError(e);
    }
  }

  async nextDue(): Promise<number | undefined> {
    try {
      const [, first] = await this.redis.zrange(this.keys.due, 0, 0, 'WITHSCORES');
      const at = first === undefined ? Number.NaN : Number(first);
      return Number.isFinite(at) ? at : undefined; // parked incidents sit at +inf
    } catch (e) {
      throw storeError(e);
    }
  }

  async audit(now: number): Promise<AuditResult> {
    const missing: string[] = [];
    const overdue: string[] = [];
    try {
      for (let start = 0; ; start += 500) {
        const ids = await this.redis.zrange(this.keys.open, start, start + 499);
        if (ids.length === 0) break;
        const scores = await this.redis.zmscore(this.keys.due, ...ids);
        ids.forEach((id, i) => {
          const s = scores[i];
          if (s === null || s === undefined) missing.push(id);
          else if (score(s) < now - this.options.leaseMs) overdue.push(id);
        });
        if (ids.length < 500) break;
      }
      // resolved incidents whose all-clear or reminders are overdue count too
      const stale = await this.redis.zrangebyscore(this.keys.due, '-inf', now - this.options.leaseMs);
      for (const id of stale) if (!overdue.includes(id)) overdue.push(id);
      if (missing.length > 0) {
        const pipe = this.redis.pipeline();
        for (const id of missing) pipe.zadd(this.keys.due, 'NX', now, id);
        await pipe.exec();
      }
      return { missing, overdue };
    } catch (e) {
      throw storeError(e);
    }
  }

  /** Test and operations helper: the due time of an incident (Infinity when parked), undefined when absent. */
  async dueAt(id: string): Promise<number | undefined> {
    const s = await this.redis.zscore(this.keys.due, id);
    return s === null ? undefined : score(s);
  }
}

/** Redis writes infinite scores as "inf" / "-inf". */
function score(s: string): number {
  if (s === 'inf' || s === '+inf') return Number.POSITIVE_INFINITY;
  if (s === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(s);
}
