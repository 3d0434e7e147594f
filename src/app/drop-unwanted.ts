/**
 * Pages a throttle held back whose condition stopped holding meanwhile (acknowledged or resolved
 * while they waited): once nobody holds them any more they are recorded as cancelled, so no page
 * stays planned forever.
 */
import type { EscalationFacts, StoredNotification } from '../domain/escalation-ports.js';
import { conditionHolds, type StepCondition } from '../domain/escalation.js';
import type { Incident } from '../domain/incident.js';
import type { EngineDeps, EngineNamespace } from './escalation-engine-ports.js';

/** Cancels the unwanted held pages nobody holds; returns when the earliest one still held may be taken (null: none). */
export async function dropUnwanted(
  deps: Pick<EngineDeps, 'config' | 'metrics'>,
  owner: string,
  n: EngineNamespace,
  inc: Incident,
  facts: EscalationFacts,
  now: number,
): Promise<number | null> {
  const leaseMs = deps.config.daemon.escalation.lease;
  let wake: number | null = null;
  for (const r of inc.notifications as readonly StoredNotification[]) {
    if (r.status !== 'planned' || !r.condition || conditionHolds(r.condition as StepCondition, facts.state, facts.controlled)) continue;
    const free = (r.claimedAtMs ?? 0) + leaseMs;
    if (free > now) {
      wake = wake === null ? free : Math.min(wake, free);
      continue;
    }
    const claim = await n.notifications.claim(r, now, leaseMs, owner);
    if (claim.outcome !== 'reclaimed' || claim.record.status !== 'planned') continue;
    const reason = `no longer ${r.condition}`;
    if (!(await n.notifications.update(inc.id, r.id, { status: 'cancelled', at: new Date(now).toISOString(), reason } as Partial<StoredNotification>, owner))) continue;
    await n.incidents.note(inc.id, { type: 'notification_cancelled', notification: r.id, person: r.person, role: r.role, channel: r.channel, tier: r.tier, reason }, now);
    deps.metrics.notifications.inc({ channel: r.channel, result: 'cancelled' });
  }
  return wake;
}
