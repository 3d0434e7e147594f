/**
 * Use case: page one person for one escalation step through their channels.
 * Each (incident, step, person, channel, attempt) is one notification, claimed by its idempotency key
 * before it is sent: retries, restarts and replicas never send it twice, and a claim whose sender
 * died is taken over after the lease, so it is never lost either.
 *  - channel order: the tier's channels, else the person's own (roster), else the role's;
 *  - TOCSIN_ERR_CHANNEL_TEMPORARY: retried with backoff (the attempt number is in the key), counted
 *    from the failed attempt: run again, a page waits only what is left of it;
 *  - TOCSIN_ERR_CHANNEL_PERMANENT, or retries used up: the person's next channel;
 *  - from `emailFromLevel` up (daemon.yaml escalation.emailFromLevel, 4 as shipped; 0: never), a page
 *    also goes by e-mail at once, beside the person's first channel, unless its tier names its own
 *    channels (a tier that says "by phone" is paged by phone only);
 *  - an attempt the provider took and later reported not delivered is done here, whenever the step
 *    is looked at again: the follow-ups carry it on (see follow-ups.ts), never a resend from here;
 *  - right before each send the live incident is checked again (an acknowledged incident cancels
 *    a page whose tier needs "unacknowledged");
 *  - right before the provider is called the claim is renewed (its lease starts again then, so the
 *    whole send fits in it whatever the checks before took); a claim lost meanwhile is not sent
 *    (`held`: whoever took it over sends it);
 *  - only the provider's errors are the channel's: a page it took is `sent` whatever happens to its
 *    record then. Should Redis fail right after, the record is written again until Redis answers
 *    (it stays planned under this claim meanwhile, and this process never sends it again);
 *  - the provider's news of a page can come before its record: Twilio posts a status callback as soon
 *    as the message or call is under way, maybe before its API answer is back, on any replica. The
 *    callback lands on the record still planned; the record of the send then keeps its status and
 *    adds the provider id and the timeline entry (`recordSent`), so `delivered` is never taken back
 *    to `sent`, nor a failure the engine moves the page on from (next call, next channel);
 *  - a claim taken over from another sender (its lease ran out) waits `takeoverGraceMs` before the
 *    send: should that sender have sent the page while Redis was down, its record lands meanwhile,
 *    and the renewal right before the send finds it settled (nothing is sent twice). A page a
 *    throttle held is taken up when its claim lapses, as the hold meant: that was nobody's send, and
 *    it goes without the grace, whichever replica takes it up;
 *  - on stop, each record still waiting for Redis is written once more (bounded by `stopWriteMs`).
 */
import { randomInt } from 'node:crypto';
import type { ClearReason } from '../domain/clear-reason.js';
import { isTocsinError } from '../domain/errors.js';
import type { Claimed, NotificationStore, StoredNotification } from '../domain/escalation-ports.js';
import type { Step } from '../domain/escalation.js';
import { REACHED_STATUSES, type ChannelKind, type Incident } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import { lapsedHold } from '../domain/throttle.js';
import type { Channel, IncidentStore, Page, Recipient, SendResult } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createTracer, withSpan, type Tracer } from '../telemetry/tracer.js';
import type { ActionLinks } from './action-links.js';
import { notificationId } from './page-chain.js';
import { bundleOf, type CarriedPage, type ThrottlePages } from './throttle-pages.js';

/** Reply-code alphabet: no vowels (no words), no A/C (the action letters), no look-alikes. */
const CODE_ALPHABET = '23456789BDFGHJKLMNPQRSTVWXZ';
const CODE_LENGTH = 4;
/**
 * Writes of a sent page's record made before the dispatch goes on (the first and the retries after
 * `storeRetry`, 0.3 s in all with the shipped redis.reconnect): a blip of Redis is over by then.
 * Later ones go on in the background until Redis answers. Not a setting: the pace is the connection's own.
 */
const RECORD_TRIES = 3;

