/**
 * Use case: the escalation engine (GoAlert style: the data decides what is due).
 * Each tick claims the due incidents of every namespace (live, drill) with a lease and a fencing
 * token and runs each (escalateIncident: plan, raise, suppress, page, follow up), then hands the
 * incident back with the time to look again. Kicks run one incident at once after an opening, a
 * resolution or an acknowledgement; "escalate now" brings the next tier forward.
 */
import { randomBytes } from 'node:crypto';
import type { CodeRef, DueClaim } from '../domain/escalation-ports.js';
import { conditionHolds, nextApplicableTier } from '../domain/escalation.js';
import { createTracer, withSpan, type Tracer } from '../telemetry/tracer.js';
import { escalateIncident } from './escalate-incident.js';
import { isDrillId } from './incident-stores.js';
import type { EngineDeps, EngineNamespace, EscalateNowResult, FollowedNotification, NotificationPatch, TickResult } from './escalation-engine-ports.js';
import { subjectOf } from './escalation-subject.js';

export class EscalationEngine {
  private readonly busy = new Set<string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Spans `escalate` per incident run (children: `notify`); the global tracer, a no-op without an SDK. */
  private readonly tracer: Tracer = createTracer();
  /** Claimer id for records the engine itself settles (held pages no longer wanted). */
  private readonly owner = makeOwnerId();
  /** Kicks running now, and those waiting for one of them to finish. */
  private kicking = 0;
  private readonly kickQueue: (() => void)[] = [];

  constructor(private readonly deps: EngineDeps) {}

