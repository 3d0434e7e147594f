/** node-schedule drives the heartbeat check: one rolling job, re-armed when a run has finished. */
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import { startRollingJob, type RollingJob } from './rolling-job.js';

export type HeartbeatJob = RollingJob;

export function startHeartbeatJob(deps: { check(now: number): Promise<unknown>; clock: Clock; everyMs: number; logger: Logger }): HeartbeatJob {
  return startRollingJob({ name: 'heartbeat-check', run: (now) => deps.check(now), clock: deps.clock, everyMs: deps.everyMs, logger: deps.logger });
}
