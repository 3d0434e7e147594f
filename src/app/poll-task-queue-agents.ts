/**
 * Use case: the agents check for a TaskRouter centre. TaskRouter's callbacks never tell how many agents
 * are logged in on a queue, so each run reads every queue of each workspace mapped in
 * `taskrouter.sites` from the TaskRouter API (its real-time statistics) and judges the agents logged in
 * with evaluateAcd, as an ACD report's `agents_logged_in`: the same business hours and windows, member
 * names, class and all-clears. The figures go through the normal intake, whose dedupe opens one
 * incident however many replicas poll (the others' reports merge as duplicates), and set the queue's
 * agents gauge. An API call that fails is logged and counted and its queues are not judged that round:
 * a failure never resolves a collapse. A call that timed out or found no connection ends the workspace's
 * round (the queues are read one after another, and each would wait out its own timeout).
 * With `rounds`, one replica reads the API each round (`taskrouter.agentsPoll` of real time, whatever
 * TOCSIN_CLOCK_SPEED), so the requests to Twilio do not grow with the replicas; one that dies
 * mid-round leaves it to the next.
 * Each workspace's round, read (at least one of its queues, or its empty list) or not, goes to `watch`,
 * which pages when the poll stays blind (WatchTaskQueuePoll).
 */
import type { DaemonConfig, SourcesConfig } from '../config/schema.js';
import type { OnceClaims } from '../domain/ports.js';
import { evaluateAcd } from '../domain/acd.js';
import { queueAgentsInput, staffedQueue, TaskRouterApiError, type TaskQueueRef, type TaskQueueStatsSource, type TaskQueueWorkers, type TaskRouterFailure } from '../domain/taskrouter-agents.js';
import type { PollFailure } from '../domain/taskrouter-blind.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { mirrorAcd } from './acd-gauges.js';
import type { IngestEvents, IngestResult } from './ingest-event.js';
import { inClaimedRound } from './claimed-round.js';
import type { TelemetryMirror } from './telemetry-mirror.js';
import type { WatchTaskQueuePoll } from './watch-task-queue-poll.js';

/** Failures that mean the API is out of reach: the workspace's other queues would fail the same way, each after its timeout. */
const UNREACHABLE: ReadonlySet<TaskRouterFailure> = new Set(['timeout', 'network']);

export interface PollTaskQueueAgentsDeps {
  readonly api: TaskQueueStatsSource;
  readonly ingest: Pick<IngestEvents, 'ingest'>;
  readonly sources: SourcesConfig;
  readonly businessHours: DaemonConfig['businessHours'];
  /** The ACD gauges (the same on every replica). */
  readonly telemetry: Pick<TelemetryMirror, 'record'>;
  readonly metrics: Pick<Metrics, 'taskRouterPollFailures'>;
  readonly logger: Logger;
  /** Claims of a round across replicas (none: every replica polls every round). */
  readonly rounds?: OnceClaims | undefined;
  /** Told each workspace's round: the poll failing too long is an incident (none: not watched). */
  readonly watch?: Pick<WatchTaskQueuePoll, 'failed' | 'read'> | undefined;
}

export class PollTaskQueueAgents {
  constructor(private readonly deps: PollTaskQueueAgentsDeps) {}

  /** One poll at `now` (none when another replica has this round); resolves with what the intake made of the figures read. */
  async run(now: number): Promise<IngestResult[]> {
    const { rounds } = this.deps;
    if (!rounds) return this.poll(now);
    // a round is `agentsPoll` of real time, as the job's cadence (see claimed-round.ts)
    return inClaimedRound(rounds, this.deps.sources.taskrouter.agentsPoll, now, () => this.poll(now), []);
  }

  private async poll(now: number): Promise<IngestResult[]> {
    const { watch } = this.deps;
    const results: IngestResult[] = [];
    for (const workspace of Object.keys(this.deps.sources.taskrouter.sites)) {
      const failure = await this.pollWorkspace(workspace, now, results);
      if (watch) results.push(...(await (failure ? watch.failed(workspace, failure, now) : watch.read(workspace, now))));
    }
    return results;
  }

  /** One workspace's round, its queues' figures judged into `results`: how it failed when nothing of it was read. */
  private async pollWorkspace(workspace: string, now: number, results: IngestResult[]): Promise<PollFailure | undefined> {
    const { ingest, sources, businessHours, telemetry } = this.deps;
    const tr = sources.taskrouter;
    const queues = await this.attempt(() => this.deps.api.queues(workspace), workspace, undefined);
    if (!queues.ok) return queues.failed;
    // a workspace without queues was read all the same
    let failure: PollFailure | undefined;
    let read = queues.ok.length === 0;
    for (const queue of queues.ok) {
      const workers = await this.attempt(() => this.deps.api.workers(workspace, queue.sid), workspace, queue);
      if (!workers.ok) {
        failure = workers.failed;
        if (failure && UNREACHABLE.has(failure.reason)) break;
        continue;
      }
      read = true;
      if (!staffedQueue(workers.ok, sources.acd.agentsCollapse.loggedInBelow)) continue;
      const input = queueAgentsInput(workspace, queue, workers.ok, tr, now);
      const events = evaluateAcd(input, sources.acd, businessHours, now);
      // a staffed queue's figure is an all-clear: with nothing open it is not counted as an event
      results.push(...(await ingest.ingest(events, { quietClears: true })));
      await mirrorAcd(telemetry, input.site, input.queue ?? '', input.metrics ?? {});
    }
    return read ? undefined : failure;
  }

  /** The call's answer, or why it failed (logged and counted). */
  private async attempt<T extends TaskQueueRef[] | TaskQueueWorkers>(call: () => Promise<T>, workspace: string, queue: TaskQueueRef | undefined): Promise<{ ok?: T; failed?: PollFailure }> {
    try {
      return { ok: await call() };
    } catch (e) {
      const err = e instanceof TaskRouterApiError ? e : undefined;
      const reason = err?.reason ?? 'other';
      this.deps.metrics.taskRouterPollFailures.inc({ reason });
      this.deps.logger.warn(
        {
          workspaceSid: workspace,
          ...(queue ? { taskQueueSid: queue.sid } : {}),
          reason,
          httpStatus: err?.status ?? null,
          providerCode: err?.code ?? null,
          ...(err ? {} : { err: { message: e instanceof Error ? e.message : String(e) } }),
        },
        queue
          ? UNREACHABLE.has(reason)
            ? 'TaskRouter queue statistics not read: the API did not answer, the workspace is not judged further this round'
            : 'TaskRouter queue statistics not read: the queue is not judged this round'
          : 'TaskRouter queues not listed: the workspace is not judged this round',
      );
      return { failed: { reason, status: err?.status } };
    }
  }
}
