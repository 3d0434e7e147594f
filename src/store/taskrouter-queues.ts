/**
 * TaskRouter per-queue waiting tasks and available workers in Redis (one Lua step per callback), and the
 * queues with tasks waiting across every workspace, for the periodic re-check.
 */
import type { RedisClient } from './redis.js';
import type { QueueSnapshot, TaskRouterChange, TaskRouterState } from '../domain/taskrouter.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

/** The workspace as it stands in key names (none: `-`). */
const wsKey = (workspace: string): string => encodeURIComponent(workspace || '-');
const wsOf = (key: string): string => (key === '-' ? '' : decodeURIComponent(key));

export class RedisTaskRouterQueues implements TaskRouterState {
  /** @param ttlMs tasks older than this drop out of the counts; idle keys expire after it. */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlMs: number,
  ) {}

  async apply(change: TaskRouterChange, now: number): Promise<QueueSnapshot[]> {
    const ws = wsKey(change.workspace);
    const k = (name: string) => this.keys.custom(`tr:${ws}:${name}`);
    const keys = [k('tasks'), k('workers'), k('names'), this.keys.custom('tr-waiting')];
    const args: (string | number)[] = [k('q:'), change.kind, now, this.ttl(), `${ws}|`];
    if (change.kind === 'task') args.push(change.taskSid, change.queueSid ?? '', change.queueName ?? '', change.waiting ? '1' : '0', Math.round(change.ageSeconds * 1000));
    if (change.kind === 'worker') args.push(change.workerSid, change.available ? '1' : '0');
    const flat = await this.call('applyTaskEvent', keys, args);
    const out: QueueSnapshot[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) out.push(snapshot(change.workspace, flat.slice(i, i + 5)));
    return out;
  }

  async waiting(now: number): Promise<QueueSnapshot[]> {
    const flat = await this.call('readWaitingQueues', [this.keys.custom('tr-waiting')], [this.keys.custom('tr:'), now, this.ttl()]);
    const out: QueueSnapshot[] = [];
    for (let i = 0; i + 5 < flat.length; i += 6) out.push(snapshot(wsOf(String(flat[i])), flat.slice(i + 1, i + 6)));
    return out;
  }

  private ttl(): number {
    return Math.max(1, this.ttlMs);
  }

  private async call(script: string, keys: string[], args: (string | number)[]): Promise<unknown[]> {
    let reply: unknown;
    try {
      reply = await callScript(this.redis, script, keys, args);
    } catch (e) {
      throw storeError(e);
    }
    return Array.isArray(reply) ? (reply as unknown[]) : [];
  }
}

/** queueSid, name ('' = never named), waiting, oldest creation ms ('' = none), available workers. */
function snapshot(workspace: string, [queueSid, name, waiting, oldest, available]: unknown[]): QueueSnapshot {
  const o = String(oldest ?? '');
  return {
    workspace,
    queueSid: String(queueSid),
    queueName: String(name ?? '') || undefined,
    waiting: Number(waiting),
    oldestCreatedAt: o === '' ? undefined : Number(o),
    availableWorkers: Number(available),
  };
}
