/**
 * Use case: ask the per-destination throttle before a message goes out, and keep the record.
 * DispatchNotification calls `admit` before the first attempt on each channel:
 *  - send: the message goes now, carrying the pages that were waiting for this person and channel
 *    (each taken over with a fresh lease so nobody sends it meanwhile); after it went, `delivered`
 *    records each carried page with the carrier's status and `bundledInto` (and a `notified` timeline
 *    entry naming the carrier); when it could not go,
 *    `release` puts them back;
 *  - held: the page waits (status planned, `deferredUntil`), on the timeline, queued to be carried by
 *    the next message (a critical page only by a critical one); the claim on it lapses exactly when it
 *    may go, so the engine (or any replica) picks it up again then — a critical page goes then
 *    whatever else went out meanwhile (it waits one minimum gap at most);
 *    A prompt page (an incident at throttle.promptLevel or above) is held one bundle window at most,
 *    and goes then whatever else went out meanwhile: the counts never hold it;
 *  - cancelled: a page neither critical nor prompt over the daily cap, recorded as cancelled (reason throttled),
 *    on the timeline and in tocsin_notifications_suppressed_total{reason="throttled"} — only when another
 *    page of its incident reached someone or waits to (domain/daily-cap.ts): over the cap, a page first
 *    waits for the incident's pages due with it (held until now: decided again at the next look), then
 *    goes as a page under the cap would when none of them holds the incident's told mark, claiming it
 *    (`overCap` on its record, a `notification_over_cap` timeline entry). Every page about an incident
 *    that goes or waits to go notes the mark, in the same atomic step as its send or queueing.
 * A message carries no page of another incident whose pages inhibition or a maintenance window holds
 * back now: such a page stays queued and goes as its incident's pages do, once that is over.
 * Gathered phases (all-clears, reminders) are never cancelled and wait at most one bundle window:
 * the ones of one phase coming together go as one message (their own lane: a page never carries an
 * all-clear, nor an all-clear a page).
 * Decisions are pure (domain/throttle.ts); the store makes each check-and-record atomic.
 */
import type { DaemonConfig } from '../config/schema.js';
import { decideOverCap, pageKey, toldKey, waitingAtCap } from '../domain/daily-cap.js';
import { conditionHolds, type StepCondition } from '../domain/escalation.js';
import type { NotificationStore, StoredNotification } from '../domain/escalation-ports.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import type { IncidentStore, Phase, SuppressionPolicy } from '../domain/ports.js';
import { decideGathered, decideThrottle, heldPatch, isCritical, isPrompt, type ThrottleDecision, type ThrottleLimit, type ThrottleLimits } from '../domain/throttle.js';
import type { PendingPage, ThrottleStore, ToldWrite } from '../domain/throttle-ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { isDrillId } from './incident-stores.js';

const MINUTE_MS = 60_000;
/** The spans the config's names stand for: per15m, perHour, dailyCap. */
const QUARTER_HOUR_MS = 15 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Check-and-record rounds lost to other replicas before a page stops contending (see admit). */
const MAX_ROUNDS = 8;

/** The daemon config's throttle section as limits; spans run TOCSIN_CLOCK_SPEED times faster, like every wait. */
export function throttleLimits(cfg: DaemonConfig['throttle'], clockSpeed = 1): ThrottleLimits {
  const scale = (ms: number) => Math.max(1, Math.round(ms / clockSpeed));
  const channel = (c: DaemonConfig['throttle']['perChannel']['sms']) => ({
    minGapMs: c.minGap,
    windows: [
      { name: 'per_15m' as const, spanMs: scale(QUARTER_HOUR_MS), max: c.per15m },
      { name: 'per_hour' as const, spanMs: scale(HOUR_MS), max: c.perHour },
    ],
  });
  return {
    channels: { sms: channel(cfg.perChannel.sms), voice: channel(cfg.perChannel.voice), email: channel(cfg.perChannel.email) },
    dailyCap: { name: 'daily_cap', spanMs: scale(DAY_MS), max: cfg.dailyCap },
    bundleWindowMs: cfg.bundleWindow,
    criticalLevel: cfg.criticalLevel,
    criticalClasses: new Set(cfg.criticalClasses),
    promptLevel: cfg.promptLevel,
  };
}

