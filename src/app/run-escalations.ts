/**
 * Use case: the escalation engine (GoAlert style: the data decides what is due).
 * Each tick claims the due incidents of every namespace (live, drill) with a lease and a fencing
 * token, re-reads each live incident, plans with the playbook version it started with, raises its
 * level when time says so, asks whether pages are held back, resolves roles to the people on duty,
 * pages them through DispatchNotification, and hands the incident back with the time to look again.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/load-config.js';
import type { ClassConfig } from '../config/schema.js';
import type { EscalationFacts, EscalationQueue, EscalationStateStore, NotificationStore, PlaybookSnapshots, CodeRef, DueClaim, StoredNotification } from '../domain/escalation-ports.js';
import { conditionHolds, nextApplicableTier, planEscalation, type EscalationSubject, type PagedPerson, type Step, type StepCondition } from '../domain/escalation.js';
import type { ChannelKind, Incident, IncidentState } from '../domain/incident.js';
import type { Clock, IncidentStore, OnCall, Recipient, Suppression, SuppressionPolicy } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createTracer, withSpan, type Tracer } from '../telemetry/tracer.js';
import type { DispatchNotification, DispatchOutcome } from './dispatch-notification.js';

export interface EngineNamespace {
  readonly ns: 'live' | 'drill';
  readonly incidents: IncidentStore;
  readonly queue: EscalationQueue;
  readonly state: EscalationStateStore;
  readonly notifications: NotificationStore;
}

export interface EngineDeps {
  readonly config: Config;
  readonly namespaces: readonly EngineNamespace[];
  readonly snapshots: PlaybookSnapshots;
  readonly onCall: OnCall;
  readonly suppression: SuppressionPolicy;
  readonly dispatcher: DispatchNotification;
  /** A person by id (for updates and the all-clear, which go to people already paged). */
  readonly person: (id: string) => Recipient | undefined;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /**
   * Completes resolutions whose hold is over although the source never reported again
   * (SettleHolds); true when it changed the incident.
   */
  readonly settle?: (incident: Incident, now: number) => Promise<boolean>;
}

/** A notification with what delivery callbacks recorded on it. */
export type FollowedNotification = StoredNotification & {
  /** Why it failed after it was sent: no_answer, busy, voicemail, failed, undelivered… */
  readonly deliveryFailure?: string;
  /** The provider's own status word (CallStatus / MessageStatus). */
  readonly providerStatus?: string;
  /** Order of the provider's events (voice SequenceNumber). */
  readonly seq?: number;
  /** The provider's last event was final: later in-between events are ignored. */
  readonly settled?: boolean;
  readonly answeredBy?: string;
};

export type NotificationPatch = Partial<Omit<FollowedNotification, 'id' | 'incidentId'>>;

export interface EscalateNowResult {
  /** escalated: a tier was brought forward; top: no further tier; not_active: resolved or unknown. */
  readonly result: 'escalated' | 'top' | 'not_active';
  readonly tier?: number;
}

export interface TickResult {
  readonly claimed: number;
  readonly processed: number;
  readonly failed: number;
  /** When the earliest step is due after this tick (epoch ms), over every namespace. */
  readonly nextDueAt?: number | undefined;
}

