/**
 * Sends the pages ReinstateCappedPages brought back (cancelled at the daily cap, their incident then
 * climbed), and their failovers to the person's next channel when a throttle held those back: their
 * step is done, so no step sends them; the engine does, each time it looks at the incident, once
 * their time has come. Each is claimed by its own idempotency key as any page is,
 * so however many replicas look, it goes once; a message to the person may carry it sooner.
 * Where each page stands is read from its records (page-chain.ts): a next attempt missing a lease
 * after the failure before it is made (its process died in between), and one waiting on a channel
 * the person no longer has is settled as failed and the page goes on their next channel.
 */
import type { ClassConfig } from '../config/schema.js';
import type { EscalationFacts, StoredNotification } from '../domain/escalation-ports.js';
import { conditionHolds, type Step } from '../domain/escalation.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import type { Recipient } from '../domain/ports.js';
import type { EngineDeps, EngineNamespace, HeldBack } from './escalation-engine-ports.js';
import { tierChannels } from './follow-ups.js';
import { outsideStepRequest } from './outside-step-request.js';
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
  const pages = new Map<string, ReinstatedRecord[]>(brought.map((r) => [pageOf(r), []]));
  for (const r of records) pages.get(pageOf(r))?.push(r);
  for (const first of brought) {
    const condition = (first.condition ?? 'unresolved') as Step['condition'];
    if (!conditionHolds(condition, facts.state, facts.controlled)) continue; // dropUnwanted cancels what waits
    const known = deps.person(first.person);
    // someone no longer in the roster has no channel left: what waits for them is settled, not kept
    const recipient: Recipient = known ?? { id: first.person, name: first.person, locale: 'en', timezone: 'UTC', channels: [] };
    const step = { key: first.stepKey, tier: first.tier, phase: (first.phase ?? 'page') as Step['phase'], condition, channels: tierChannels(klass, first.stepKey), note: first.note, at: now };
    const req = outsideStepRequest(n, inc, facts, { recipient, role: first.role, step, advice: klass.advice, later }, now);
    const order = deps.dispatcher.channelOrder(req);
    // from its own channel on; when the person no longer has it, on their channels it had not tried before it was capped
    const since = Date.parse(String(first.reinstated));
    const list = pages.get(pageOf(first)) ?? [];
    const triedBefore = new Set(list.filter((r) => r.id !== first.id && Date.parse(r.at) < since).map((r) => r.channel));
    const route = order.includes(first.channel) ? order.slice(order.indexOf(first.channel)) : [first.channel, ...order.filter((ch) => !triedBefore.has(ch))];
    const chain = { incidentId: inc.id, stepKey: first.stepKey, person: first.person, route, firstAttempt: first.attempt ?? 1, attempts: retry.attempts, open: new Set(order) };
    const why = (ch: ChannelKind) => (known ? `${ch} is no longer one of the person's channels` : 'the person is no longer in the roster');

    // waiting on a channel that no longer reaches the person: it would never go, so it fails for good
    let abandoned: ChannelKind | undefined;
    for (const r of list) {
      if (r.status !== 'planned' || order.includes(r.channel) || (r.claimedAtMs ?? 0) + leaseMs > now) continue;
      if (!(await deps.dispatcher.abandon(req, r.channel, r.attempt ?? 1, why(r.channel)))) continue;
      abandoned = r.channel;
      byId.set(r.id, { ...r, status: 'failed', failure: 'permanent', at: new Date(now).toISOString() });
    }

    // a next attempt not on record is made once the process that made the one before would have (a
    // claim's lease): it died in between
    const point = chainPoint(chain, byId);
    if (point.kind === 'done') continue;
    if (point.kind === 'failed') {
      if (abandoned) await n.incidents.note(inc.id, { type: 'unreachable', person: first.person, role: first.role, tier: first.tier, step: first.stepKey, reason: known ? `${why(abandoned)}, and no other is left to try` : why(abandoned) }, now);
      continue;
    }
    const free = point.kind === 'waiting' ? freeAt(point.record, order, leaseMs, now) : abandoned || !point.after ? now : Date.parse(point.after.at) + leaseMs;
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
    // from the start of its route (its first channel the person still has): the attempts on record are
    // passed over, their backoff long run, so the page gets no more attempts on a channel than a step's would
    const from = order.includes(first.channel) ? 0 : 1;
    const outcome = await deps.dispatcher.resume(req, route[from] ?? first.channel, from === 0 ? chain.firstAttempt : 1, route.slice(from));
    if (outcome === 'held') later(now + leaseMs);
  }
  return wake;
}

/**
 * When a waiting attempt may go: its time, or the lease of whoever holds it now. One whose channel no
 * longer reaches the person is being settled by another replica: looked at again after the lease.
 */
function freeAt(r: ReinstatedRecord, order: readonly ChannelKind[], leaseMs: number, now: number): number {
  if (!order.includes(r.channel)) return now + leaseMs;
  return Math.max(typeof r.deferredUntil === 'number' ? r.deferredUntil : 0, (r.claimedAtMs ?? 0) + leaseMs);
}

/** The step and person a record pages (a brought-back page and its failovers share them). */
function pageOf(r: StoredNotification): string {
  return `${r.stepKey}\u0000${r.person}`;
}
