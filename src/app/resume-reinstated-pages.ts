/**
 * Sends the pages ReinstateCappedPages brought back (cancelled at the daily cap, their incident then
 * climbed), and their failovers to the person's next channel when a throttle held those back: their
 * step is done, so no step sends them; the engine does, each time it looks at the incident, once
 * their time has come. Each is claimed by its own idempotency key as any page is,
 * so however many replicas look, it goes once; a message to the person may carry it sooner.
 * Where each page stands is read from its records (page-chain.ts): a next attempt missing a lease
 * after the failure before it is made (its process died in between).
 */
import type { ClassConfig } from '../config/schema.js';
import type { EscalationFacts, StoredNotification } from '../domain/escalation-ports.js';
import { conditionHolds, type Step } from '../domain/escalation.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import type { DispatchRequest } from './dispatch-notification.js';
import type { EngineDeps, EngineNamespace, HeldBack } from './escalation-engine-ports.js';
import { wantedWhile } from './escalation-subject.js';
import { tierChannels } from './follow-ups.js';
import { chainPoint } from './page-chain.js';

interface ReinstatedRecord extends StoredNotification {
  readonly reinstated?: unknown;
  readonly deferredUntil?: unknown;
}

/** Sends the reinstated pages whose time has come; returns when to look again for the others (null: none waiting). */
export async function resumeReinstated(
  deps: Pick<EngineDeps, 'config' | 'person' | 'dispatcher'>,
  n: EngineNamespace,
  inc: Incident,
  facts: EscalationFacts,
  klass: ClassConfig,
  now: number,
  heldBack: HeldBack,
): Promise<number | null> {
  const { lease: leaseMs, retry } = deps.config.daemon.escalation;
  let wake: number | null = null;
  const later = (at: number): void => {
    wake = wake === null ? at : Math.min(wake, at);
  };
  const records = inc.notifications as readonly ReinstatedRecord[];
  const brought = records.filter((r) => r.reinstated !== undefined);
  if (brought.length === 0) return null;
  // A brought-back page is followed through the person's channels as a step's page is: should it fail
  // on its channel, its failover (same step and person) may be held back too, and it is sent here as
  // well once its time comes. The step itself is done: nothing else would send it, nor carry it on
  // when the process sending it died between a failed attempt and the next.
  const byId = new Map<string, ReinstatedRecord>(records.map((r) => [r.id, r]));
  for (const first of brought) {
    const condition = (first.condition ?? 'unresolved') as Step['condition'];
    if (!conditionHolds(condition, facts.state, facts.controlled)) continue; // dropUnwanted cancels what waits
    const recipient = deps.person(first.person);
    if (!recipient) continue;
    const step = { key: first.stepKey, tier: first.tier, phase: (first.phase ?? 'page') as Step['phase'], condition, channels: tierChannels(klass, first.stepKey), note: first.note, at: now };
    const req: DispatchRequest = {
      incident: inc,
      recipient,
      role: first.role,
      step,
      advice: klass.advice,
      stillWanted: wantedWhile(n, inc.id, facts.reopenCount, condition),
      deferred: later,
      notifications: n.notifications,
      incidents: n.incidents,
      lookNow: (ids) => n.queue.lookNow(ids, now),
    };
    const order = deps.dispatcher.channelOrder(req);
    if (!order.includes(first.channel)) continue;
    // from its own channel on
    const route = order.slice(order.indexOf(first.channel));
    const chain = { incidentId: inc.id, stepKey: first.stepKey, person: first.person, route, firstAttempt: first.attempt ?? 1, attempts: retry.attempts, open: new Set(order) };

    // a next attempt not on record is made once the process that made the one before would have (a
    // claim's lease): it died in between
    const point = chainPoint(chain, byId);
    if (point.kind === 'done' || point.kind === 'failed') continue;
    const free = point.kind === 'waiting' ? freeAt(point.record, leaseMs) : point.after ? Date.parse(point.after.at) + leaseMs : now;
    if (free > now) {
      later(free);
      continue;
    }
    // held back by inhibition or maintenance as the incident's steps are: sent when that is over
    const held = await heldBack();
    if (held !== null) {
      later(held);
      continue;
    }
    // from the start of its route: the attempts on record are passed over, their backoff long run, so
    // the page gets no more attempts on a channel than a step's would
    const outcome = await deps.dispatcher.resume(req, first.channel, chain.firstAttempt, route);
    if (outcome === 'held') later(now + leaseMs);
  }
  return wake;
}

/** When a waiting attempt may go: its time, or the lease of whoever holds it now. */
function freeAt(r: ReinstatedRecord, leaseMs: number): number {
  return Math.max(typeof r.deferredUntil === 'number' ? r.deferredUntil : 0, (r.claimedAtMs ?? 0) + leaseMs);
}

/** The step and person a record pages (a brought-back page and its failovers share them). */
function pageOf(r: StoredNotification): string {
  return `${r.stepKey}\u0000${r.person}`;
}