export interface DispatchDeps {
  readonly channels: Readonly<Partial<Record<ChannelKind, Channel>>>;
  /** The person's channels in order of preference (roster), falling back to the role's. */
  readonly channelsFor: (person: string, role: string) => readonly ChannelKind[];
  /**
   * From this incident level up, a page also goes by e-mail at once, beside the person's first
   * channel (unless its step names its own channels); 0: never. daemon.yaml escalation.emailFromLevel.
   */
  readonly emailFromLevel: number;
  readonly retry: { readonly attempts: number; readonly backoff: readonly number[] };
  readonly leaseMs: number;
  readonly codeTtlMs: number;
  readonly links: ActionLinks;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * The wait before writing a page's record again after `tries` failed writes (Redis down right
   * after the send): the Redis connection's reconnect pace.
   */
  readonly storeRetry: (tries: number) => number;
  /**
   * Told each time the Redis connection is ready again: records still waiting for it are written then,
   * without waiting out their `storeRetry` pause.
   */
  readonly onStoreReady?: ((listener: () => void) => void) | undefined;
  /**
   * How long a claim taken over from another owner waits before its send (then renewed as usual):
   * longer than that owner's pause between writes of a record that could not reach Redis (the
   * reconnect pace's longest) plus one command (redis.commandTimeout). 0 or absent: no wait.
   */
  readonly takeoverGraceMs?: number | undefined;
  /** How long `stop` waits for the last write of each record still waiting for Redis (redis.commandTimeout); absent: unbounded. */
  readonly stopWriteMs?: number | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Who claims (one id per process): written into each claimed record. */
  readonly owner: string;
  /** Per-destination throttles and bundling, asked before the first attempt on each channel. */
  readonly throttle?: ThrottlePages | undefined;
}

export interface DispatchRequest {
  readonly incident: Incident;
  readonly recipient: Recipient;
  readonly role: string;
  readonly step: Pick<Step, 'key' | 'tier' | 'phase' | 'condition' | 'channels' | 'note' | 'at'>;
  readonly advice?: string | undefined;
  /** An all-clear's reason (business hours over, a queue closed), said in its words. */
  readonly reason?: ClearReason | undefined;
  /** Re-checks the live incident right before a send. */
  readonly stillWanted: () => Promise<boolean>;
  readonly notifications: NotificationStore;
  readonly incidents: IncidentStore;
  /**
   * Told when a throttle holds the page back until `until` (the outcome is then `held`). Without it
   * throttles only count the page (its caller would not come back for it).
   */
  readonly deferred?: ((until: number) => void) | undefined;
  /**
   * Asks the engine to look at these incidents now: a message carried pages of theirs, so their
   * steps can be completed at once instead of at their next planned look (by then their level may
   * have risen, and the step would be paged again with the channels of the new level).
   */
  readonly lookNow?: ((incidentIds: readonly string[]) => Promise<unknown>) | undefined;
}

/** sent: reached; logged: recorded, not sent (log mode); held: someone else is sending it right now; failed: every channel failed. */
export type DispatchOutcome = 'sent' | 'logged' | 'cancelled' | 'held' | 'failed';

type AttemptOutcome = 'sent' | 'logged' | 'cancelled' | 'held' | 'temporary' | 'permanent';

interface Attempted {
  readonly outcome: AttemptOutcome;
  /** When it settled: a retry after a failure waits its backoff from then. */
  readonly at: number;
}


export class DispatchNotification {
  /** Spans `notify` per person and step; the global tracer, a no-op without an SDK. */
  private readonly tracer: Tracer = createTracer();

  /** Pages this process sent whose record has not reached Redis yet (and those they carried): sent or logged. */
  private readonly unrecorded = new Map<string, 'sent' | 'logged'>();
  /** Each such page: what is logged of it, and one more write of its record (made on stop). */
  private readonly pending = new Map<Record<string, unknown>, () => Promise<boolean>>();
  private stopped = false;
  /** Wakes the background writes of records waiting for Redis (the connection is ready again). */
  private wake: () => void = () => {};
  private woken: Promise<void> = this.rearm();

  constructor(private readonly deps: DispatchDeps) {
    deps.onStoreReady?.(() => this.wake());
  }

  private rearm(): Promise<void> {
    return new Promise<void>((r) => {
      this.wake = () => {
        this.woken = this.rearm();
        r();
      };
    });
  }

  /** How many pages this process sent whose record is still waiting for Redis. */
  get unrecordedPages(): number {
    return this.unrecorded.size;
  }

