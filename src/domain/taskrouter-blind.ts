/**
 * The TaskRouter agents poll gone blind: a workspace whose every request failed round after round
 * (credentials revoked, the API out of reach) has no agents check at all, so an outage of its agents
 * would never be paged. Failing for `taskrouter.blind.after` opens an incident of its own; the first
 * round that reads the workspace again resolves it. Pure: the events, and the port of the shared
 * record of failures (Redis) that makes each step happen once across replicas.
 */
import { clampLevel, type NormalizedEvent } from './event.js';
import { formatSilence } from './heartbeat.js';
import { taskRouterSite, type TaskRouterConfig } from './taskrouter.js';
import type { TaskRouterFailure } from './taskrouter-agents.js';

/** How a workspace's round failed: the last failure of it. */
export interface PollFailure {
  readonly reason: TaskRouterFailure;
  /** Twilio's HTTP status, when it answered. */
  readonly status?: number | undefined;
}

/** Where the runs of failed rounds are kept, per workspace (Redis). Every change is atomic. */
export interface PollFailureStore {
  /**
   * A round of `workspace` failed at `now`. `since`: the first failed round of this run of failures.
   * `open`: true for the one caller that must open the incident now (failing for `afterMs` or more and
   * not opened yet; never with `afterMs` 0).
   */
  failed(workspace: string, now: number, afterMs: number): Promise<{ readonly since: number; readonly open: boolean }>;
  /** Opening failed: the next failed round opens it again. */
  unopen(workspace: string): Promise<void>;
  /**
   * A round read `workspace`: its run of failures is over. The start of that run (`since`) for the one
   * caller that must resolve the incident it opened; undefined when none was opened.
   */
  read(workspace: string): Promise<number | undefined>;
  /** Resolving failed: the incident's mark (opened for the run since `since`) is put back, for the next read. */
  reopen(workspace: string, since: number): Promise<void>;
}

/** `taskrouter:<WorkspaceSid>:poll`: one member per workspace. */
export function pollMember(workspace: string): string {
  return `taskrouter:${workspace}:poll`;
}

/** The firing event of a workspace whose poll has failed since `since` (`after`: taskrouter.blind.after, as configured). */
export function blindEvent(workspace: string, since: number, failure: PollFailure, cfg: TaskRouterConfig, now: number): NormalizedEvent {
  const member = pollMember(workspace);
  const site = taskRouterSite(workspace, cfg);
  const why = `${failure.reason}${failure.status !== undefined ? `, HTTP ${failure.status}` : ''}`;
  return {
    source: 'taskrouter',
    class: cfg.blind.class,
    site,
    level: clampLevel(cfg.blind.level),
    status: 'firing',
    member,
    eventKey: `${member}:blind:${since}`,
    groupHint: member,
    summary: `TaskRouter agents poll failing for ${formatSilence(now - since)} for workspace ${workspace} (${site}; last failure: ${why}): no TaskRouter queue's agents logged in are checked`,
    at: now,
    labels: { taskrouter: 'poll', workspace },
    details: { workspaceSid: workspace, failingSince: new Date(since).toISOString(), blindAfterSeconds: Math.round(cfg.blind.after / 1000), reason: failure.reason, httpStatus: failure.status ?? null },
    drill: false,
  };
}

/** The resolving event: the poll read the workspace again. */
export function sightEvent(workspace: string, since: number, cfg: TaskRouterConfig, now: number): NormalizedEvent {
  const member = pollMember(workspace);
  const site = taskRouterSite(workspace, cfg);
  return {
    source: 'taskrouter',
    class: cfg.blind.class,
    site,
    level: clampLevel(cfg.blind.level),
    status: 'resolved',
    member,
    eventKey: `${member}:read:${now}`,
    groupHint: member,
    summary: `TaskRouter agents poll reading workspace ${workspace} again (${site}) after ${formatSilence(now - since)} of failures`,
    at: now,
    labels: { taskrouter: 'poll', workspace },
    details: { workspaceSid: workspace, failingSince: new Date(since).toISOString() },
    drill: false,
  };
}
