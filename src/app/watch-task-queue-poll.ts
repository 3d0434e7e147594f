/**
 * Use case: watch the TaskRouter agents poll itself. A failed round is only logged and counted, so a
 * poll that can never read a workspace (credentials revoked, the API out of reach) would leave its
 * queues without any agents check and tell nobody. Each round's outcome per workspace goes here: a
 * workspace read nothing of for `taskrouter.blind.after` opens an incident through the normal intake
 * (`taskrouter.blind.class`, member `taskrouter:<WorkspaceSid>:poll`), and the first round that reads
 * it again resolves it. The record of failures is shared in Redis, so whichever replica polls a round
 * opens or resolves the incident, once. With `blind.during: business_hours` (as shipped) it opens only
 * within business hours, when the agents check is wanted: a poll blind overnight opens it at the first
 * failed round after the opening.
 */
import { withinBusinessHours, type BusinessHours } from '../domain/business-hours.js';
import type { TaskRouterConfig } from '../domain/taskrouter.js';
import { blindEvent, sightEvent, type PollFailure, type PollFailureStore } from '../domain/taskrouter-blind.js';
import type { Logger } from '../telemetry/logger.js';
import type { IngestEvents, IngestResult } from './ingest-event.js';

export interface WatchTaskQueuePollDeps {
  readonly store: PollFailureStore;
  readonly ingest: Pick<IngestEvents, 'ingest'>;
  readonly taskrouter: TaskRouterConfig;
  readonly businessHours: BusinessHours;
  readonly logger: Logger;
}

export class WatchTaskQueuePoll {
  constructor(private readonly deps: WatchTaskQueuePollDeps) {}

  /** A round read nothing of `workspace`: once failing for blind.after, the incident is opened (once). */
  async failed(workspace: string, failure: PollFailure, now: number): Promise<IngestResult[]> {
    const { store, taskrouter } = this.deps;
    const { blind } = taskrouter;
    // out of hours the run of failures is kept (its start), and nothing opens: afterMs 0
    const wanted = blind.during === 'always' || withinBusinessHours(this.deps.businessHours, now);
    const { since, open } = await store.failed(workspace, now, wanted ? blind.after : 0);
    if (!open) return [];
    this.deps.logger.warn(
      { workspaceSid: workspace, failingSince: new Date(since).toISOString(), reason: failure.reason, httpStatus: failure.status ?? null },
      'TaskRouter agents poll blind: the workspace has not been read for taskrouter.blind.after, its queues have no agents check',
    );
    try {
      return await this.deps.ingest.ingest([blindEvent(workspace, since, failure, taskrouter, now)]);
    } catch (e) {
      // not opened after all: the next failed round tries again
      await store.unopen(workspace).catch(() => undefined);
      throw e;
    }
  }

  /** A round read `workspace`: an incident opened for its failures is resolved (once). */
  async read(workspace: string, now: number): Promise<IngestResult[]> {
    const { store, taskrouter } = this.deps;
    const since = await store.read(workspace);
    if (since === undefined) return [];
    this.deps.logger.info({ workspaceSid: workspace, failingSince: new Date(since).toISOString() }, 'TaskRouter agents poll reading the workspace again');
    try {
      return await this.deps.ingest.ingest([sightEvent(workspace, since, taskrouter, now)]);
    } catch (e) {
      // still open: the next round that reads the workspace resolves it
      await store.reopen(workspace, since).catch(() => undefined);
      throw e;
    }
  }
}
