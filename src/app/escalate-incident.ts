/**
 * Runs what is due for one claimed incident: plans with the playbook version it started with, raises
 * its level when time says so, brings forward the pages a throttle held back before it climbed,
 * holds back what inhibition or maintenance suppresses, runs each due step, brings back and sends the
 * pages cancelled at the daily cap before it climbed, sends the pages of a sender that died whose
 * step left the plan, follows up failed pages, cancels held pages no longer wanted, and says when to
 * look again.
 */
import { planEscalation, type Step } from '../domain/escalation.js';
import { dropUnwanted } from './drop-unwanted.js';
import type { EngineDeps, EngineNamespace, HeldBack } from './escalation-engine-ports.js';
import { reload, subjectOf } from './escalation-subject.js';
import { followUps } from './follow-ups.js';
import { heldBackUntil } from './held-back.js';
import { resumeOrphaned } from './resume-orphaned-pages.js';
import { resumeReinstated } from './resume-reinstated-pages.js';
import { runStep } from './run-step.js';

/** Most plan → act rounds per incident in one pass (level raises and coverage gaps re-plan). */
const MAX_ROUNDS = 6;

/**
 * Escalates incident `id` at `now`; `owner` is the claimer id for records the engine itself settles.
 * Returns when to look again (epoch ms), 'park' (open, nothing planned) or null (resolved or gone).
 */
export async function escalateIncident(deps: EngineDeps, owner: string, n: EngineNamespace, id: string, now: number): Promise<number | 'park' | null> {
  const { config, logger } = deps;
  const first = await n.state.snapshot(id, now);
  if (!first) return null; // gone (expired after retention)
  let { incident: inc, facts } = first;
  if (deps.settle && (await deps.settle(inc, now))) ({ inc, facts } = await reload(n, id, inc, facts, now));
  if (deps.timedEnds && (await deps.timedEnds.run(inc, now))) ({ inc, facts } = await reload(n, id, inc, facts, now));
  const klass = (await deps.snapshots.classFor(facts.playbookVersion, inc.class)) ?? config.playbooks.classes[inc.class];
  if (!klass) {
    logger.error({ incident: id, class: inc.class }, 'no playbook for incident class; escalation stopped');
    return null;
  }
  const recheckMs = Math.max(1, config.daemon.escalation.audit);
  const tried = new Set<string>();
  const pagedNow = new Set<string>();
  let held = false;
  let wakeAt: number | null = null;
  let hastened = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const subject = subjectOf(inc, facts);
    const plan = planEscalation(subject, klass, config.severity, now, { recheckMs, speed: config.clockSpeed, businessHours: config.daemon.businessHours });
    if (plan.levelChange) {
      const from = await n.state.raiseLevel(id, plan.levelChange.to, plan.levelChange.reason, now);
      if (from > 0) {
        deps.metrics.levelRaised.inc({ class: inc.class, level: String(plan.levelChange.to) });
        logger.info({ incident: id, from, to: plan.levelChange.to, reason: plan.levelChange.reason }, 'incident level raised');
      }
      ({ inc, facts } = await reload(n, id, inc, facts, now));
      continue;
    }
    if (!hastened && deps.hasten) {
      // at the level it has now (raised by an event or just above): its held pages' steps then run with it
      hastened = true;
      const until = await deps.hasten(inc, n.incidents, now);
      if (until !== null) {
        wakeAt = wakeAt === null ? until : Math.min(wakeAt, until);
        ({ inc, facts } = await reload(n, id, inc, facts, now));
      }
    }
    let steps = plan.due.filter((s) => !tried.has(s.key));
    if (steps.length === 0) break;
    for (const s of steps) tried.add(s.key);

    if (steps.some(holdable)) {
      const until = await heldBackUntil(deps, n, inc, now, recheckMs);
      if (until !== null) {
        steps = steps.filter((s) => !holdable(s));
        wakeAt = wakeAt === null ? until : Math.min(wakeAt, until);
      }
    }

    let advanced = false;
    for (const step of steps) {
      const r = await runStep(deps, n, inc, facts, klass, subject, step, now, pagedNow);
      advanced ||= r.advanced;
      held ||= r.held;
      if (r.wakeAt !== undefined) wakeAt = wakeAt === null ? r.wakeAt : Math.min(wakeAt, r.wakeAt);
    }
    ({ inc, facts } = await reload(n, id, inc, facts, now));
    if (!advanced && steps.length === 0) break;
  }
  // Pages outside the steps are pages all the same: held back by inhibition or maintenance as the
  // steps are, and brought back or sent once that is over (asked only when one would go now).
  let asked: Promise<number | null> | undefined;
  const heldBack: HeldBack = () => (asked ??= heldBackUntil(deps, n, inc, now, recheckMs));
  // after the steps: a page they just sent the person is news enough, and no capped page comes back then
  if (deps.reinstate) {
    const until = await deps.reinstate(inc, n.incidents, facts.controlled, now, heldBack);
    if (until !== null) {
      wakeAt = wakeAt === null ? until : Math.min(wakeAt, until);
      ({ inc, facts } = await reload(n, id, inc, facts, now));
    }
  }
  const resumed = await resumeReinstated(deps, n, inc, facts, klass, now, heldBack);
  if (resumed !== null) wakeAt = wakeAt === null ? resumed : Math.min(wakeAt, resumed);
  const plan = planEscalation(subjectOf(inc, facts), klass, config.severity, now, { recheckMs, speed: config.clockSpeed, businessHours: config.daemon.businessHours });
  // a page claimed by a sender that died is taken over by its step run again: one whose step left the
  // plan meanwhile (the level climbed past it) is taken over here
  const orphaned = await resumeOrphaned(deps, owner, n, inc, facts, klass, new Set(plan.due.map((s) => s.key)), now, heldBack);
  if (orphaned !== null) wakeAt = wakeAt === null ? orphaned : Math.min(wakeAt, orphaned);
  const followUp = await followUps(deps, n, inc, facts, klass, now);
  if (followUp !== null) wakeAt = wakeAt === null ? followUp : Math.min(wakeAt, followUp);
  const unwanted = await dropUnwanted(deps, owner, n, inc, facts, now);
  if (unwanted !== null) wakeAt = wakeAt === null ? unwanted : Math.min(wakeAt, unwanted);

  let next: number | null = plan.next;
  if (wakeAt !== null) next = next === null ? wakeAt : Math.min(next, wakeAt);
  if (held) next = Math.min(next ?? Number.POSITIVE_INFINITY, now + config.daemon.escalation.lease);
  // suppressed or held steps still due must be looked at again
  if (plan.due.some((s) => !tried.has(s.key))) next = now;
  // a resolution being held must be completed when its hold is over
  const holdEnd = facts.state === 'resolved' ? null : facts.holdEndsAtMs;
  if (holdEnd !== null) next = Math.min(next ?? Number.POSITIVE_INFINITY, holdEnd);
  // a member that ends at a time of day (a collapse at closing) must be ended then
  const ends = deps.timedEnds?.nextAt(inc, now);
  if (ends !== undefined) next = Math.min(next ?? Number.POSITIVE_INFINITY, ends);
  if (next !== null) return next;
  return facts.state === 'resolved' ? null : 'park';
}

/** Steps held back by inhibition and maintenance (the end of an incident is always told). */
function holdable(s: Step): boolean {
  return s.kind !== 'all_clear' && s.kind !== 'reminder' && s.kind !== 'report';
}