  /**
   * The process stops: each record still waiting for Redis is written once more (each write bounded
   * by `stopWriteMs`), then no longer. One that still fails is logged (error): its page stays
   * planned, and once its lease runs out the next look (another replica, a restart) sends it again.
   * Resolves once every last write has landed or failed (before the Redis connection is closed).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const last = [...this.pending];
    this.pending.clear();
    this.wake();
    await Promise.all(
      last.map(async ([what, write]) => {
        try {
          this.noteLate(what, await within(write(), this.deps.stopWriteMs), 'on stop');
        } catch (e) {
          this.deps.logger.error({ ...what, err: e }, 'stopping with a sent page not recorded (Redis unavailable): once its lease runs out it is sent again');
        }
      }),
    );
  }

  /** The channels this person is paged on for this step, in order (only those that can reach them). */
  channelOrder(req: Pick<DispatchRequest, 'recipient' | 'role' | 'step'>): ChannelKind[] {
    const wanted = req.step.channels ?? (req.recipient.channels && req.recipient.channels.length > 0 ? req.recipient.channels : this.deps.channelsFor(req.recipient.id, req.role));
    return [...new Set(wanted)].filter((ch) => this.deps.channels[ch] !== undefined && reachable(req.recipient, ch));
  }

  dispatch(req: DispatchRequest): Promise<DispatchOutcome> {
    const attrs = { 'tocsin.incident': req.incident.id, 'tocsin.tier': req.step.tier, 'tocsin.phase': req.step.phase, 'tocsin.role': req.role };
    return withSpan(this.tracer, 'notify', attrs, async (span) => {
      const outcome = await this.send(req);
      span.setAttribute('tocsin.outcome', outcome);
      return outcome;
    });
  }

  private async send(req: DispatchRequest): Promise<DispatchOutcome> {
    const order = this.channelOrder(req);
    if (order.length === 0) {
      await req.incidents.note(req.incident.id, { type: 'unreachable', person: req.recipient.id, role: req.role, tier: req.step.tier, step: req.step.key }, this.deps.now());
      this.deps.metrics.notifications.inc({ channel: 'none', result: 'failed' });
      return 'failed';
    }
    const chain = this.chain(req, order);
    const parallelEmail =
      this.deps.emailFromLevel > 0 &&
      req.incident.level >= this.deps.emailFromLevel &&
      req.step.channels === undefined &&
      order[0] !== 'email' &&
      this.deps.channels.email !== undefined &&
      reachable(req.recipient, 'email') &&
      isPagePhase(req.step.phase);
    if (!parallelEmail) return chain;
    const [main, mail] = await Promise.all([chain, this.chain(req, ['email'])]);
    // Either held back by a throttle: the step is looked at again until both have gone.
    if (main === 'held' || mail === 'held') return 'held';
    if (main === 'sent' || mail === 'sent') return 'sent';
    if (main === 'logged' || mail === 'logged') return 'logged';
    return main;
  }

  /**
   * Carries a page on after a later failure (a call nobody answered, an SMS not delivered): `channel`
   * at `attempt` (a number not used yet for it), then the person's channels after it (or those of
   * `order` after it).
   */
  async resume(req: DispatchRequest, channel: ChannelKind, attempt: number, order: readonly ChannelKind[] = this.channelOrder(req)): Promise<DispatchOutcome> {
    const i = order.indexOf(channel);
    if (i < 0) return 'failed';
    return this.chain(req, order.slice(i), attempt);
  }

  private async chain(req: DispatchRequest, order: readonly ChannelKind[], firstAttempt = 1): Promise<DispatchOutcome> {
    const { attempts, backoff } = this.deps.retry;
    // attempts on record when this run began (the step looked at again, a restart, another replica)
    const before = new Set(req.incident.notifications.map((r) => r.id));
    let held = false;
    for (const [ci, channel] of order.entries()) {
      const start = ci === 0 ? firstAttempt : 1;
      // when the channel's previous attempt failed: a retry's backoff runs from then, not from this run
      let failedAt = 0;
      for (let attempt = start; attempt < start + attempts; attempt++) {
        const retry = attempt > start;
        if (retry && !before.has(this.idOf(req, channel, attempt))) {
          const left = failedAt + (backoff[Math.min(attempt - start - 1, backoff.length - 1)] ?? 0) - this.deps.now();
          if (left > 0) await this.deps.sleep(left);
        }
        const r = await this.attempt(req, channel, attempt, retry);
        if (r.outcome === 'sent' || r.outcome === 'logged' || r.outcome === 'cancelled') return r.outcome;
        if (r.outcome === 'held') {
          held = true;
          break;
        }
        if (r.outcome === 'permanent') break;
        failedAt = r.at;
      }
      if (held) return 'held';
    }
    return 'failed';
  }