/** Most plan → act rounds per incident in one pass (level raises and coverage gaps re-plan). */
const MAX_ROUNDS = 6;

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
   * Runs one incident now (fast path after an opening, a resolution or an acknowledgement); never
   * throws. At most `escalation.kicks` run at once; the rest wait their turn in order, so a storm of
   * new incidents does not run thousands of escalations side by side.
   */
  kick(id: string): Promise<void> {
    const p = (async () => {
      await this.kickSlot();
      try {
        const ns = this.namespaceOf(id);
        if (!ns) return;
        const now = this.deps.clock.now();
        const claim = await ns.queue.claim(id, now);
        if (!claim) return; // someone holds it: their reschedule keeps the look-now time
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
    const ns = id.startsWith('drill-') ? 'drill' : 'live';
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
        const next = await this.process(n, claim.id, now);
        span.setAttribute('tocsin.next', next === null ? 'done' : next === 'park' ? 'park' : new Date(next).toISOString());
        const r = await n.queue.reschedule(claim.id, claim.token, next);
        if (r === 'lost') this.deps.logger.warn({ incident: claim.id, ns: n.ns }, 'escalation claim lost before reschedule');
      });
    } finally {
      this.busy.delete(claim.id);
    }
  }

  /** Runs what is due for one incident; returns when to look again. */
  private async process(n: EngineNamespace, id: string, now: number): Promise<number | 'park' | null> {
    const { config, logger } = this.deps;
    const first = await n.state.snapshot(id, now);
    if (!first) return null; // gone (expired after retention)
    let { incident: inc, facts } = first;
    if (this.deps.settle && (await this.deps.settle(inc, now))) ({ inc, facts } = await reload(n, id, inc, facts, now));
    const klass = (await this.deps.snapshots.classFor(facts.playbookVersion, inc.class)) ?? config.playbooks.classes[inc.class];
    if (!klass) {
      logger.error({ incident: id, class: inc.class }, 'no playbook for incident class; escalation stopped');
      return null;
    }
    const recheckMs = Math.max(1, config.daemon.escalation.audit);
    const tried = new Set<string>();
    const pagedNow = new Set<string>();
    let held = false;
    let wakeAt: number | null = null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const subject = subjectOf(inc, facts);
      const plan = planEscalation(subject, klass, config.severity, now, { recheckMs, speed: config.clockSpeed, businessHours: config.daemon.businessHours });
      if (plan.levelChange) {
        const from = await n.state.raiseLevel(id, plan.levelChange.to, plan.levelChange.reason, now);
        if (from > 0) {
          this.deps.metrics.levelRaised.inc({ class: inc.class, level: String(plan.levelChange.to) });
          logger.info({ incident: id, from, to: plan.levelChange.to, reason: plan.levelChange.reason }, 'incident level raised');
        }
        ({ inc, facts } = await reload(n, id, inc, facts, now));
        continue;
      }
      let steps = plan.due.filter((s) => !tried.has(s.key));
      if (steps.length === 0) break;
      for (const s of steps) tried.add(s.key);

      if (steps.some(holdable)) {
        const sup = await this.deps.suppression.check(inc, now);
        if (sup.kind !== 'none') {
          await this.recordSuppression(n, inc, sup, now);
          steps = steps.filter((s) => !holdable(s));
          const until = sup.kind === 'maintenance' ? Math.max(sup.until, now + 1) : now + recheckMs;
          wakeAt = wakeAt === null ? until : Math.min(wakeAt, until);
        }
      }

      let advanced = false;
      for (const step of steps) {
        const r = await this.runStep(n, inc, facts, klass, subject, step, now, pagedNow);
        advanced ||= r.advanced;
        held ||= r.held;
        if (r.wakeAt !== undefined) wakeAt = wakeAt === null ? r.wakeAt : Math.min(wakeAt, r.wakeAt);
      }
      ({ inc, facts } = await reload(n, id, inc, facts, now));
      if (!advanced && steps.length === 0) break;
    }
    const plan = planEscalation(subjectOf(inc, facts), klass, config.severity, now, { recheckMs, speed: config.clockSpeed, businessHours: config.daemon.businessHours });
    const followUp = await this.followUps(n, inc, facts, klass, now);
    if (followUp !== null) wakeAt = wakeAt === null ? followUp : Math.min(wakeAt, followUp);
    const unwanted = await this.dropUnwanted(n, inc, facts, now);
    if (unwanted !== null) wakeAt = wakeAt === null ? unwanted : Math.min(wakeAt, unwanted);

    let next: number | null = plan.next;
    if (wakeAt !== null) next = next === null ? wakeAt : Math.min(next, wakeAt);
    if (held) next = Math.min(next ?? Number.POSITIVE_INFINITY, now + this.deps.config.daemon.escalation.lease);
    // suppressed or held steps still due must be looked at again
    if (plan.due.some((s) => !tried.has(s.key))) next = now;
    // a resolution being held must be completed when its hold is over
    const holdEnd = facts.state === 'resolved' ? null : facts.holdEndsAtMs;
    if (holdEnd !== null) next = Math.min(next ?? Number.POSITIVE_INFINITY, holdEnd);
    if (next !== null) return next;
    return facts.state === 'resolved' ? null : 'park';
  }

  /**
   * Pages a throttle held back whose condition stopped holding meanwhile (acknowledged or resolved
   * while they waited): once nobody holds them any more they are recorded as cancelled, so no page
   * stays planned forever. Returns when the earliest one still held may be taken (null: none).
   */
  private async dropUnwanted(n: EngineNamespace, inc: Incident, facts: EscalationFacts, now: number): Promise<number | null> {
    const leaseMs = this.deps.config.daemon.escalation.lease;
    let wake: number | null = null;
    for (const r of inc.notifications as readonly StoredNotification[]) {
      if (r.status !== 'planned' || !r.condition || conditionHolds(r.condition as StepCondition, facts.state, facts.controlled)) continue;
      const free = (r.claimedAtMs ?? 0) + leaseMs;
      if (free > now) {
        wake = wake === null ? free : Math.min(wake, free);
        continue;
      }
      const claim = await n.notifications.claim(r, now, leaseMs, this.owner);
      if (claim.outcome !== 'reclaimed' || claim.record.status !== 'planned') continue;
      const reason = `no longer ${r.condition}`;
      if (!(await n.notifications.update(inc.id, r.id, { status: 'cancelled', at: new Date(now).toISOString(), reason } as Partial<StoredNotification>, this.owner))) continue;
      await n.incidents.note(inc.id, { type: 'notification_cancelled', notification: r.id, person: r.person, role: r.role, channel: r.channel, tier: r.tier, reason }, now);
      this.deps.metrics.notifications.inc({ channel: r.channel, result: 'cancelled' });
    }
    return wake;
  }

  private async runStep(
    n: EngineNamespace,
    inc: Incident,
    facts: EscalationFacts,
    klass: ClassConfig,
    subject: EscalationSubject,
    step: Step,
    now: number,
    pagedNow: Set<string>,
  ): Promise<{ advanced: boolean; held: boolean; wakeAt?: number | undefined }> {
    const { metrics } = this.deps;
    const targets: { recipient: Recipient; role: string }[] = [];
    let advanced = false;

    if (step.to) {
      for (const p of step.to) {
        const r = this.deps.person(p.person);
        if (r) targets.push({ recipient: r, role: p.role });
      }
    } else {
      for (const role of step.roles) {
        const res = await this.deps.onCall.resolve(role, now);
        if (res.people.length === 0) {
          metrics.coverageGaps.set({ role }, 1);
          metrics.suppressed.inc({ reason: 'no_one_on_duty' });
          const to = step.kind === 'tier' ? nextApplicableTier(klass, subject, step.tier) : undefined;
          if (to !== undefined && (await n.state.advanceTier(inc.id, facts.reopenCount, to, now))) advanced = true;
          if (await n.state.markOnce(inc.id, `gap:${step.key}:${role}`, now)) {
            await n.incidents.note(inc.id, { type: 'no_one_on_duty', role, tier: step.tier, step: step.key, ...(to !== undefined ? { escalatedTo: to } : {}) }, now);
            this.deps.logger.warn({ incident: inc.id, role, tier: step.tier, escalatedTo: to }, 'no one on duty for role');
          }
          continue;
        }
        metrics.coverageGaps.set({ role }, 0);
        for (const person of res.people) if (!targets.some((t) => t.recipient.id === person.id)) targets.push({ recipient: person, role });
      }
    }

    const stillWanted = wantedWhile(n, inc.id, facts.reopenCount, step.condition);
    const pageLike = step.phase === 'page' || step.phase === 'escalation';
    const reached = step.unpagedOnly ? new Set(subject.paged.map((p) => p.person)) : undefined;
    const chosen = targets.filter((t) => !(step.kind === 'circle' && pagedNow.has(t.recipient.id)) && !reached?.has(t.recipient.id));
    if (pageLike) for (const t of chosen) pagedNow.add(t.recipient.id);
    // A throttle holding a page back says when it may go: look again then.
    let wakeAt: number | undefined;
    const deferred = (until: number): void => {
      wakeAt = wakeAt === undefined ? until : Math.min(wakeAt, until);
    };
    const outcomes: DispatchOutcome[] = await Promise.all(
      chosen.map((t) =>
        this.deps.dispatcher.dispatch({
          incident: inc,
          recipient: t.recipient,
          role: t.role,
          step,
          advice: step.phase === 'page' || step.phase === 'escalation' || step.phase === 'level_raised' ? klass.advice : undefined,
          stillWanted,
          deferred,
          notifications: n.notifications,
          incidents: n.incidents,
        }),
      ),
    );
    const held = outcomes.includes('held');
    if (!held) {
      const reached = step.kind === 'tier' ? { entry: { type: 'tier_reached', tier: step.tier, roles: step.roles, people: chosen.map((t) => t.recipient.id), late: Math.max(0, now - step.at) }, at: now } : undefined;
      const fresh = await n.state.completeStep(inc.id, step.key, now, step.kind === 'tier' ? step.tier : null, reached);
      if (fresh && step.kind === 'tier') metrics.tierReached.inc({ class: inc.class, tier: String(step.tier) });
    }
    return { advanced, held, wakeAt };
  }

  /**
   * Pages that failed after they were sent (a call nobody answered, an SMS not delivered) while the
   * incident is still unacknowledged: calls again on the configured cadence, then the person's next
   * channel. Each follow-up has its own idempotency key, so planning it twice sends it once.
   * Returns when the next follow-up falls due (null: none waiting).
   */
  private async followUps(n: EngineNamespace, inc: Incident, facts: EscalationFacts, klass: ClassConfig, now: number): Promise<number | null> {
    if (facts.state !== 'open') return null;
    const retry = this.deps.config.daemon.escalation.voiceRetry;
    const groups = new Map<string, FollowedNotification[]>();
    for (const r of inc.notifications as readonly FollowedNotification[]) {
      if (r.channel === 'email' || !r.stepKey || !PAGE_PHASES.has(r.phase ?? '')) continue;
      const cycle = /^c(\d+):/.exec(r.stepKey);
      if ((cycle ? Number(cycle[1]) : 0) !== facts.reopenCount) continue;
      const key = `${r.stepKey}\u0000${r.person}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    let wake: number | null = null;
    for (const list of groups.values()) {
      const first = list[0];
      const recipient = first ? this.deps.person(first.person) : undefined;
      if (!first || !recipient) continue;
      const condition = (first.condition ?? 'unacknowledged') as Step['condition'];
      const phase = (first.phase ?? 'page') as Step['phase'];
      const step = { key: first.stepKey, tier: first.tier, phase, condition, channels: tierChannels(klass, first.stepKey), note: first.note, at: now };
      const order = this.deps.dispatcher.channelOrder({ recipient, role: first.role, step });
      const rank = (r: FollowedNotification) => order.indexOf(r.channel) * 1000 + (r.attempt ?? 1);
      const frontier = list.reduce((a, b) => (rank(b) > rank(a) ? b : a));
      if (frontier.status !== 'failed' || !frontier.deliveryFailure || !conditionHolds(condition, facts.state, facts.controlled)) continue;
      const calls = list.filter((r) => r.channel === 'voice' && r.status === 'failed' && r.deliveryFailure);
      let channel: ChannelKind;
      let attempt: number;
      let at: number;
      if (frontier.channel === 'voice' && frontier.failure !== 'permanent' && calls.length < retry.attempts) {
        channel = 'voice';
        attempt = Math.max(...list.filter((r) => r.channel === 'voice').map((r) => r.attempt ?? 1)) + 1;
        at = Date.parse(frontier.at) + retry.every;
      } else {
        const nextChannel = order[order.indexOf(frontier.channel) + 1];
        if (!nextChannel) {
          if (await n.state.markOnce(inc.id, `unreachable:${first.stepKey}:${first.person}`, now)) {
            await n.incidents.note(inc.id, { type: 'unreachable', person: first.person, role: first.role, tier: first.tier, step: first.stepKey, reason: `every channel tried; last: ${frontier.channel} ${frontier.deliveryFailure}` }, now);
          }
          continue;
        }
        channel = nextChannel;
        attempt = Math.max(0, ...list.filter((r) => r.channel === nextChannel).map((r) => r.attempt ?? 1)) + 1;
        at = now;
      }
      if (at > now) {
        wake = wake === null ? at : Math.min(wake, at);
        continue;
      }
      const stillWanted = wantedWhile(n, inc.id, facts.reopenCount, condition, 'open');
      await n.incidents.note(inc.id, { type: channel === frontier.channel ? 'page_retry' : 'page_failover', person: first.person, role: first.role, tier: first.tier, from: frontier.channel, to: channel, attempt, reason: frontier.deliveryFailure }, now);
      await this.deps.dispatcher.resume(
        {
          incident: inc,
          recipient,
          role: first.role,
          step: { ...step, at },
          advice: klass.advice,
          stillWanted,
          notifications: n.notifications,
          incidents: n.incidents,
        },
        channel,
        attempt,
      );
    }
    return wake;
  }

  private async recordSuppression(n: EngineNamespace, inc: Incident, sup: Exclude<Suppression, { kind: 'none' }>, now: number): Promise<void> {
    const mark = sup.kind === 'inhibited' ? `inhibited:${sup.by}` : `maintenance:${sup.window}`;
    this.deps.metrics.suppressed.inc({ reason: sup.kind });
    if (!(await n.state.markOnce(inc.id, mark, now))) return;
    const entry =
      sup.kind === 'inhibited'
        ? { type: 'inhibited', by: sup.by, rule: sup.rule }
        : { type: 'maintenance', window: sup.window, until: new Date(sup.until).toISOString() };
    await n.incidents.note(inc.id, entry, now);
  }
}

/** Phases whose failed deliveries are followed up (retried, failed over). */
const PAGE_PHASES: ReadonlySet<string> = new Set(['page', 'escalation', 'level_raised']);

/** The channels a tier step names (`t<i>`, `t<i>r<k>`, with a cycle prefix), if any. */
function tierChannels(klass: ClassConfig, stepKey: string): readonly ChannelKind[] | undefined {
  const m = /^(?:c\d+:)?t(\d+)(?:r\d+)?$/.exec(stepKey);
  return m ? klass.tiers[Number(m[1])]?.channels : undefined;
}

/** Steps held back by inhibition and maintenance (the end of an incident is always told). */
function holdable(s: Step): boolean {
  return s.kind !== 'all_clear' && s.kind !== 'reminder' && s.kind !== 'report';
}

async function reload(n: EngineNamespace, id: string, inc: Incident, facts: EscalationFacts, now: number): Promise<{ inc: Incident; facts: EscalationFacts }> {
  const read = await n.state.snapshot(id, now);
  return read ? { inc: read.incident, facts: read.facts } : { inc, facts };
}

/** The planner's view of an incident. */
export function subjectOf(inc: Incident, facts: EscalationFacts): EscalationSubject {
  const cycle = facts.reopenCount;
  let cycleStartMs = facts.openedAtMs;
  if (cycle > 0) {
    for (let i = inc.timeline.length - 1; i >= 0; i--) {
      const e = inc.timeline[i];
      if (e?.type === 'reopened') {
        cycleStartMs = Date.parse(e.at);
        break;
      }
    }
  }
  const opened = inc.timeline.find((e) => e.type === 'opened');
  const openLevel = typeof opened?.level === 'number' ? opened.level : facts.level;
  const advanced = new Map<number, number>();
  for (const [k, v] of facts.advanced) {
    const [c, t] = k.split(':');
    if (Number(c) === cycle) advanced.set(Number(t), v);
  }
  const paged: PagedPerson[] = [];
  const cyclePrefix = cycle > 0 ? `c${cycle}:` : '';
  for (const nt of inc.notifications) {
    const stepKey = (nt as { stepKey?: string }).stepKey ?? '';
    if (cycle > 0 && !stepKey.startsWith(cyclePrefix)) continue;
    if (nt.status === 'cancelled') continue;
    if (nt.phase !== 'page' && nt.phase !== 'escalation' && nt.phase !== 'level_raised') continue;
    if (!paged.some((p) => p.person === nt.person)) paged.push({ person: nt.person, role: nt.role });
  }
  return {
    level: facts.level,
    openLevel: Math.min(openLevel, facts.level) as EscalationSubject['openLevel'],
    state: facts.state,
    cycleStartMs,
    cycle,
    levelAtMs: facts.levelAtMs,
    acknowledgedAtMs: facts.acknowledgedAtMs,
    resolvedAtMs: facts.resolvedAtMs,
    labels: inc.labels,
    controlled: facts.controlled,
    tier: facts.tier,
    done: facts.done,
    advanced,
    paged,
  };
}

/** One id per process, written into every notification it claims. */
export function makeOwnerId(): string {
  return `engine-${randomBytes(6).toString('hex')}`;
}

/**
 * Whether a page is still wanted just before it goes: the incident exists, is in the same open cycle
 * (not resolved and reopened meanwhile), its step's condition still holds and, for a follow-up, it
 * is still `state`. Reads the live state, not the copy the step was planned from.
 */
function wantedWhile(n: EngineNamespace, id: string, reopenCount: number, condition: StepCondition, state?: IncidentState): () => Promise<boolean> {
  return async () => {
    const live = await n.state.live(id);
    return live !== undefined && live.reopenCount === reopenCount && (state === undefined || live.state === state) && conditionHolds(condition, live.state, live.controlled);
  };
}
