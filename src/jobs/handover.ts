/**
 * Shift-handover notices: `roster.handover.before` ahead of each change of who holds a role (a
 * shift of the roster, or an override starting or ending), the incoming people (and the outgoing
 * ones) are told by SMS or e-mail; the incoming are also told of
 * the incidents still open that the role was paged for. node-schedule drives one periodic check;
 * each person's notice is claimed (across replicas and restarts) before it is sent, under a lease:
 * sent, the claim is kept; not sent (no channel took it), it is given back and the next check tries
 * again; its holder dead mid-send, the lease runs out and the next check takes it over. The claim is
 * renewed right before each provider call, and a claim lost by then sends nothing. The same
 * check keeps the on-call gauges current. An override that takes hold as it is made (no `from` ahead,
 * or one already past) had no time ahead to be told in: its start is told for `before` after it was
 * made instead; so is the end of one ended early; a new or ended override asks for a check at once
 * (`kick`), so it is told promptly.
 */
import schedule from 'node-schedule';
import type { RosterConfig } from '../config/schema.js';
import type { Incident } from '../domain/incident.js';
import type { Clock, HandoverFacts, OnCall, OnceClaims } from '../domain/ports.js';
import { endedInForce, inForceFrom, inForceUntil, startedAsMade, type Override } from '../domain/override.js';
import { nextHandover, type Handover } from '../domain/roster.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

export interface HandoverDeps {
  readonly roster: RosterConfig;
  readonly oncall: OnCall;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Renders and sends one person's notice (`id` is its idempotency key); true when a channel took it.
   * `claim` renews the notice's claim; it is called right before each provider call, and false means
   * the claim was lost (taken over after its lease): nothing may be sent then.
   */
  readonly deliver: (facts: HandoverFacts, role: string, id: string, claim: () => Promise<boolean>) => Promise<boolean>;
  /** The live incidents not yet resolved that `role` was paged for (default: none). */
  readonly held?: (role: string) => Promise<readonly Incident[]>;
  /** Once-only claims of the notices, and how long one may be held unsettled (default: no claims, nothing remembered). */
  readonly claims?: { readonly store: OnceClaims; readonly leaseMs: number };
  readonly roleNames?: Readonly<Record<string, string>>;
  readonly metrics?: Pick<Metrics, 'onCall' | 'coverageGaps'>;
  /** The overrides not yet ended: their starts and ends change who holds a role too (default: none). */
  readonly overrides?: { list(now: number): Promise<Override[]> };
  /** node-schedule rule for the check (default every 30 s). */
  readonly rule?: string;
}

export interface HandoverNotices {
  /** One check at `now`; resolves with the number of messages handed to `notify`. */
  tick(now: number): Promise<number>;
  /** A check now, not at the next one (an override was just made); after the one running, if any. */
  kick(): void;
  /** Resolves once no check runs (the scheduled or kicked ones). */
  idle(): Promise<void>;
  start(): void;
  stop(): void;
}

const DAY = 86_400_000;