  /**
   * Settles an attempt recorded and not sent that can no longer go (its channel no longer reaches the
   * person) as failed for good, with a timeline entry saying why. Claimed first, so it is settled once
   * however many replicas look; false when someone else holds it or it is settled already.
   */
  async abandon(req: DispatchRequest, channel: ChannelKind, attempt: number, why: string): Promise<boolean> {
    const { deps } = this;
    const now = deps.now();
    if (this.unrecorded.has(this.idOf(req, channel, attempt))) return false;
    const claimed = await this.claim(req.notifications, this.plannedRecord(req, channel, attempt, now), now);
    if (claimed.outcome !== 'owned' && claimed.outcome !== 'reclaimed') return false;
    const id = claimed.record.id;
    const at = deps.now();
    const entry = { type: 'notification_failed', notification: id, person: req.recipient.id, role: req.role, channel, tier: req.step.tier, attempt, failure: 'permanent', error: why };
    await req.notifications.update(req.incident.id, id, { status: 'failed', at: new Date(at).toISOString(), error: why, failure: 'permanent' }, deps.owner, { entry, at });
    deps.metrics.notifications.inc({ channel, result: 'failed' });
    deps.logger.warn({ incident: req.incident.id, tier: req.step.tier, role: req.role, person: req.recipient.id, channel, attempt, reason: why }, 'notification failed');
    return true;
  }

  /** The idempotency key of one attempt. */
  private idOf(req: Pick<DispatchRequest, 'incident' | 'step' | 'recipient'>, channel: ChannelKind, attempt: number): string {
    return notificationId(req.incident.id, req.step.key, req.recipient.id, channel, attempt);
  }

  /** The record of an attempt as it is claimed, before it is sent. */
  private plannedRecord(req: DispatchRequest, channel: ChannelKind, attempt: number, now: number): StoredNotification {
    return {
      id: this.idOf(req, channel, attempt),
      incidentId: req.incident.id,
      stepKey: req.step.key,
      tier: req.step.tier,
      role: req.role,
      person: req.recipient.id,
      channel,
      status: 'planned',
      at: new Date(now).toISOString(),
      phase: req.step.phase,
      attempt,
      condition: req.step.condition,
      ...(req.step.note ? { note: req.step.note } : {}),
    };
  }

  /**
   * One attempt on one channel (`retry`: an attempt after the channel's first, counted `retried` by
   * whoever claims it, so once). Returns its outcome and when it settled (a failure's time on its record).
   */
  private async attempt(req: DispatchRequest, channel: ChannelKind, attempt: number, retry: boolean): Promise<Attempted> {
    const outcome = await this.tryOnce(req, channel, attempt, retry);
    return typeof outcome === 'string' ? { outcome, at: this.deps.now() } : outcome;
  }

