/** Several kinds of members that time ends (a collapse, a silence) as the one TimedEnds the engine takes. */
import type { Incident } from '../domain/incident.js';
import type { TimedEnds } from './escalation-engine-ports.js';

export function allTimedEnds(ends: readonly TimedEnds[]): TimedEnds {
  return {
    async run(incident: Incident, now: number): Promise<boolean> {
      let changed = false;
      for (const e of ends) changed = (await e.run(incident, now)) || changed;
      return changed;
    },
    nextAt(incident: Incident, now: number): number | undefined {
      const at = ends.map((e) => e.nextAt(incident, now)).filter((t): t is number => t !== undefined);
      return at.length > 0 ? Math.min(...at) : undefined;
    },
  };
}
