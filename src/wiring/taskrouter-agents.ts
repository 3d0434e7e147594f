/**
 * The TaskRouter agents poll, when it can run: `taskrouter.agentsPoll` over 0, a workspace in
 * `taskrouter.sites`, and TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to read the API with. Says at start-up
 * whether it runs, and warns when workspaces are mapped but the credentials are missing.
 */
import { PollTaskQueueAgents } from '../app/poll-task-queue-agents.js';
import { WatchTaskQueuePoll } from '../app/watch-task-queue-poll.js';
import type { IngestEvents } from '../app/ingest-event.js';
import type { TelemetryMirror } from '../app/telemetry-mirror.js';
import { TwilioTaskQueueStats } from '../channels/twilio/taskrouter-stats.js';
import type { OnceClaims } from '../domain/ports.js';
import type { PollFailureStore } from '../domain/taskrouter-blind.js';
import type { DaemonCore } from './daemon-core.js';

/** `rounds`: the claims of each round across replicas; `failures`: the shared record of failed rounds (the poll gone blind). */
export function buildTaskQueueAgents(
  core: Pick<DaemonCore, 'env' | 'config' | 'logger' | 'metrics'>,
  ingest: IngestEvents,
  telemetry: TelemetryMirror,
  rounds: OnceClaims,
  failures: PollFailureStore,
): PollTaskQueueAgents | undefined {
  const { env, config, logger, metrics } = core;
  const tr = config.sources.taskrouter;
  const workspaces = Object.keys(tr.sites).length;
  if (workspaces === 0) return undefined;
  if (tr.agentsPoll <= 0) {
    logger.info({ workspaces }, 'TaskRouter agents poll off (taskrouter.agentsPoll is 0): TaskRouter queues have no agents check');
    return undefined;
  }
  if (!env.twilioApi) {
    logger.warn({ workspaces }, 'TaskRouter agents poll off: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to read the TaskRouter API, so TaskRouter queues have no agents check');
    return undefined;
  }
  logger.info({ workspaces, everyMs: tr.agentsPoll, timeoutMs: tr.timeout, blindAfterMs: tr.blind.after }, 'TaskRouter agents poll');
  return new PollTaskQueueAgents({
    api: new TwilioTaskQueueStats(env.twilioApi, { timeoutMs: tr.timeout }),
    ingest,
    sources: config.sources,
    businessHours: config.daemon.businessHours,
    telemetry,
    metrics,
    logger,
    rounds,
    watch: new WatchTaskQueuePoll({ store: failures, ingest, taskrouter: tr, businessHours: config.daemon.businessHours, logger }),
  });
}
