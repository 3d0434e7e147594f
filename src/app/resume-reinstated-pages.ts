/**
 * Sends the pages ReinstateCappedPages brought back (cancelled at the daily cap, their incident then
 * climbed), and their failovers to the person's next channel when a throttle held those back: their
 * step is done, so no step sends them; the engine does, each time it looks at the incident, once
 * their time has come. Each is claimed by its own idempotency key as any page is,
 * so however many replicas look, it goes once; a message to the person may carry it sooner.
 */
import type { ClassConfig } from '../config/schema.js';
import type { EscalationFacts, StoredNotification } from '../domain/escalation-ports.js';
import { conditionHolds, type Step } from '../domain/escalation.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import type { EngineDeps, EngineNamespace, HeldBack } from './escalation-engine-ports.js';
import { wantedWhile } from './escalation-subject.js';
import { tierChannels } from './follow-ups.js';

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
  const leaseMs = deps.config.daemon.escalation.lease;
  let wake: number | null = null;
  const later = (at: number): void => {
    wake = wake === null ? at : Math.min(wake, at);
  };
  const records = inc.notifications as readonly ReinstatedRecord[];
  // A brought-back page is followed through the person's channels as a step's page is: should it fail
  // on its channel, its failover (same step and person) may be held back too, and it is sent here as
  // well once its time comes. The step itself is done: nothing else would send it.
  const brought = new Set(records.filter((r) => r.reinstated !== undefined).map(pageOf));
  for (const r of records) {
    if (r.status !== 'planned' || !brought.has(pageOf(r))) continue;
    const condition = (r.condition ?? 'unresolved') as Step['condition'];
    if (!conditionHolds(condition, facts.state, facts.controlled)) continue; // dropUnwanted cancels it
    const recipient = deps.person(r.person);
    if (!recipient) continue;
    // waiting for its time, or someone holds it now: look again when that is over
    const free = Math.max(typeof r.deferredUntil === 'number' ? r.deferredUntil : 0, (r.claimedAtMs ?? 0) + leaseMs);
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
    const step = { key: r.stepKey, tier: r.tier, phase: (r.phase ?? 'page') as Step['phase'], condition, channels: tierChannels(klass, r.stepKey), note: r.note, at: now };
    const outcome = await deps.dispatcher.resume(
      {
        incident: inc,
        recipient,
        role: r.role,
        step,
        advice: klass.advice,
        stillWanted: wantedWhile(n, inc.id, facts.reopenCount, condition),
        deferred: later,
        notifications: n.notifications,
        incidents: n.incidents,
        lookNow: (ids) => n.queue.lookNow(ids, now),
      },
      r.channel as ChannelKind,
      r.attempt ?? 1,
    );
    if (outcome === 'held') later(now + leaseMs);
  }
  return wake;
}

/** The step and person a record pages (a brought-back page and its failovers share them). */
function pageOf(r: StoredNotification): string {
  return `${r.stepKey}\u0000${r.person}`;
}
