/**
 * Background work driven by node-schedule: the escalation tick (claims whatever is due; never one
 * job per incident) and the auditor (finds stalled escalations). Each is one rolling job that arms
 * its next run when the current one has finished, so runs never overlap. The tick runs every
 * `tick` and wakes earlier when the engine says a step falls due before then, so a tier goes out
 * at its minute, not up to a tick later.
 */
import schedule from 'node-schedule';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';

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

export interface Scheduler {
  stop(): Promise<void>;
}

/** Shortest gap between two runs of one job, whatever the (clock-speed scaled) config says. */
const MIN_GAP_MS = 5;
/** Shortest wait for a step due sooner than the next regular tick (a step due at once included). */
const MIN_WAKE_MS = 20;

export function startScheduler(deps: SchedulerDeps): Scheduler {
  let stopped = false;
  const jobs = new Set<schedule.Job>();
  const running = new Set<Promise<unknown>>();

  /** `work` may name how long (real ms) until it wants to run again, within `intervalMs`. */
  const every = (name: string, intervalMs: number, firstMs: number, work: (now: number) => Promise<number | undefined>) => {
    const run = () => {
      // a job node-schedule had already set off when it was cancelled: stopped means no new run
      if (stopped) return;
      const p = work(deps.clock.now())
        .catch((e: unknown) => {
          deps.logger.error({ err: e, job: name }, 'scheduled job failed');
          return undefined;
        })
        .then((soonerMs) => {
          running.delete(p);
          arm(soonerMs === undefined ? intervalMs : Math.min(intervalMs, Math.max(MIN_WAKE_MS, soonerMs)));
        });
      running.add(p);
    };
    const arm = (waitMs: number) => {
      if (stopped) return;
      const job = schedule.scheduleJob(new Date(Date.now() + Math.max(MIN_GAP_MS, waitMs)), () => {
        jobs.delete(job);
        run();
      });
      // node-schedule refuses a date already past (a slow event loop): run at once rather than stall
      if (job) jobs.add(job);
      else setImmediate(() => {
        if (!stopped) run();
      });
    };
    arm(firstMs);
  };

  // The first tick runs at once: whatever fell due while no daemon ran goes out now.
  every('escalation-tick', deps.tickMs, 0, async (now) => {
    const r = await deps.engine.tick(now);
    return r?.nextDueAt === undefined ? undefined : r.nextDueAt - deps.clock.now();
  });
  const auditMs = deps.auditMs;
  if (auditMs !== undefined) {
    every('escalation-audit', auditMs, auditMs, async (now) => {
      await deps.engine.audit(now);
      return undefined;
    });
  }

  return {
    async stop() {
      stopped = true;
      for (const j of jobs) j.cancel();
      jobs.clear();
      await Promise.allSettled([...running]);
    },
  };
}
