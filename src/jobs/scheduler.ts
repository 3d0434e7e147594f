/**
 * Background work driven by node-schedule: the escalation tick (claims whatever is due; never one
 * job per incident) and the auditor (finds stalled escalations). Each is one rolling job that arms
 * its next run when the current one has finished, so runs never overlap.
 */
import schedule from 'node-schedule';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';

export interface SchedulerDeps {
  readonly engine: {
    tick(now: number): Promise<unknown>;
    audit(now: number): Promise<unknown>;
  };
  readonly clock: Clock;
  /** How often the tick runs (ms). */
  readonly tickMs: number;
  /** How often the auditor runs (ms). */
  readonly auditMs: number;
  readonly logger: Logger;
}

export interface Scheduler {
  stop(): Promise<void>;
}

/** Shortest gap between two runs of one job, whatever the (clock-speed scaled) config says. */
const MIN_GAP_MS = 5;

export function startScheduler(deps: SchedulerDeps): Scheduler {
  let stopped = false;
  const jobs = new Set<schedule.Job>();
  const running = new Set<Promise<unknown>>();

  const every = (name: string, intervalMs: number, work: (now: number) => Promise<unknown>) => {
    const gap = Math.max(MIN_GAP_MS, intervalMs);
    const run = () => {
      const p = work(deps.clock.now())
        .catch((e: unknown) => deps.logger.error({ err: e, job: name }, 'scheduled job failed'))
        .finally(() => {
          running.delete(p);
          arm();
        });
      running.add(p);
    };
    const arm = () => {
      if (stopped) return;
      const job = schedule.scheduleJob(new Date(Date.now() + gap), () => {
        jobs.delete(job);
        run();
      });
      // node-schedule refuses a date already past (a slow event loop): run at once rather than stall
      if (job) jobs.add(job);
      else setImmediate(() => {
        if (!stopped) run();
      });
    };
    arm();
  };

  every('escalation-tick', deps.tickMs, (now) => deps.engine.tick(now));
  every('escalation-audit', deps.auditMs, (now) => deps.engine.audit(now));

  return {
    async stop() {
      stopped = true;
      for (const j of jobs) j.cancel();
      jobs.clear();
      await Promise.allSettled([...running]);
    },
  };
}
