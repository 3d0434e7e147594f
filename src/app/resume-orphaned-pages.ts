/**
 * Sends the pages a sender claimed and never finished (its process died) once their step has left
 * the plan: an overdue reminder (`o3`) whose incident then climbed to level 4, a level's `within`
 * deadline, an earlier repeat or update. The engine takes a dead sender's page over by running its
 * step again, and no step runs these any more, so without this they stayed `planned` for good.
 *
 * They are sent late rather than settled as superseded: what the later step says is not what this
 * page said (a level reached is not the action an overdue level asks for), and the person is owed
 * it; late by a lease, no more. Each goes as any page does, claimed by its idempotency key (once
 * however many replicas look; one taken over from another sender waits the takeover grace first,
 * so a sender whose late record lands meanwhile is not repeated), from the attempt on record on,
 * through the person's channels after it; its `notified` entry is on the timeline. A page whose
 * condition stopped holding is left to dropUnwanted, which cancels it; one on a channel that no
 * longer reaches the person is settled as failed there, and goes on their channels from the first.
 * An attempt of a page that reached the person on another of its attempts (its step run again went
 * another way, the person's channels reordered meanwhile) is not sent: that would page them twice.
 * It is cancelled as superseded, with its timeline entry, and counted as cancelled.
 */
import type { ClassConfig } from '../config/schema.js';
import type { EscalationFacts, StoredNotification } from '../domain/escalation-ports.js';
import { conditionHolds, type Step } from '../domain/escalation.js';
import { REACHED_STATUSES, type Incident } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import type { Recipient } from '../domain/ports.js';
import type { DispatchOutcome } from './dispatch-notification.js';
import type { EngineDeps, EngineNamespace, HeldBack } from './escalation-engine-ports.js';
import { tierChannels } from './follow-ups.js';
import { outsideStepRequest } from './outside-step-request.js';

interface OrphanRecord extends StoredNotification {
  readonly reinstated?: unknown;
  readonly deferredUntil?: unknown;
  readonly deliveryFailure?: unknown;
}

const SUPERSEDED = 'superseded: the page reached the person on another attempt';

/**
 * Takes over the incident's planned pages whose claim ran out and whose step is not among `due` (the
 * steps this look runs); returns when to look again for those still claimed (null: none waiting).
 */
