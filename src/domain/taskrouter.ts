/**
 * Twilio TaskRouter event callbacks → the ACD picture (tasks waiting per queue, longest wait, available
 * workers). Pure: each callback is one task or worker change; the per-queue counts live behind the
 * TaskRouterState port (Redis), and the resulting figures are judged by evaluateAcd.
 */
import type { SourcesConfig } from '../config/schema.js';
import type { AcdInput } from './acd.js';

export type TaskRouterConfig = SourcesConfig['taskrouter'];
export type TaskRouterParams = Readonly<Record<string, string | readonly string[] | undefined>>;

export type TaskRouterChange =
  | {
      readonly kind: 'task';
      readonly workspace: string;
      readonly eventType: string;
      readonly taskSid: string;
      /** The queue the event names (TaskQueueSid), if any; otherwise the queue the task was last seen in. */
      readonly queueSid: string | undefined;
      readonly queueName: string | undefined;
      /** True while the task waits for an agent (pending or reserved). */
      readonly waiting: boolean;
      /** Seconds since the task was created, as TaskRouter reported it. */
      readonly ageSeconds: number;
    }
  | { readonly kind: 'worker'; readonly workspace: string; readonly eventType: string; readonly workerSid: string; readonly available: boolean }
  | { readonly kind: 'other'; readonly workspace: string; readonly eventType: string };

/** One queue after a change, as kept in the store. */
export interface QueueSnapshot {
  readonly workspace: string;
  readonly queueSid: string;
  readonly queueName: string | undefined;
  readonly waiting: number;
  /** Epoch ms the longest-waiting task was created (undefined: nobody waits). */
  readonly oldestCreatedAt: number | undefined;
  readonly availableWorkers: number;
}

/** Port: per-queue waiting tasks and available workers, applied atomically per change. */
export interface TaskRouterState {
  /** Applies one change; returns the queues it touched, after the change. */
  apply(change: TaskRouterChange, now: number): Promise<QueueSnapshot[]>;
  /** Every queue (of every workspace) with tasks waiting at `now`, for the periodic re-check. */
  waiting(now: number): Promise<QueueSnapshot[]>;
}

function one(params: TaskRouterParams, name: string): string | undefined {
  const v = params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

const TASK_GONE = new Set(['task.canceled', 'task.completed', 'task.deleted', 'task.system-deleted', 'task.wrapup', 'task-queue.timeout', 'reservation.accepted']);
const TASK_QUEUED = new Set(['task-queue.entered', 'task-queue.moved']);
const WAITING_STATUSES = new Set(['pending', 'reserved']);

/** Reads one callback. Unknown or irrelevant event types become `other` (accepted, nothing to count). */
export function parseTaskRouterEvent(params: TaskRouterParams, cfg: TaskRouterConfig): TaskRouterChange {
  const eventType = one(params, 'EventType') ?? '';
  const workspace = one(params, 'WorkspaceSid') ?? '';
  const taskSid = one(params, 'TaskSid');
  if (taskSid && (eventType.startsWith('task') || eventType.startsWith('reservation.'))) {
    const status = one(params, 'TaskAssignmentStatus');
    const waiting = TASK_GONE.has(eventType) ? false : TASK_QUEUED.has(eventType) ? true : status !== undefined ? WAITING_STATUSES.has(status) : undefined;
    if (waiting !== undefined) {
      const age = Number(one(params, 'TaskAge') ?? '0');
      return {
        kind: 'task',
        workspace,
        eventType,
        taskSid,
        queueSid: one(params, 'TaskQueueSid'),
        queueName: one(params, 'TaskQueueName'),
        waiting,
        ageSeconds: Number.isFinite(age) && age > 0 ? age : 0,
      };
    }
  }
  const workerSid = one(params, 'WorkerSid');
  const activity = one(params, 'WorkerActivityName');
  if (workerSid && activity && eventType.startsWith('worker.')) {
    const available = cfg.availableActivities.some((a) => a.toLowerCase() === activity.toLowerCase());
    return { kind: 'worker', workspace, eventType, workerSid, available };
  }
  return { kind: 'other', workspace, eventType };
}

export function taskRouterSite(workspace: string, cfg: TaskRouterConfig): string {
  return cfg.sites[workspace] ?? cfg.defaultSite;
}

/** A queue's figures in the ACD input shape (evaluateAcd judges them like any ACD's). */
export function queueAcdInput(q: QueueSnapshot, cfg: TaskRouterConfig, now: number): AcdInput {
  const longest = q.oldestCreatedAt === undefined ? 0 : Math.max(0, Math.round((now - q.oldestCreatedAt) / 1000));
  return {
    site: taskRouterSite(q.workspace, cfg),
    queue: q.queueName ?? q.queueSid,
    at: now,
    source: 'taskrouter',
    metrics: { calls_waiting: q.waiting, longest_wait_seconds: longest, agents_available: q.availableWorkers },
    extra: { workspaceSid: q.workspace, taskQueueSid: q.queueSid },
  };
}