export function createHandoverNotices(deps: HandoverDeps): HandoverNotices {
  const cache = new Map<string, { h: Handover | undefined; validUntil: number }>();
  const before = deps.roster.handover.before;
  let job: schedule.Job | null = null;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  /** One check at the clock's now; a kick while one runs asks for another after it. */
  const check = (kicked: boolean): void => {
    if (running) {
      again ||= kicked;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await tick(deps.clock.now()).catch((e: unknown) => deps.logger.warn({ err: e }, 'handover check failed'));
      } while (again && !stopped);
      running = undefined;
    })();
  };

  const next = (role: string, now: number): Handover | undefined => {
    const c = cache.get(role);
    if (c && now < c.validUntil) return c.h;
    const h = nextHandover(deps.roster, role, now);
    cache.set(role, { h, validUntil: h ? h.at : now + DAY });
    return h;
  };

  const announce = async (h: Handover): Promise<number> => {
    const [incoming, outgoing] = await Promise.all([deps.oncall.resolve(h.role, h.at), deps.oncall.resolve(h.role, h.at - 1)]);
    const inIds = incoming.people.map((p) => p.id);
    const outIds = outgoing.people.map((p) => p.id);
    if (inIds.length === outIds.length && inIds.every((id) => outIds.includes(id))) return 0; // an override covers both sides
    const roleName = deps.roleNames?.[h.role] ?? h.role;
    const keyOf = (personId: string) => `${h.role}:${h.at}:${personId}`;
    const everyone = [
      ...incoming.people.filter((p) => !outIds.includes(p.id)).map((recipient) => ({ recipient, side: 'incoming' as const })),
      ...outgoing.people.filter((p) => !inIds.includes(p.id)).map((recipient) => ({ recipient, side: 'outgoing' as const })),
    ];
    // on every check of the window: only those not told yet (someone covering from a late override is)
    const claims = deps.claims;
    const told = claims ? (await Promise.all(everyone.map(async (t) => ((await claims.store.taken(keyOf(t.recipient.id))) ? [] : [t])))).flat() : everyone;
    if (told.length === 0) return 0;
    // read before anything is claimed: when the store fails, the next check tries again
    const open = told.some((t) => t.side === 'incoming') ? ((await deps.held?.(h.role)) ?? []) : [];
    let sent = 0;
    for (const { recipient, side } of told) {
      const key = keyOf(recipient.id);
      const token = claims ? await claims.store.take(key, claims.leaseMs) : '';
      if (token === undefined) continue;
      const id = `handover:${h.role}:${new Date(h.at).toISOString()}:${recipient.id}`;
      let ok = false;
      try {
        const facts: HandoverFacts = { recipient, side, roleName, at: h.at, from: outgoing.people, to: incoming.people, open: side === 'incoming' ? open : [] };
        // the lease starts again right before each provider call (a slow channel that failed must not
        // leave the next one too little of it); a claim taken over meanwhile sends nothing more
        const claim = async () => !claims || claims.store.renew(key, token, claims.leaseMs);
        ok = await deps.deliver(facts, h.role, id, claim);
      } catch (e) {
        deps.logger.warn({ err: e, role: h.role, person: recipient.id }, 'handover notice failed');
      }
      if (ok) sent++;
      if (!claims) continue;
      // kept until well after the handover once sent; given back for the next check when not
      await (ok ? claims.store.done(key, token, before + DAY) : claims.store.release(key, token)).catch((e: unknown) =>
        deps.logger.warn({ err: e, role: h.role, person: recipient.id, sent: ok }, 'handover claim not settled; its lease runs out'),
      );
    }
    if (sent > 0) deps.logger.info({ role: h.role, at: new Date(h.at).toISOString(), from: outIds, to: inIds, messages: sent }, 'shift handover notice');
    return sent;
  };

  /**
   * The starts and ends of overrides within the notice window, by role: `before` ahead of each; the
   * start of one that took hold as it was made, for `before` after that.
   */
  const overrideChanges = async (now: number): Promise<Map<string, number[]>> => {
    const out = new Map<string, number[]>();
    if (!deps.overrides || !deps.roster.handover.notify) return out;
    let list: Override[];
    try {
      list = await deps.overrides.list(now);
    } catch (e) {
      deps.logger.warn({ err: e }, 'overrides not read; their handovers wait for the next check');
      return out;
    }
    const add = (role: string, at: number): void => {
      const times = out.get(role) ?? [];
      if (!times.includes(at)) times.push(at);
      out.set(role, times);
    };
    const ahead = (at: number) => at > now && at <= now + before;
    for (const o of list) {
      const start = inForceFrom(o);
      const end = inForceUntil(o);
      if (start >= end) continue; // ended before it held
      if (ahead(start) || (startedAsMade(o) && start <= now && now < start + before)) add(o.role, start);
      if (ahead(end) || (endedInForce(o) && end <= now && now < end + before)) add(o.role, end);
    }
    return out;
  };

  const tick = async (now: number): Promise<number> => {
    let sent = 0;
    const overridden = await overrideChanges(now);
    for (const role of new Set([...Object.keys(deps.roster.schedules), ...overridden.keys()])) {
      if (deps.metrics && role in deps.roster.schedules) {
        const r = await deps.oncall.resolve(role, now);
        deps.metrics.onCall.set({ role }, r.people.length);
        deps.metrics.coverageGaps.set({ role }, r.people.length === 0 ? 1 : 0);
      }
      if (!deps.roster.handover.notify) continue;
      const changes: Handover[] = (overridden.get(role) ?? []).map((at) => ({ role, at, from: [], to: [] }));
      const h = role in deps.roster.schedules ? next(role, now) : undefined;
      if (h && now >= h.at - before && now < h.at && !changes.some((c) => c.at === h.at)) changes.push(h);
      for (const change of changes) {
        try {
          sent += await announce(change);
        } catch (e) {
          // nothing of this one claimed before the failure is lost: the next check tries again
          deps.logger.warn({ err: e, role }, 'handover check failed for this role');
        }
      }
    }
    return sent;
  };

  return {
    tick,
    kick() {
      if (!stopped) check(true);
    },
    async idle() {
      while (running) await running;
    },
    start() {
      stopped = false;
      if (job) return;
      job = schedule.scheduleJob(deps.rule ?? '*/30 * * * * *', () => check(false));
    },
    stop() {
      stopped = true;
      job?.cancel();
      job = null;
    },
  };
}

/** Starts the periodic check (node-schedule); `stop()` cancels it. */
export function startHandoverNotices(deps: HandoverDeps): HandoverNotices {
  const notices = createHandoverNotices(deps);
  notices.start();
  return notices;
}
