/**
 * Use case: a page a throttle held back (the per-window counts, the bundle window) before its
 * incident climbed to throttle.promptLevel or the critical level is decided again as a page of the
 * incident as it is now: it goes as a prompt page would (at the end of the bundle window at most,
 * folded with what waits then) or as a critical one (after the minimum gap at most), not when the
 * count it waited for frees a slot, up to 15 minutes later. The engine asks each time it looks at an
 * incident (after a level raise, whoever raised it, it looks at once).
 *
 * A page is never sent twice: it is first taken off the person's waiting queue (atomically: should a
 * carrier have taken it, it is left to that carrier), then its record is changed only while nobody
 * else has claimed it, and only then does it wait again, for its new time.
 */
import type { StoredNotification } from '../domain/escalation-ports.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import type { IncidentStore } from '../domain/ports.js';
import { isCritical, isPrompt, promptWait, type ThrottleLimits } from '../domain/throttle.js';
import type { Logger } from '../telemetry/logger.js';
import type { ThrottlePages } from './throttle-pages.js';

export interface HastenHeldDeps {
  readonly limits: ThrottleLimits;
  /** Phases held back by throttles (gathered phases wait one bundle window at most already). */
  readonly phases: ReadonlySet<string>;
  /** The throttle state of the incident's namespace, and records a page that waits again (its record, the person's queue, the timeline). */
  readonly throttle: Pick<ThrottlePages, 'storeFor' | 'rehold'>;
  readonly logger: Logger;
}

interface HeldRecord extends StoredNotification {
  readonly deferredUntil?: unknown;
  readonly throttle?: unknown;
}

export class HastenHeldPages {
  constructor(private readonly deps: HastenHeldDeps) {}

  /**
   * Brings forward the incident's held pages that would wait less as pages of what it is now;
   * returns the earliest time one of them may go (the engine looks again then), null when none moved.
   */
  async run(incident: Incident, incidents: IncidentStore, now: number): Promise<number | null> {
    const { limits } = this.deps;
    const critical = isCritical(incident, limits);
    if (!critical && !isPrompt(incident, limits)) return null;
    let wake: number | null = null;
    for (const r of incident.notifications as readonly HeldRecord[]) {
      if (r.status !== 'planned' || r.throttle !== 'bundled' || typeof r.deferredUntil !== 'number' || r.deferredUntil <= now) continue;
      if (r.phase === undefined || !this.deps.phases.has(r.phase)) continue;
      const until = await this.hasten(incident, incidents, r, r.deferredUntil, critical, now);
      if (until !== undefined) wake = wake === null ? until : Math.min(wake, until);
    }
    return wake;
  }

  private async hasten(incident: Incident, incidents: IncidentStore, r: HeldRecord, heldUntil: number, critical: boolean, now: number): Promise<number | undefined> {
    const store = this.deps.throttle.storeFor(incident.id);
    const channel = r.channel as ChannelKind;
    const h = await store.history(r.person, channel, now);
    const wait = promptWait({ now, channel, critical, history: h.sent, limits: this.deps.limits });
    if (!wait || wait.until >= heldUntil) return undefined;
    const { until, reason, limit } = wait;
    // off the queue first: a carrier that took it meanwhile carries it, and none can take it now
    if (!(await store.withdraw(r.person, channel, { incidentId: incident.id, notificationId: r.id }))) return undefined;
    // It went, was cancelled, or another replica claimed it (its claim ran out as this look began, and
    // that replica may be sending it now): left to whoever has it. Not put back on the queue, where a
    // later message could carry a page already on its way; a page still held is sent at its time by
    // the engine itself (the queue only lets other messages carry it sooner).
    const write = (patch: Record<string, unknown>) => store.fold(incident.id, r.id, patch, r.claimedBy ?? '');
    // once changed, waiting again, for its new time or for a message that carries it first
    const page = { incidentId: incident.id, notificationId: r.id, person: r.person, role: r.role, channel, tier: r.tier };
    const mark = { level: incident.level, hastened: true };
    if (!(await this.deps.throttle.rehold({ ...page, until, reason, limit, now, incidents, write, requeue: { critical }, mark }))) return undefined;
    this.deps.logger.info({ incident: incident.id, person: r.person, channel, level: incident.level, was: new Date(heldUntil).toISOString(), until: new Date(until).toISOString() }, 'held page brought forward: its incident climbed');
    return until;
  }
}