  /** Claims and runs everything due at `now`. Ticks never overlap; pending kicks finish first. */
  tick(now: number = this.deps.clock.now()): Promise<TickResult> {
    const run = this.chain.then(async () => {
      await this.idle();
      return this.runTick(now);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs one incident now (fast path after an opening, a resolution or an acknowledgement, a page its
   * provider reports failed); never throws. At most `escalation.kicks` run at once; the rest wait their
   * turn in order, so a storm of new incidents does not run thousands of escalations side by side.
   * An incident someone holds (a run under way here or on another replica, which may have looked at
   * its pages before the news) is made due now: the next tick of any replica looks at it again (the
   * step and page claims keep that second look from sending anything twice).
   */
  kick(id: string): Promise<void> {
    const p = (async () => {
      await this.kickSlot();
      try {
        const ns = this.namespaceOf(id);
        if (!ns) return;
        const now = this.deps.clock.now();
        const claim = await ns.queue.claim(id, now);
        if (!claim) {
          // someone holds it: their reschedule keeps the look-now time (set here when the kick's
          // cause did not set it itself, as a delivery callback does not)
          await ns.queue.lookNow([id], now);
          return;
        }
        await this.processClaim(ns, claim, now);
      } finally {
        this.kickDone();
      }
    })().catch((e: unknown) => this.deps.logger.error({ err: e, incident: id }, 'escalation kick failed'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  private kickSlot(): Promise<void> {
    if (this.kicking < this.deps.config.daemon.escalation.kicks) {
      this.kicking++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.kickQueue.push(resolve));
  }

  private kickDone(): void {
    const next = this.kickQueue.shift();
    if (next) next(); // the slot passes straight on
    else this.kicking--;
  }

  /** Resolves once every running kick has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** What an SMS reply code points at (live first, then drill). */
  async lookupCode(code: string): Promise<CodeRef | undefined> {
    const c = code.trim().toUpperCase();
    for (const n of this.deps.namespaces) {
      const ref = await n.notifications.lookupCode(c);
      if (ref) return ref;
    }
    return undefined;
  }

  /**
   * Records a notification's later status (delivery callbacks: delivered / failed; acknowledged from
   * that very message). False when the notification is unknown.
   */
  async updateNotification(incidentId: string, notificationId: string, patch: NotificationPatch): Promise<boolean> {
    const ns = this.namespaceOf(incidentId);
    if (!ns) return false;
    return ns.notifications.update(incidentId, notificationId, { ...patch, at: new Date(this.deps.clock.now()).toISOString() }, '');
  }

  /** One notification as stored (status, code, delivery facts), or undefined. */
  async findNotification(incidentId: string, notificationId: string): Promise<FollowedNotification | undefined> {
    const ns = this.namespaceOf(incidentId);
    const inc = ns ? await ns.incidents.get(incidentId) : undefined;
    return inc?.notifications.find((nt) => nt.id === notificationId) as FollowedNotification | undefined;
  }

  /**
   * "Escalate now" (key 5 on a paging call): brings the next tier that would still page forward to
   * now, records who asked and how, and runs the incident at once.
   */
  async escalateNow(incidentId: string, by: string, via: string, notificationId?: string): Promise<EscalateNowResult> {
    const n = this.namespaceOf(incidentId);
    if (!n) return { result: 'not_active' };
    const now = this.deps.clock.now();
    const read = await n.state.snapshot(incidentId, now);
    if (!read || read.facts.state === 'resolved') return { result: 'not_active' };
    const { incident: inc, facts } = read;
    const klass = (await this.deps.snapshots.classFor(facts.playbookVersion, inc.class)) ?? this.deps.config.playbooks.classes[inc.class];
    const subject = subjectOf(inc, facts);
    const prefix = facts.reopenCount > 0 ? `c${facts.reopenCount}:` : '';
    let tier = klass ? nextApplicableTier(klass, subject, facts.tier) : undefined;
    while (klass && tier !== undefined) {
      const t = klass.tiers[tier];
      if (t && !facts.done.has(`${prefix}t${tier}`) && conditionHolds(t.when, facts.state, facts.controlled)) break;
      tier = nextApplicableTier(klass, subject, tier);
    }
    const asked = { by, via, ...(notificationId ? { notification: notificationId } : {}) };
    if (tier === undefined || !klass) {
      await n.incidents.note(incidentId, { type: 'escalation_requested', ...asked, result: 'no further tier' }, now);
      this.deps.logger.info({ incident: incidentId, by, via }, 'escalation requested; no further tier');
      return { result: 'top' };
    }
    await n.state.advanceTier(incidentId, facts.reopenCount, tier, now);
    await n.incidents.note(incidentId, { type: 'escalation_requested', ...asked, tier, roles: klass.tiers[tier]?.roles ?? [] }, now);
    this.deps.logger.info({ incident: incidentId, by, via, tier }, 'escalation requested');
    void this.kick(incidentId);
    return { result: 'escalated', tier };
  }

  /** Finds stalled escalations: open incidents with no due entry (repaired) or an overdue one. */
  async audit(now: number = this.deps.clock.now()): Promise<{ missing: number; overdue: number }> {
    let missing = 0;
    let overdue = 0;
    for (const n of this.deps.namespaces) {
      const r = await n.queue.audit(now);
      missing += r.missing.length;
      overdue += r.overdue.length;
      if (r.missing.length > 0 || r.overdue.length > 0) {
        this.deps.logger.warn({ ns: n.ns, missing: r.missing.slice(0, 20), overdue: r.overdue.slice(0, 20) }, 'stalled escalations found');
      }
    }
    this.deps.metrics.escalationsOverdue.set(missing + overdue);
    return { missing, overdue };
  }

  private namespaceOf(id: string): EngineNamespace | undefined {
    const ns = isDrillId(id) ? 'drill' : 'live';
    return this.deps.namespaces.find((n) => n.ns === ns);
  }

  private async runTick(now: number): Promise<TickResult> {
    const started = process.hrtime.bigint();
    const { batch, lease } = this.deps.config.daemon.escalation;
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    let claimed = 0;
    let processed = 0;
    let failed = 0;
    try {
      for (const n of this.deps.namespaces) {
        // Whatever comes due while the tick works (a backlog of more than one batch, a storm of
        // incidents due within moments of each other) is claimed in this tick, batch after batch,
        // until nothing is due, for half a lease at most; each later batch runs at the time it runs.
        // An incident due again at once (run in this tick already) ends the tick: it waits for the next.
        const ran = new Set<string>();
        for (let round = 0; ; round++) {
          const at = round === 0 ? now : Math.max(now, this.deps.clock.now());
          const due = await n.queue.claimDue(at, batch);
          const again = due.some((c) => ran.has(c.id));
          for (const c of due) ran.add(c.id);
          const claims = due.filter((c) => !this.busy.has(c.id));
          claimed += claims.length;
          const results = await Promise.allSettled(claims.map((c) => this.processClaim(n, c, at)));
          for (const r of results) {
            if (r.status === 'fulfilled') processed++;
            else {
              failed++;
              this.deps.logger.error({ err: r.reason, ns: n.ns }, 'escalation step failed; retried after the lease');
            }
          }
          if (due.length === 0 || again || elapsedMs() >= lease / 2) break;
        }
      }
    } finally {
      this.deps.metrics.tickDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return { claimed, processed, failed, nextDueAt: await this.nextDue() };
  }

  /** The earliest due time of any namespace; undefined when it cannot be read (the tick's cadence holds). */
  private async nextDue(): Promise<number | undefined> {
    try {
      const all = await Promise.all(this.deps.namespaces.map((n) => n.queue.nextDue()));
      const known = all.filter((t): t is number => t !== undefined);
      return known.length > 0 ? Math.min(...known) : undefined;
    } catch {
      return undefined;
    }
  }

  private async processClaim(n: EngineNamespace, claim: DueClaim, now: number): Promise<void> {
    if (this.busy.has(claim.id)) return;
    this.busy.add(claim.id);
    try {
      if (Number.isFinite(claim.dueAt) && claim.dueAt <= now) this.deps.metrics.escalationLateness.observe((now - claim.dueAt) / 1000);
      await withSpan(this.tracer, 'escalate', { 'tocsin.incident': claim.id, 'tocsin.ns': n.ns }, async (span) => {
        const next = await escalateIncident(this.deps, this.owner, n, claim.id, now);
        span.setAttribute('tocsin.next', next === null ? 'done' : next === 'park' ? 'park' : new Date(next).toISOString());
        const r = await n.queue.reschedule(claim.id, claim.token, next);
        if (r === 'lost') this.deps.logger.warn({ incident: claim.id, ns: n.ns }, 'escalation claim lost before reschedule');
      });
    } finally {
      this.busy.delete(claim.id);
    }
  }
}

/** One id per process, written into every notification it claims. */
export function makeOwnerId(): string {
  return `engine-${randomBytes(6).toString('hex')}`;
}
