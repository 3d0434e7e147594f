/**
 * Whether an incident's pages are held back right now by inhibition or a maintenance window (the
 * SuppressionPolicy), as the engine asks before its steps go and before it brings back or resumes a
 * page outside them: each hold is counted and put on the timeline once per source or window.
 */
import type { Incident } from '../domain/incident.js';
import type { Suppression } from '../domain/ports.js';
import type { EngineDeps, EngineNamespace } from './escalation-engine-ports.js';

/**
 * When to look at the incident again because its pages are held back now (the end of the
 * maintenance window, or `recheckMs` from now while it is inhibited); null when nothing holds them.
 */
export async function heldBackUntil(deps: Pick<EngineDeps, 'suppression' | 'metrics'>, n: EngineNamespace, inc: Incident, now: number, recheckMs: number): Promise<number | null> {
  const sup = await deps.suppression.check(inc, now);
  if (sup.kind === 'none') return null;
  await recordSuppression(deps, n, inc, sup, now);
  return sup.kind === 'maintenance' ? Math.max(sup.until, now + 1) : now + recheckMs;
}

/** Counts a suppression and puts it on the timeline, once per source or window. */
async function recordSuppression(deps: Pick<EngineDeps, 'metrics'>, n: EngineNamespace, inc: Incident, sup: Exclude<Suppression, { kind: 'none' }>, now: number): Promise<void> {
  const mark = sup.kind === 'inhibited' ? `inhibited:${sup.by}` : `maintenance:${sup.window}`;
  // counted once per incident and source or window, not at every look while it lasts
  if (!(await n.state.markOnce(inc.id, mark, now))) return;
  deps.metrics.suppressed.inc({ reason: sup.kind });
  const entry =
    sup.kind === 'inhibited'
      ? { type: 'inhibited', by: sup.by, rule: sup.rule }
      : { type: 'maintenance', window: sup.window, until: new Date(sup.until).toISOString() };
  await n.incidents.note(inc.id, entry, now);
}
