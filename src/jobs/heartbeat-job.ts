/** node-schedule drives the heartbeat check: one rolling job, re-armed when a run has finished. */
import schedule from 'node-schedule';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';

export interface HeartbeatJob {
  stop(): Promise<void>;
}

export function startHeartbeatJob(deps: { check(now: number): Promise<unknown>; clock: Clock; everyMs: number; logger: Logger }): HeartbeatJob {
  let stopped = false;
  let job: schedule.Job | null = null;
  let running: Promise<unknown> | undefined;
  const gap = Math.max(5, deps.everyMs);
  const arm = () => {
    if (stopped) return;
    job = schedule.scheduleJob(new Date(Date.now() + gap), () => {
      job = null;
      running = deps
        .check(deps.clock.now())
        .catch((e: unknown) => deps.logger.error({ err: e, job: 'heartbeat-check' }, 'scheduled job failed'))
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