  private async tryOnce(req: DispatchRequest, channel: ChannelKind, attempt: number, retry: boolean): Promise<AttemptOutcome | Attempted> {
    const { deps } = this;
    const inc = req.incident;
    const person = req.recipient.id;
    const id = this.idOf(req, channel, attempt);
    const now = deps.now();
    // sent by this process, its record still on its way to a Redis that failed: never sent again
    const went = this.unrecorded.get(id);
    if (went) return went;
    const claimed = await this.claim(req.notifications, this.plannedRecord(req, channel, attempt, now), now);
    if (claimed.outcome === 'gone') return 'cancelled';
    if (claimed.outcome === 'exists') {
      const until = (claimed.record as { deferredUntil?: number }).deferredUntil;
      if (claimed.record.status === 'planned' && until !== undefined && until > now) req.deferred?.(until);
      const at = Date.parse(claimed.record.at);
      return { outcome: settled(claimed.record), at: Number.isNaN(at) ? now : at };
    }
    if (retry && claimed.outcome === 'owned') deps.metrics.notifications.inc({ channel, result: 'retried' });
    // taken over from another sender: should it have sent the page while Redis was down, its record
    // lands within the grace (its retry pause and one command), and the renewal before the send finds
    // the page settled. A throttle's hold that lapsed was nobody's send: the held page goes on time.
    const grace = deps.takeoverGraceMs ?? 0;
    if (claimed.outcome === 'reclaimed' && claimed.from !== deps.owner && grace > 0 && !lapsedHold(claimed.fromClaimedAtMs, claimed.record)) await deps.sleep(grace);

    const record = claimed.record;
    if (!(await req.stillWanted())) {
      const at = deps.now();
      const entry = { type: 'notification_cancelled', notification: id, person, role: req.role, channel, tier: req.step.tier, reason: `no longer ${req.step.condition}` };
      await req.notifications.update(inc.id, id, { status: 'cancelled', at: new Date(at).toISOString(), reason: entry.reason }, deps.owner, { entry, at });
      deps.metrics.notifications.inc({ channel, result: 'cancelled' });
      return 'cancelled';
    }

    const gate = deps.throttle && attempt === 1 ? await deps.throttle.admit({ ...this.throttleFacts(req, channel, id, now), phase: req.step.phase, role: req.role, tier: req.step.tier, hold: req.deferred !== undefined, record, notifications: req.notifications }) : undefined;
    if (gate?.kind === 'cancelled') return 'cancelled';
    if (gate?.kind === 'held') {
      req.deferred?.(gate.until);
      return 'held';
    }
    // The checks above took time out of the claim's lease: it starts again now, so the whole send fits
    // in it; a claim lost meanwhile is left to whoever has it now.
    const taken: readonly CarriedPage[] = gate?.kind === 'send' ? gate.carried : [];
    const carried = await this.renewed(req, record, channel, taken, now);
    if (!carried) return 'held';
    const bundle = bundleOf(inc, carried);

    const code = record.code ?? '';
    // signed only when a message carries them (e-mail): a call or an SMS does not
    let links: Page['links'] | undefined;
    const page: Page = {
      notificationId: id,
      incident: inc,
      recipient: req.recipient,
      role: req.role,
      tier: req.step.tier,
      channel,
      phase: req.step.phase,
      note: req.step.note,
      advice: req.advice,
      ...(req.reason ? { reason: req.reason } : {}),
      code,
      get links() {
        return (links ??= deps.links.linksFor(inc.id, person, id, now, req.recipient.locale));
      },
      ...(bundle ? { bundle } : {}),
    };
    const ch = deps.channels[channel];
    // Only the provider's answer is the channel's: once it has taken the page, nothing that happens
    // to the record makes another attempt (see `recorded`).
    let res: SendResult;
    try {
      if (!ch) throw new Error(`no ${channel} channel`);
      res = await ch.send(page);
    } catch (e) {
      const failure = isTocsinError(e) && e.code === 'TOCSIN_ERR_CHANNEL_PERMANENT' ? 'permanent' : 'temporary';
      const message = e instanceof Error ? e.message : String(e);
      const providerCode = isTocsinError(e) ? e.details?.providerCode : undefined;
      const at = deps.now();
      const entry = { type: 'notification_failed', notification: id, person, role: req.role, channel, tier: req.step.tier, attempt, failure, error: message, ...(providerCode !== undefined ? { providerCode } : {}) };
      await req.notifications.update(inc.id, id, { status: 'failed', at: new Date(at).toISOString(), error: message, failure }, deps.owner, { entry, at });
      deps.metrics.notifications.inc({ channel, result: 'failed' });
      if (carried.length > 0) await deps.throttle?.release(this.throttleFacts(req, channel, id, at), carried, at);
      deps.logger.warn({ incident: inc.id, tier: req.step.tier, role: req.role, person, channel, attempt, failure, err: { message } }, 'notification failed');
      return { outcome: failure, at };
    }
    const at = deps.now();
    deps.metrics.notifications.inc({ channel, result: res.status });
    if (res.status === 'sent') deps.metrics.deliveryLatency.observe({ channel }, Math.max(0, at - req.step.at) / 1000);
    deps.logger.info({ incident: inc.id, tier: req.step.tier, role: req.role, person, channel, phase: req.step.phase, status: res.status, drill: inc.drill }, res.status === 'logged' ? 'notification recorded, not sent (log mode)' : 'notification sent');
    await this.recorded(req, channel, attempt, carried, res, at);
    return res.status === 'logged' ? 'logged' : 'sent';
  }