/** How long the store must remember sends for these limits. */
export function throttleMemoryMs(limits: ThrottleLimits): number {
  const spans = Object.values(limits.channels).flatMap((c) => (c ? c.windows.map((w) => w.spanMs) : []));
  return Math.max(limits.dailyCap.spanMs, limits.bundleWindowMs, ...spans);
}

/** The other incidents a message carries (each once), or undefined when it carries none. */
export function bundleOf(incident: Incident, carried: readonly CarriedPage[]): Incident[] | undefined {
  const others = new Map<string, Incident>();
  for (const c of carried) if (c.incident.id !== incident.id) others.set(c.incident.id, c.incident);
  return others.size > 0 ? [...others.values()] : undefined;
}

export interface ThrottlePagesDeps {
  readonly limits: ThrottleLimits;
  /** Phases held back by throttles. */
  readonly phases: ReadonlySet<string>;
  /** Phases never held back for long nor dropped, but gathered into one message per bundle window. Others always go (and count). */
  readonly gathered: ReadonlySet<string>;
  /** The throttle state of each namespace (drills never hold back live pages). */
  readonly stores: { readonly live: ThrottleStore; readonly drill: ThrottleStore };
  /** The notification claim lease (a held page's claim lapses when it may go). */
  readonly leaseMs: number;
  /** Inhibition and maintenance windows: a message never carries a page of an incident they hold back. */
  readonly suppression: Pick<SuppressionPolicy, 'check'>;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface AdmitRequest {
  readonly incident: Incident;
  readonly person: string;
  readonly role: string;
  readonly channel: ChannelKind;
  readonly phase: Phase;
  readonly tier: number;
  readonly notificationId: string;
  readonly now: number;
  /** The dispatcher's claimer id (it holds this notification, and takes over carried ones). */
  readonly owner: string;
  /** False when nobody would come back for a held page (follow-ups): the message is only counted. */
  readonly hold: boolean;
  /** The notification as claimed (a page bundled earlier says so). */
  readonly record: StoredNotification;
  readonly notifications: NotificationStore;
  readonly incidents: IncidentStore;
}

/** A waiting page folded into the message being sent. */
export interface CarriedPage extends PendingPage {
  readonly incident: Incident;
  /** The waiting notification as it was taken. */
  readonly record: StoredNotification;
}

export type Admission =
  | { readonly kind: 'send'; readonly carried: readonly CarriedPage[] }
  | { readonly kind: 'held'; readonly until: number }
  | { readonly kind: 'cancelled' };

/** A page that waits (again): see ThrottlePages.rehold. */
export interface Rehold {
  readonly incidentId: string;
  readonly notificationId: string;
  readonly person: string;
  readonly role: string;
  readonly channel: ChannelKind;
  readonly tier: number;
  readonly until: number;
  readonly reason: 'bundled' | 'delayed';
  readonly limit?: ThrottleLimit | undefined;
  readonly now: number;
  readonly incidents: IncidentStore;
  /** Writes the held page's record patch; false when someone else has the page. */
  readonly write: (patch: Record<string, unknown>) => Promise<boolean>;
  /** Put it (back) on the person's queue; omitted when it is queued already. */
  readonly requeue?: { readonly critical: boolean } | undefined;
  /** More fields for the timeline entry (the level it climbed to, and why it waits again). */
  readonly mark?: Readonly<Record<string, unknown>> | undefined;
}

export interface CarrierFacts {
  readonly incidentId: string;
  readonly notificationId: string;
  readonly person: string;
  readonly channel: ChannelKind;
  readonly owner: string;
  readonly incidents: IncidentStore;
}

export class ThrottlePages {
  /** Per person: the last decision queued in this process. */
  private readonly decisions = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: ThrottlePagesDeps) {}