export async function resumeOrphaned(
  deps: Pick<EngineDeps, 'config' | 'person' | 'dispatcher' | 'logger' | 'metrics'>,
  owner: string,
  n: EngineNamespace,
  inc: Incident,
  facts: EscalationFacts,
  klass: ClassConfig,
  due: ReadonlySet<string>,
  now: number,
  heldBack: HeldBack,
): Promise<number | null> {
  const leaseMs = deps.config.daemon.escalation.lease;
  let wake: number | null = null;
  const later = (at: number): void => {
    wake = wake === null ? at : Math.min(wake, at);
  };
  const records = inc.notifications as readonly OrphanRecord[];
  if (!records.some((r) => r.status === 'planned')) return null;
  // a brought-back page and its failovers are resumeReinstated's
  const reinstated = new Set(records.filter((r) => r.reinstated !== undefined).map(pageOf));
  const prefix = facts.reopenCount > 0 ? `c${facts.reopenCount}:` : '';
  for (const r of records) {
    if (r.status !== 'planned' || !r.stepKey || due.has(r.stepKey) || reinstated.has(pageOf(r))) continue;
    // a page of an earlier cycle is not one of this incident as it is now
    if (prefix ? !r.stepKey.startsWith(prefix) : /^c\d+:/.test(r.stepKey)) continue;
    const condition = (r.condition ?? 'unresolved') as Step['condition'];
    if (!conditionHolds(condition, facts.state, facts.controlled)) continue; // dropUnwanted cancels it
    const free = Math.max(typeof r.deferredUntil === 'number' ? r.deferredUntil : 0, (r.claimedAtMs ?? 0) + leaseMs);
    if (free > now) {
      later(free);
      continue;
    }
    if (records.some((x) => x.id !== r.id && pageOf(x) === pageOf(r) && reached(x))) {
      await cancelSuperseded(deps, owner, n, inc, r, now);
      continue;
    }
    const phase = (r.phase ?? 'page') as Step['phase'];
    // held back by inhibition or maintenance as the step's own pages are (the end of an incident and reminders are always told)
    if (phase !== 'all_clear' && phase !== 'reminder') {
      const held = await heldBack();
      if (held !== null) {
        later(held);
        continue;
      }
    }
    const known = deps.person(r.person);
    // someone no longer in the roster has no channel left: the page is settled as failed, not kept
    const recipient: Recipient = known ?? { id: r.person, name: r.person, locale: 'en', timezone: 'UTC', channels: [] };
    const since = Date.parse(r.at);
    const step = { key: r.stepKey, tier: r.tier, phase, condition, channels: tierChannels(klass, r.stepKey), note: r.note, at: Number.isNaN(since) ? now : since };
    const req = outsideStepRequest(n, inc, facts, { recipient, role: r.role, step, advice: isPagePhase(phase) ? klass.advice : undefined, later }, now);
    const order = deps.dispatcher.channelOrder(req);
    const attempt = r.attempt ?? 1;
    const what = { incident: inc.id, step: r.stepKey, person: r.person, role: r.role, channel: r.channel, attempt, claimedBy: r.claimedBy, sinceClaimMs: now - (r.claimedAtMs ?? now) };
    let outcome: DispatchOutcome;
    if (order.includes(r.channel)) {
      outcome = await deps.dispatcher.resume(req, r.channel, attempt, order);
    } else {
      const why = known ? `${r.channel} is no longer one of the person's channels` : 'the person is no longer in the roster';
      if (!(await deps.dispatcher.abandon(req, r.channel, attempt, why))) {
        later(now + leaseMs);
        continue;
      }
      if (order.length === 0) {
        await n.incidents.note(inc.id, { type: 'unreachable', person: r.person, role: r.role, tier: r.tier, step: r.stepKey, reason: why }, now);
        outcome = 'failed';
      } else outcome = await deps.dispatcher.resume(req, order[0] ?? r.channel, 1, order);
    }
    if (outcome === 'held') {
      later(now + leaseMs);
      continue;
    }
    deps.logger.warn({ ...what, outcome }, 'page of a sender that stopped taken over (its step is no longer planned): sent late');
  }
  return wake;
}

/** Whether this attempt reached the person (a call not answered, an SMS not delivered, went all the same). */
function reached(r: OrphanRecord): boolean {
  return REACHED_STATUSES.has(r.status) || (r.status === 'failed' && r.deliveryFailure !== undefined);
}

/** Cancels a superseded attempt once this process holds it (so once, whichever replica looks). */
async function cancelSuperseded(deps: Pick<EngineDeps, 'config' | 'metrics'>, owner: string, n: EngineNamespace, inc: Incident, r: OrphanRecord, now: number): Promise<void> {
  const claim = await n.notifications.claim(r, now, deps.config.daemon.escalation.lease, owner);
  if (claim.outcome !== 'reclaimed' || claim.record.status !== 'planned') return;
  if (!(await n.notifications.update(inc.id, r.id, { status: 'cancelled', at: new Date(now).toISOString(), reason: SUPERSEDED } as Partial<StoredNotification>, owner))) return;
  await n.incidents.note(inc.id, { type: 'notification_cancelled', notification: r.id, person: r.person, role: r.role, channel: r.channel, tier: r.tier, reason: SUPERSEDED }, now);
  deps.metrics.notifications.inc({ channel: r.channel, result: 'cancelled' });
}

/** The step and person a record pages (a page and its failovers share them). */
function pageOf(r: StoredNotification): string {
  return `${r.stepKey}\u0000${r.person}`;
}