  /**
   * Records a page the provider took: the pages it carried as bundled first, then the message itself
   * (with incidents.replicas, the message's record waits for the replicas, and so covers those
   * records too: one replication stream; a failover then cannot bring a carried page back as still
   * to send once the message is known to have gone). Should Redis fail meanwhile, the page has gone
   * all the same: it is never tried again. The record is written again after `storeRetry` a few
   * times here, then on and on in the background until Redis answers; meanwhile it stays planned
   * under this sender's claim, and this process takes the page (and those it carried) as sent.
   */
  private async recorded(req: DispatchRequest, channel: ChannelKind, attempt: number, carried: readonly CarriedPage[], res: SendResult, at: number): Promise<void> {
    const { deps } = this;
    const inc = req.incident;
    const id = this.idOf(req, channel, attempt);
    const entry = { type: 'notified', notification: id, person: req.recipient.id, role: req.role, channel, tier: req.step.tier, phase: req.step.phase, status: res.status, attempt };
    const when = new Date(at).toISOString();
    // a status callback may have reached the record first (Twilio posts it as soon as the message or
    // call is under way): its status stays, this adds the rest (see recordSent)
    const patch = { status: res.status, at: when, ...(res.status === 'sent' ? { sentAt: when } : {}), ...(res.providerId ? { providerId: res.providerId } : {}) };
    const facts = this.throttleFacts(req, channel, id, at);
    /** One try; `again`: after a failed one, when the claim may have been taken over since. */
    const write = async (again: boolean): Promise<boolean> => {
      if (carried.length > 0) await deps.throttle?.delivered(facts, carried, res.status, at);
      return req.notifications.recordSent(inc.id, id, patch, again ? '' : deps.owner, { entry, at });
    };
    const landed = async (): Promise<void> => {
      const others = [...new Set(carried.map((c) => c.incidentId))].filter((i) => i !== inc.id);
      // only sooner than planned: should it fail, the incidents are looked at when they were due anyway
      if (others.length > 0) await req.lookNow?.(others).catch((e: unknown) => deps.logger.warn({ err: e, incidents: others.length }, 'bundled incidents not looked at again at once'));
    };
    const what = { incident: inc.id, tier: req.step.tier, role: req.role, person: req.recipient.id, channel, attempt, status: res.status, providerId: res.providerId ?? null };
    let tries = 0;
    for (;;) {
      try {
        await write(tries > 0);
        await landed();
        return;
      } catch (e) {
        tries++;
        if (tries >= RECORD_TRIES) {
          deps.logger.error({ ...what, err: e, tries }, 'notification sent but not recorded: Redis is unavailable; it stays claimed by this process and is recorded as soon as Redis answers');
          break;
        }
        await deps.sleep(deps.storeRetry(tries));
      }
    }
    // this process takes them as sent until the record lands (a look at the step again, its lease run out, sends none)
    const ids = [id, ...carried.map((c) => c.notificationId)];
    for (const n of ids) this.unrecorded.set(n, res.status === 'logged' ? 'logged' : 'sent');
    this.pending.set(what, () => write(true));
    void (async () => {
      for (;;) {
        await Promise.race([deps.sleep(deps.storeRetry(tries)), this.woken]);
        if (this.stopped) return;
        try {
          this.noteLate({ ...what, tries: tries + 1 }, await write(true), 'once Redis answered');
          break;
        } catch {
          tries++;
        }
      }
      await landed();
    })()
      .catch((e: unknown) => deps.logger.error({ ...what, err: e }, 'notification sent; its record is no longer retried'))
      .finally(() => {
        this.pending.delete(what);
        for (const n of ids) this.unrecorded.delete(n);
      });
  }

  /** Logs how a sent page's late record went (`landed`: written now; else settled already). */
  private noteLate(what: Record<string, unknown>, landed: boolean, when: 'on stop' | 'once Redis answered'): void {
    if (landed) this.deps.logger.info(what, `notification recorded as sent ${when}`);
    else this.deps.logger.warn(what, `notification sent; its record was settled already ${when === 'on stop' ? 'on stop' : 'when Redis answered'} (written before the error, settled by whoever took its claim over, or its incident gone)`);
  }