  /**
   * Pages to one person are decided one after another in this process: a storm of pages to one
   * person (every channel shares the person's version) would otherwise keep losing the
   * check-and-record to each other until the critical ones went out past the minimum gap. The
   * version check still settles races with other replicas.
   */
  admit(r: AdmitRequest): Promise<Admission> {
    // A page no throttle holds back is only counted: it checks no version, so it cannot lose a race
    // and need not wait its turn (a decision of the same person in flight sees the new count and
    // decides again). Ten thousand incidents paging one supervisor are not made to go one by one.
    if (!r.hold || !(this.deps.phases.has(r.phase) || this.deps.gathered.has(r.phase))) return this.forced(r);
    const key = `${isDrillId(r.incident.id) ? 'drill' : 'live'}|${r.person}`;
    const run = (this.decisions.get(key) ?? Promise.resolve()).then(() => this.decide(r));
    const settled = run.catch(() => undefined);
    this.decisions.set(key, settled);
    void settled.then(() => {
      if (this.decisions.get(key) === settled) this.decisions.delete(key);
    });
    return run;
  }

  private async forced(r: AdmitRequest): Promise<Admission> {
    await this.storeFor(r.incident.id).recordForced(r.person, r.channel, r.notificationId, r.now);
    return { kind: 'send', carried: [] };
  }

