/**
 * The agents logged in on a TaskRouter queue, from its real-time statistics. TaskRouter's callbacks never
 * tell them, so the daemon polls the API; the figure is judged by evaluateAcd's agents check, exactly
 * like an ACD report's `agents_logged_in`. Pure: the API sits behind the TaskQueueStatsSource port.
 */
import type { AcdInput } from './acd.js';
import { taskRouterSite, type TaskRouterConfig } from './taskrouter.js';

/** One queue of a workspace, as the TaskQueues list names it. */
export interface TaskQueueRef {
  readonly sid: string;
  readonly name: string;
}

/** What a queue's RealTimeStatistics tell of its workers. */
export interface TaskQueueWorkers {
  /** Workers the queue could route to, whatever their activity (total_eligible_workers). */
  readonly eligible: number | undefined;
  /** Workers free to take a task now (total_available_workers). */
  readonly available: number | undefined;
  /** The eligible workers per activity (activity_statistics). */
  readonly activities: readonly { readonly name: string; readonly workers: number }[];
}

/** Why a TaskRouter API call failed, for the log and the failure counter. */
export const TASKROUTER_FAILURES = ['auth', 'not_found', 'rate_limited', 'server', 'client', 'timeout', 'network', 'other'] as const;
export type TaskRouterFailure = (typeof TASKROUTER_FAILURES)[number];

/** A TaskRouter API call that failed; `reason` says how, `status` and `code` are Twilio's answer when there was one. */
export class TaskRouterApiError extends Error {
  constructor(
    readonly reason: TaskRouterFailure,
    readonly status: number | undefined,
    readonly code: number | string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`TaskRouter API call failed (${reason}${status !== undefined ? `, HTTP ${status}` : ''}${code !== undefined ? `, code ${code}` : ''})`, options);
    this.name = 'TaskRouterApiError';
  }
}

/** Port: the TaskRouter REST API, read-only. Each call may throw (TaskRouterApiError when it can tell why). */
export interface TaskQueueStatsSource {
  /** Every queue of the workspace. */
  queues(workspace: string): Promise<TaskQueueRef[]>;
  /** A queue's real-time worker figures. */
  workers(workspace: string, queueSid: string): Promise<TaskQueueWorkers>;
}

/**
 * Agents logged in: the eligible workers in no offline activity. Without total_eligible_workers, the sum
 * of the other activities' workers.
 */
export function agentsLoggedIn(w: TaskQueueWorkers, offlineActivities: readonly string[]): number {
  const offline = new Set(offlineActivities.map((a) => a.toLowerCase()));
  const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  const loggedOff = w.activities.filter((a) => offline.has(a.name.toLowerCase())).reduce((n, a) => n + count(a.workers), 0);
  if (w.eligible !== undefined && Number.isFinite(w.eligible)) return Math.max(0, count(w.eligible) - loggedOff);
  return w.activities.filter((a) => !offline.has(a.name.toLowerCase())).reduce((n, a) => n + count(a.workers), 0);
}

/**
 * Whether a queue is judged at all: one with fewer eligible workers than the floor could never have
 * enough agents logged in (a queue for two specialists, an overflow queue nobody staffs), and would
 * page every business day. Its figures are left out.
 */
export function staffedQueue(w: TaskQueueWorkers, floor: number): boolean {
  return w.eligible === undefined || w.eligible >= floor;
}

/** A queue's agents in the ACD input shape: evaluateAcd's agents check judges them like an ACD report's. */
export function queueAgentsInput(workspace: string, queue: TaskQueueRef, w: TaskQueueWorkers, cfg: TaskRouterConfig, now: number): AcdInput {
  return {
    site: taskRouterSite(workspace, cfg),
    queue: queue.name || queue.sid,
    at: now,
    source: 'taskrouter',
    metrics: { agents_logged_in: agentsLoggedIn(w, cfg.offlineActivities), ...(w.available !== undefined ? { agents_available: w.available } : {}) },
    extra: { workspaceSid: workspace, taskQueueSid: queue.sid },
  };
}