  /**
   * Renews the claim on this attempt's record right before its page goes to the provider, and those
   * on the waiting pages the message carries (taken at `takenAt`): each lease starts again now, so no
   * one takes over a page whose send is on its way, however long the checks before it took (a slow
   * Redis, a throttle contended). Undefined when the record's claim was lost (taken over after its
   * lease ran out, or settled by someone else): not sent, the carried pages go back to the queue.
   * A carried page whose claim was lost is left out of the message.
   */
  private async renewed(req: DispatchRequest, record: StoredNotification, channel: ChannelKind, carried: readonly CarriedPage[], takenAt: number): Promise<readonly CarriedPage[] | undefined> {
    const { deps } = this;
    const at = deps.now();
    const own = await req.notifications.renew(req.incident.id, record.id, deps.owner, record.claimedAtMs ?? Number.NaN, at);
    if (own !== 'renewed') {
      deps.logger.warn({ incident: req.incident.id, tier: req.step.tier, role: req.role, person: req.recipient.id, channel, attempt: record.attempt, claim: own, sinceClaimMs: at - (record.claimedAtMs ?? at) }, 'notification not sent: its claim was lost before the send');
      if (carried.length > 0) await deps.throttle?.release(this.throttleFacts(req, channel, record.id, at), carried, at);
      return undefined;
    }
    // the carried pages' claims at once: each renewal is a round trip before the send
    const claims = await Promise.all(carried.map((c) => req.notifications.renew(c.incidentId, c.notificationId, deps.owner, takenAt, at)));
    return carried.filter((c, i) => {
      const r = claims[i];
      if (r !== 'renewed') deps.logger.info({ incident: req.incident.id, carriedIncident: c.incidentId, person: req.recipient.id, channel, claim: r }, 'waiting page left out of the message: its claim was lost before the send');
      return r === 'renewed';
    });
  }

  /** What the throttle needs to know about this message. */
  private throttleFacts(req: DispatchRequest, channel: ChannelKind, notificationId: string, now: number) {
    return { incident: req.incident, incidentId: req.incident.id, notificationId, person: req.recipient.id, channel, now, owner: this.deps.owner, incidents: req.incidents };
  }

  /**
   * Claims the notification and reserves its reply code in the same step, offering new random codes
   * while the one offered is taken.
   */
  private async claim(store: NotificationStore, planned: StoredNotification, now: number): Promise<Claimed> {
    const ref = { incidentId: planned.incidentId, notificationId: planned.id, person: planned.person };
    for (let i = 0; i < 16; i++) {
      const length = i < 8 ? CODE_LENGTH : CODE_LENGTH + 1;
      let code = '';
      for (let j = 0; j < length; j++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
      const claimed = await store.claim(planned, now, this.deps.leaseMs, this.deps.owner, { code, ref, ttlMs: this.deps.codeTtlMs });
      if (claimed.outcome !== 'code_taken') return claimed;
    }
    throw new Error('no free reply code');
  }
}

/** `p`, failing once `ms` have passed first (no bound without `ms`). */
async function within<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return p;
  // a write answered after the bound is no one's concern any more
  p.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What an attempt on record means for the chain. One the provider took and later reported not
 * delivered (an SMS undelivered, a call nobody answered) was sent: the follow-ups carry it on (the
 * next channel at once, a call again on the voice cadence), never the chain, which only retries what
 * the provider turned away when handed the page.
 */
function settled(r: StoredNotification & { readonly deliveryFailure?: unknown }): AttemptOutcome {
  if (r.status === 'logged') return 'logged';
  if (REACHED_STATUSES.has(r.status)) return 'sent';
  if (r.status === 'cancelled') return 'cancelled';
  if (r.status === 'failed' && r.deliveryFailure !== undefined) return 'sent';
  if (r.status === 'failed') return r.failure === 'permanent' ? 'permanent' : 'temporary';
  return 'held';
}

export function reachable(r: Recipient, ch: ChannelKind): boolean {
  return ch === 'email' ? Boolean(r.email) : Boolean(r.phone);
}