  private async decide(r: AdmitRequest): Promise<Admission> {
    const store = this.storeFor(r.incident.id);
    // a gathered phase waits in its own lane, and its messages carry only that lane
    const lane = this.deps.gathered.has(r.phase) ? r.phase : undefined;
    const critical = lane === undefined && isCritical(r.incident, this.deps.limits);
    // a page of an incident whose playbook runs by the minute waits one bundle window at most, never for a count
    const prompt = lane === undefined && !critical && isPrompt(r.incident, this.deps.limits);
    const self = { incidentId: r.incident.id, notificationId: r.notificationId, critical, ...(lane ? { lane } : {}) };
    const { deferredUntil: deferred, throttle: heldAs } = r.record as { deferredUntil?: unknown; throttle?: unknown };
    const wasQueued = heldAs === 'bundled' || heldAs === 'delayed';
    // Queued earlier and its time just came: a carrier may have taken it a moment ago.
    const queued = wasQueued && typeof deferred === 'number' && r.now < deferred + this.deps.leaseMs;
    // A critical page waits one minimum gap at most, a prompt or gathered one one bundle window:
    // whatever went out meanwhile, it goes once that is over.
    const served = typeof deferred === 'number' && deferred <= r.now && ((critical && heldAs === 'delayed') || ((prompt || lane !== undefined) && heldAs === 'bundled'));
    // A page about an incident writes the incident cycle's told mark as it goes or waits to go: the
    // daily cap lets a page through only while no other page of its incident has (daily-cap.ts).
    const page = lane === undefined && isPagePhase(r.phase) && r.record.stepKey ? { incident: toldKey(r.incident.id, r.record.stepKey), page: pageKey(r.record) } : undefined;
    // it waited at the cap once already, for the incident's other pages due with it
    const waited = waitingAtCap(r.record as { throttle?: unknown; limit?: unknown; reinstated?: unknown });
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const h = await store.history(r.person, r.channel, r.now, self, page?.incident);
      if (wasQueued && !h.waiting && (queued || (await this.takenLately(store, r)))) {
        // Taken by the message that is going out now: it records this page as carried. Should that
        // sender die first, the page is decided afresh once this wait is over. Looked at long after
        // its time (the engine came late), the record says whether a carrier took it just now.
        this.deps.logger.debug({ incident: r.incident.id, person: r.person, channel: r.channel }, 'notification taken by a bundle');
        return { kind: 'held', until: r.now + this.deps.leaseMs };
      }
      const question = { now: r.now, channel: r.channel, critical, prompt, history: h.sent, limits: this.deps.limits };
      let d: ThrottleDecision = served ? { kind: 'send' } : lane !== undefined ? decideGathered({ ...question, lane }) : decideThrottle(question);
      let told: ToldWrite | undefined = page && { ...page, mode: 'note' };
      if (d.kind === 'suppress' && page) {
        const over = decideOverCap({ state: r.incident.state, records: r.incident.notifications as readonly StoredNotification[], page: r.record, holder: h.told, waited });
        if (over.kind === 'wait') {
          // queued (a message to the person may carry it meanwhile), decided again at the next look
          if (!(await store.enqueue(r.person, r.channel, self, r.now, h.version))) continue;
          return this.hold(r, { kind: 'bundle', until: r.now, limit: 'daily_cap' });
        }
        if (over.kind === 'pass') {
          d = decideThrottle({ ...question, uncapped: true });
          told = { ...page, mode: 'claim', replacing: over.replacing };
        }
      }
      if (d.kind === 'send') {
        const c = await store.recordSend(r.person, r.channel, r.notificationId, r.now, h.version, critical, lane, told);
        if (!c.ok) continue;
        if (told?.mode === 'claim') await this.overCap(r);
        return { kind: 'send', carried: await this.take(store, c.pending, r) };
      }
      if (d.kind === 'suppress') {
        if (!(await store.unchanged(r.person, r.channel, r.now, h.version))) continue;
        return this.suppress(r, d);
      }
      if (!(await store.enqueue(r.person, r.channel, self, r.now, h.version, told))) continue;
      if (told?.mode === 'claim') await this.overCap(r);
      return this.hold(r, d);
    }
    // Other replicas kept recording sends for this person: a critical or gathered page goes, any other
    // (a prompt one too) waits a window, folded into whatever goes meanwhile.
    this.deps.logger.warn({ incident: r.incident.id, person: r.person, channel: r.channel }, 'throttle contended');
    if (critical || lane !== undefined) {
      const c = await store.recordSend(r.person, r.channel, r.notificationId, r.now, '', critical, lane, page && { ...page, mode: 'note' });
      return { kind: 'send', carried: c.ok ? await this.take(store, c.pending, r) : [] };
    }
    return this.hold(r, { kind: 'bundle', until: r.now + Math.max(1, this.deps.limits.bundleWindowMs), limit: 'bundle_window' });
  }

  /**
   * A message about no incident (a shift-handover notice) is about to go to the person: it counts
   * toward the limits as any message does (the channel's gap, the counts, the daily cap of the pages
   * after it), from before the provider is asked, as a page's message is counted when admitted, so a
   * page decided meanwhile sees it. Nothing holds it back, and it carries no waiting page (its words
   * are its own). Counted once per id: true when this call counted it (false: counted already).
   */
  async count(person: string, channel: ChannelKind, messageId: string, now: number): Promise<boolean> {
    return this.deps.stores.live.recordOnce(person, channel, messageId, now);
  }

  /** The message counted by `count` did not go on that channel: it no longer counts there. */
  async uncount(person: string, channel: ChannelKind, messageId: string, now: number): Promise<void> {
    await this.deps.stores.live.forget(person, channel, messageId, now);
  }

  /** The carrier went out (`status` sent or logged): each carried page is recorded as bundled into it. */
  async delivered(carrier: CarrierFacts, carried: readonly CarriedPage[], status: string, at: number): Promise<void> {
    const store = this.storeFor(carrier.incidentId);
    for (const c of carried) {
      const patch = { status, at: new Date(at).toISOString(), bundledInto: carrier.notificationId, bundledWith: carrier.incidentId };
      if (!(await store.fold(c.incidentId, c.notificationId, patch, carrier.owner))) continue;
      const { role, tier, phase, attempt } = c.record;
      const entry = { type: 'notified', notification: c.notificationId, person: carrier.person, role, channel: carrier.channel, tier, phase, status, attempt, bundledInto: carrier.notificationId, bundledWith: carrier.incidentId };
      await carrier.incidents.note(c.incidentId, entry, at);
      this.deps.metrics.suppressed.inc({ reason: 'bundled' });
      this.deps.metrics.notifications.inc({ channel: carrier.channel, result: 'bundled' });
    }
    if (carried.length > 0) {
      this.deps.logger.info({ incident: carrier.incidentId, person: carrier.person, channel: carrier.channel, bundled: carried.map((c) => c.incidentId) }, 'pages bundled');
    }
  }

  /** The carrier could not go: the pages it took wait again (their own claims lapse after the lease). */
  async release(carrier: Pick<CarrierFacts, 'incidentId' | 'person' | 'channel'>, carried: readonly CarriedPage[], now: number): Promise<void> {
    if (carried.length === 0) return;
    await this.storeFor(carrier.incidentId).release(carrier.person, carrier.channel, carried, now);
  }

  /** The throttle state an incident's pages count in (drills keep their own). */
  storeFor(incidentId: string): ThrottleStore {
    return isDrillId(incidentId) ? this.deps.stores.drill : this.deps.stores.live;
  }

  /**
   * The waiting pages still worth carrying, each taken over (a fresh lease) so that nobody sends it
   * meanwhile. A page of another incident held back now by inhibition or maintenance is not carried:
   * it goes back on the queue and waits as its incident's own pages do (the engine sends it once
   * that is over, or a message then carries it).
   */
  private async take(store: ThrottleStore, pending: readonly PendingPage[], r: AdmitRequest): Promise<CarriedPage[]> {
    const out: CarriedPage[] = [];
    const kept: PendingPage[] = [];
    const heldBack = new Map<string, Promise<boolean>>();
    for (const p of pending) {
      if (p.notificationId === r.notificationId || out.some((o) => o.notificationId === p.notificationId)) continue;
      const rec = await store.notification(p.incidentId, p.notificationId);
      if (!rec || rec.status !== 'planned') continue;
      const inc = p.incidentId === r.incident.id ? r.incident : await r.incidents.get(p.incidentId);
      if (!inc || !conditionHolds((rec.condition ?? 'unresolved') as StepCondition, inc.state, false)) continue;
      // all-clears and reminders are never held back; the message's own incident is not, as it goes
      if (!p.lane && inc.id !== r.incident.id) {
        let held = heldBack.get(inc.id);
        if (!held) heldBack.set(inc.id, (held = this.heldBack(inc, r.now)));
        if (await held) {
          kept.push(p);
          continue;
        }
      }
      if (!(await store.fold(p.incidentId, p.notificationId, { claimedBy: r.owner, claimedAtMs: r.now, takenAtMs: r.now }, ''))) continue;
      out.push({ ...p, incident: inc, record: rec });
    }
    if (kept.length > 0) {
      await store.release(r.person, r.channel, kept, r.now);
      this.deps.logger.info({ incident: r.incident.id, person: r.person, channel: r.channel, kept: [...new Set(kept.map((p) => p.incidentId))] }, 'pages held back by inhibition or maintenance left out of the message');
    }
    return out;
  }

  /** Inhibition or a maintenance window holds back the incident's pages now (so too when that cannot be read). */
  private async heldBack(inc: Incident, now: number): Promise<boolean> {
    try {
      return (await this.deps.suppression.check(inc, now)).kind !== 'none';
    } catch (e) {
      this.deps.logger.warn({ err: e, incident: inc.id }, 'suppression not read; the page waits for its own incident');
      return true;
    }
  }

  /**
   * A page no longer waiting was taken by a carrier within the lease (its record says when), or has
   * gone already: the carrier records it, so it must not go by itself as well.
   */
  private async takenLately(store: ThrottleStore, r: AdmitRequest): Promise<boolean> {
    const rec = await store.notification(r.incident.id, r.notificationId);
    if (!rec) return false;
    const taken = (rec as { takenAtMs?: unknown }).takenAtMs;
    return rec.status !== 'planned' || (typeof taken === 'number' && r.now < taken + this.deps.leaseMs);
  }

  private async hold(r: AdmitRequest, d: Extract<ThrottleDecision, { kind: 'bundle' | 'delay' }>): Promise<Admission> {
    const reason = d.kind === 'bundle' ? 'bundled' : 'delayed';
    const write = async (patch: Record<string, unknown>) => {
      await r.notifications.update(r.incident.id, r.notificationId, patch as Partial<StoredNotification>, r.owner);
      return true; // queued already: whatever the record says, the page waits for its time or a carrier
    };
    await this.rehold({ incidentId: r.incident.id, notificationId: r.notificationId, person: r.person, role: r.role, channel: r.channel, tier: r.tier, until: d.until, reason, limit: d.limit, now: r.now, incidents: r.incidents, write });
    const until = new Date(d.until).toISOString();
    this.deps.metrics.notifications.inc({ channel: r.channel, result: 'deferred' });
    this.deps.logger.info({ incident: r.incident.id, person: r.person, channel: r.channel, tier: r.tier, reason, limit: d.limit, until }, 'notification deferred');
    return { kind: 'held', until: d.until };
  }

  /**
   * A page waits (again) until `until`: its record says so (heldPatch, written by `write`, which
   * says whether it could be: false when someone else has the page, and nothing more is done), it
   * goes back on the person's queue when `requeue` says so (a critical page on the critical one),
   * and a `notification_deferred` timeline entry (with `mark`'s fields) tells when it may go. The one
   * way a held page is recorded: when first held (admit), brought forward after its incident climbed
   * (HastenHeldPages), or brought back after the daily cap cancelled it (ReinstateCappedPages).
   */
  async rehold(h: Rehold): Promise<boolean> {
    if (!(await h.write(heldPatch(h.until, h.reason, h.limit, this.deps.leaseMs)))) return false;
    if (h.requeue) {
      const page = { incidentId: h.incidentId, notificationId: h.notificationId, ...(h.requeue.critical ? { critical: true } : {}) };
      await this.storeFor(h.incidentId).release(h.person, h.channel, [page], h.now);
    }
    const until = new Date(h.until).toISOString();
    await h.incidents.note(h.incidentId, { type: 'notification_deferred', notification: h.notificationId, person: h.person, role: h.role, channel: h.channel, tier: h.tier, reason: h.reason, ...(h.limit ? { limit: h.limit } : {}), until, ...h.mark }, h.now);
    return true;
  }

  /**
   * The page goes (or waits to go) over the person's daily cap, as its incident's one page: nobody
   * else was told of the incident. Said on the timeline (once per page and channel) and counted.
   */
  private async overCap(r: AdmitRequest): Promise<void> {
    if ((r.record as { overCap?: unknown }).overCap !== undefined) return;
    const entry = { type: 'notification_over_cap', notification: r.notificationId, person: r.person, role: r.role, channel: r.channel, tier: r.tier, limit: 'daily_cap', reason: 'no other page of the incident reached anyone' };
    await r.notifications.update(r.incident.id, r.notificationId, { overCap: new Date(r.now).toISOString() } as Partial<StoredNotification>, r.owner, { entry, at: r.now });
    this.deps.metrics.notifications.inc({ channel: r.channel, result: 'over_cap' });
    this.deps.logger.warn({ incident: r.incident.id, person: r.person, channel: r.channel, tier: r.tier }, 'notification goes over the daily cap: no other page of its incident reached anyone');
  }

  private async suppress(r: AdmitRequest, d: Extract<ThrottleDecision, { kind: 'suppress' }>): Promise<Admission> {
    const at = new Date(r.now).toISOString();
    await r.notifications.update(r.incident.id, r.notificationId, { status: 'cancelled', at, reason: 'throttled', limit: d.limit } as Partial<StoredNotification>, r.owner);
    await r.incidents.note(r.incident.id, { type: 'notification_cancelled', notification: r.notificationId, person: r.person, role: r.role, channel: r.channel, tier: r.tier, reason: 'throttled', limit: d.limit }, r.now);
    this.deps.metrics.suppressed.inc({ reason: 'throttled' });
    this.deps.metrics.notifications.inc({ channel: r.channel, result: 'throttled' });
    this.deps.logger.warn({ incident: r.incident.id, person: r.person, channel: r.channel, tier: r.tier, limit: d.limit }, 'notification suppressed by throttle');
    return { kind: 'cancelled' };
  }
}
