/** How the engine sees an incident: the planner's subject, and whether a page is still wanted right before it goes. */
import type { EscalationFacts } from '../domain/escalation-ports.js';
import { conditionHolds, type EscalationSubject, type PagedPerson, type StepCondition } from '../domain/escalation.js';
import type { Incident, IncidentState } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import type { EngineNamespace } from './escalation-engine-ports.js';

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
    // who was paged: not a page cancelled, nor one a throttle still holds back (it never went out)
    if (nt.status === 'cancelled' || (nt.status === 'planned' && (nt as { deferredUntil?: unknown }).deferredUntil !== undefined)) continue;
    if (!isPagePhase(nt.phase)) continue;
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
    seenLabels: facts.seenLabels,
    controlled: facts.controlled,
    tier: facts.tier,
    done: facts.done,
    advanced,
    paged,
  };
}

/**
 * Whether a page is still wanted just before it goes: the incident exists, is in the same open cycle
 * (not resolved and reopened meanwhile), its step's condition still holds and, for a follow-up, it
 * is still `state`. Reads the live state, not the copy the step was planned from.
 */
export function wantedWhile(n: EngineNamespace, id: string, reopenCount: number, condition: StepCondition, state?: IncidentState): () => Promise<boolean> {
  return async () => {
    const live = await n.state.live(id);
    return live !== undefined && live.reopenCount === reopenCount && (state === undefined || live.state === state) && conditionHolds(condition, live.state, live.controlled);
  };
}

/** The incident and its facts read again (the copy given when it is gone meanwhile). */
export async function reload(n: EngineNamespace, id: string, inc: Incident, facts: EscalationFacts, now: number): Promise<{ inc: Incident; facts: EscalationFacts }> {
  const read = await n.state.snapshot(id, now);
  return read ? { inc: read.incident, facts: read.facts } : { inc, facts };
}
