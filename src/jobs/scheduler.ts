/**
 * Background work of the escalation engine: the tick (claims whatever is due; never one job per
 * incident) and the auditor (finds stalled escalations), each a rolling job (runs never overlap).
 * The tick runs every `tick` and wakes earlier when the engine says a step falls due before then,
 * so a tier goes out at its minute, not up to a tick later.
 */
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import { startRollingJob, type RollingJob } from './rolling-job.js';

export interface SchedulerDeps {
  readonly engine: {
    /** `nextDueAt`: when (clock ms) the next step is due, if the engine knows; the tick wakes then. */
    tick(now: number): Promise<{ readonly nextDueAt?: number | undefined } | void>;
    audit(now: number): Promise<unknown>;
  };
  readonly clock: Clock;
  /** How often the tick runs at least (ms); sooner when a step falls due before then. */
  readonly tickMs: number;
  /** How often the auditor runs (ms); none runs when not given (an engine worker leaves it to the daemon). */
  readonly auditMs?: number | undefined;
  readonly logger: Logger;
}

export type Scheduler = RollingJob;

export function startScheduler(deps: SchedulerDeps): Scheduler {
  const { engine, clock, logger } = deps;
  const jobs: RollingJob[] = [
    // The first tick runs at once: whatever fell due while no daemon ran goes out now.
    startRollingJob({
      name: 'escalation-tick',
      run: (now) => engine.tick(now),
      sooner: (r) => (r?.nextDueAt === undefined ? undefined : r.nextDueAt - clock.now()),
      clock,
      everyMs: deps.tickMs,
      firstMs: 0,
      logger,
    }),
  ];
  if (deps.auditMs !== undefined) jobs.push(startRollingJob({ name: 'escalation-audit', run: (now) => engine.audit(now), clock, everyMs: deps.auditMs, logger }));
  return {
    async stop() {
      await Promise.all(jobs.map((j) => j.stop()));
    },
  };
}
