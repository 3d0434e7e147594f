/** node-schedule drives one periodic check: one rolling job, re-armed when a run has finished (runs never overlap). */
import schedule from 'node-schedule';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';

export interface RollingJob {
  stop(): Promise<void>;
}

export interface RollingJobDeps {
  /** Named in the log when a run fails. */
  readonly name: string;
  run(now: number): Promise<unknown>;
  readonly clock: Clock;
  /** Real ms between the end of a run and the start of the next. */
  readonly everyMs: number;
  readonly logger: Logger;
}

export function startRollingJob(deps: RollingJobDeps): RollingJob {
  let stopped = false;
  let job: schedule.Job | null = null;
  let running: Promise<unknown> | undefined;
  const gap = Math.max(5, deps.everyMs);
  const arm = () => {
    if (stopped) return;
    job = schedule.scheduleJob(new Date(Date.now() + gap), () => {
      job = null;
      running = deps
        .run(deps.clock.now())
        .catch((e: unknown) => deps.logger.error({ err: e, job: deps.name }, 'scheduled job failed'))
        .finally(arm);
    });
    if (!job) setTimeout(arm, gap);
  };
  arm();
  return {
    async stop() {
      stopped = true;
      job?.cancel();
      await running;
    },
  };
}
