/**
 * One due step of one incident: resolves its roles to the people on duty (a role nobody covers moves
 * the incident on to its next tier), pages the chosen people through DispatchNotification and marks
 * the step done, unless a throttle holds one of its pages back.
 */
import type { ClassConfig } from '../config/schema.js';
import { clearReason, type ClearReason } from '../domain/clear-reason.js';
import type { EscalationFacts } from '../domain/escalation-ports.js';
import { matchLabelNames, nextApplicableTier, type EscalationSubject, type Step } from '../domain/escalation.js';
import type { Incident } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import type { Recipient } from '../domain/ports.js';
import type { DispatchOutcome } from './dispatch-notification.js';
import type { EngineDeps, EngineNamespace } from './escalation-engine-ports.js';
import { wantedWhile } from './escalation-subject.js';

export interface StepRun {
  /** The incident was moved on to a later tier (a role nobody covers). */
  readonly advanced: boolean;
  /** A throttle holds one of the step's pages back: the step is not done yet. */
  readonly held: boolean;
  /** When a held page may go: look again then. */
  readonly wakeAt?: number | undefined;
}

export async function runStep(
  deps: Pick<EngineDeps, 'onCall' | 'person' | 'dispatcher' | 'metrics' | 'logger'>,
  n: EngineNamespace,
  inc: Incident,
  facts: EscalationFacts,
  klass: ClassConfig,
  subject: EscalationSubject,
  step: Step,
  now: number,
  pagedNow: Set<string>,
): Promise<StepRun> {
  const { metrics } = deps;
  const targets: { recipient: Recipient; role: string }[] = [];
  let advanced = false;

  if (step.to) {
    for (const p of step.to) {
      const r = deps.person(p.person);
      if (r) targets.push({ recipient: r, role: p.role });
    }
  } else {
    for (const role of step.roles) {
      const res = await deps.onCall.resolve(role, now);
      if (res.people.length === 0) {
        metrics.coverageGaps.set({ role }, 1);
        const to = step.kind === 'tier' ? nextApplicableTier(klass, subject, step.tier) : undefined;
        if (to !== undefined && (await n.state.advanceTier(inc.id, facts.reopenCount, to, now))) advanced = true;
        if (await n.state.markOnce(inc.id, `gap:${step.key}:${role}`, now)) {
          metrics.suppressed.inc({ reason: 'no_one_on_duty' });
          await n.incidents.note(inc.id, { type: 'no_one_on_duty', role, tier: step.tier, step: step.key, ...(to !== undefined ? { escalatedTo: to } : {}) }, now);
          deps.logger.warn({ incident: inc.id, role, tier: step.tier, escalatedTo: to }, 'no one on duty for role');
        }
        continue;
      }
      metrics.coverageGaps.set({ role }, 0);
      for (const person of res.people) if (!targets.some((t) => t.recipient.id === person.id)) targets.push({ recipient: person, role });
    }
  }

  const stillWanted = wantedWhile(n, inc.id, facts.reopenCount, step.condition);
  const pageLike = step.phase === 'page' || step.phase === 'escalation';
  const reached = step.unpagedOnly ? new Set(subject.paged.map((p) => p.person)) : undefined;
  const chosen = targets.filter((t) => !(step.kind === 'circle' && pagedNow.has(t.recipient.id)) && !reached?.has(t.recipient.id));
  if (pageLike) for (const t of chosen) pagedNow.add(t.recipient.id);
  // A throttle holding a page back says when it may go: look again then.
  let wakeAt: number | undefined;
  const deferred = (until: number): void => {
    wakeAt = wakeAt === undefined ? until : Math.min(wakeAt, until);
  };
  // an all-clear says why when time, not a report, ended the incident (read with its members' details)
  const reason = step.phase === 'all_clear' && chosen.length > 0 ? await allClearReason(n, inc, deps.logger) : undefined;
  const outcomes: DispatchOutcome[] = await Promise.all(
    chosen.map((t) =>
      deps.dispatcher.dispatch({
        incident: inc,
        recipient: t.recipient,
        role: t.role,
        step,
        advice: isPagePhase(step.phase) ? klass.advice : undefined,
        reason,
        stillWanted,
        deferred,
        notifications: n.notifications,
        incidents: n.incidents,
        lookNow: (ids) => n.queue.lookNow(ids, now),
      }),
    ),
  );
  const held = outcomes.includes('held');
  if (!held) {
    const people = chosen.map((t) => t.recipient.id);
    const labels = step.kind === 'unmatched' ? matchedOn(klass, inc) : undefined;
    const entry =
      step.kind === 'tier'
        ? { type: 'tier_reached', tier: step.tier, roles: step.roles, people, late: Math.max(0, now - step.at) }
        : labels
          ? { type: 'no_tier_fits', roles: step.roles, people, labels }
          : undefined;
    const fresh = await n.state.completeStep(inc.id, step.key, now, step.kind === 'tier' ? step.tier : null, entry ? { entry, at: now } : undefined);
    if (fresh && step.kind === 'tier') metrics.tierReached.inc({ class: inc.class, tier: String(step.tier) });
    if (fresh && labels) {
      // a playbook gap: the plan's tiers left this incident to nobody
      metrics.incidentsUnmatched.inc({ class: inc.class });
      deps.logger.error({ incident: inc.id, class: inc.class, labels, roles: step.roles }, 'no tier of the playbook fits the incident; the roles of its start were paged instead');
    }
  }
  return { advanced, held, wakeAt };
}

/** The labels the class's tiers match on, as the incident carries them (what fitted none of them). */
function matchedOn(klass: ClassConfig, inc: Incident): Record<string, string> {
  return Object.fromEntries(matchLabelNames(klass).map((name) => [name, inc.labels[name] ?? '']));
}

/** The reason an all-clear gives; a failed read only leaves it unsaid (the all-clear still goes). */
async function allClearReason(n: EngineNamespace, inc: Incident, logger: EngineDeps['logger']): Promise<ClearReason | undefined> {
  if (inc.state !== 'resolved') return undefined;
  try {
    const full = await n.incidents.get(inc.id);
    return full ? clearReason(full) : undefined;
  } catch (e) {
    logger.warn({ err: e, incident: inc.id }, 'all-clear reason not read; the all-clear goes without it');
    return undefined;
  }
}
