/**
 * node-schedule drives one periodic job: a rolling job, re-armed when a run has finished (runs never
 * overlap). Every job of the daemon is one: the escalation tick and auditor, the heartbeat check, the
 * TaskRouter re-check. A run may ask for the next one sooner than `everyMs` (the tick wakes for a step
 * due before the next regular tick), and no run starts once stop() was called.
 */
import schedule from 'node-schedule';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';

export interface RollingJob {
  /** No run starts after this; resolves once the run under way (if any) has finished. */
  stop(): Promise<void>;
}

export interface RollingJobDeps<T = unknown> {
  /** Named in the log when a run fails. */
  readonly name: string;
  run(now: number): Promise<T>;
  readonly clock: Clock;
  /** Real ms between the end of a run and the start of the next. */
  readonly everyMs: number;
  /** Real ms before the first run (default `everyMs`; 0: at once). */
  readonly firstMs?: number | undefined;
  /**
   * From a run's result: real ms until the job wants to run again, when sooner than `everyMs`
   * (undefined: at the regular time). Never sooner than MIN_WAKE_MS, so a job cannot spin.
   */
  readonly sooner?: ((result: T) => number | undefined) | undefined;
  readonly logger: Logger;
}

/** Shortest gap between two runs of one job, whatever the (clock-speed scaled) config says. */
const MIN_GAP_MS = 5;
/** Shortest wait when a run asks for the next one sooner than `everyMs` (at once included). */
const MIN_WAKE_MS = 20;

export function startRollingJob<T>(deps: RollingJobDeps<T>): RollingJob {
  let stopped = false;
  let job: schedule.Job | null = null;
  let running: Promise<void> | undefined;

  const run = () => {
    // a job node-schedule had already set off when it was cancelled: stopped means no new run
    if (stopped) return;
    running = deps
      .run(deps.clock.now())
      .then(
        (result) => deps.sooner?.(result),
        (e: unknown) => {
          deps.logger.error({ err: e, job: deps.name }, 'scheduled job failed');
          return undefined;
        },
      )
      .then((soonerMs) => {
        running = undefined;
        arm(soonerMs === undefined ? deps.everyMs : Math.min(deps.everyMs, Math.max(MIN_WAKE_MS, soonerMs)));
      });
  };

  const arm = (waitMs: number) => {
    if (stopped) return;
    const armed = schedule.scheduleJob(new Date(Date.now() + Math.max(MIN_GAP_MS, waitMs)), () => {
      job = null;
      run();
    });
    job = armed;
    // node-schedule refuses a date already past (a slow event loop): run at once rather than stall
    if (!armed) setImmediate(run);
  };

  arm(deps.firstMs ?? deps.everyMs);
  return {
    async stop() {
      stopped = true;
      job?.cancel();
      job = null;
      await running;
    },
  };
}
