/** TaskRouter per-queue waiting tasks and available workers in Redis (one Lua step per callback). */
import type { RedisClient } from './redis.js';
import type { QueueSnapshot, TaskRouterChange, TaskRouterState } from '../domain/taskrouter.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export class RedisTaskRouterQueues implements TaskRouterState {
  /** @param ttlMs tasks older than this drop out of the counts; idle keys expire after it. */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlMs: number,
  ) {}

  async apply(change: TaskRouterChange, now: number): Promise<QueueSnapshot[]> {
    const ws = encodeURIComponent(change.workspace || '-');
    const k = (name: string) => this.keys.custom(`tr:${ws}:${name}`);
    const keys = [k('tasks'), k('workers'), k('names')];
    const args: (string | number)[] = [k('q:'), change.kind, now, Math.max(1, this.ttlMs)];
    if (change.kind === 'task') args.push(change.taskSid, change.queueSid ?? '', change.queueName ?? '', change.waiting ? '1' : '0', Math.round(change.ageSeconds * 1000));
    if (change.kind === 'worker') args.push(change.workerSid, change.available ? '1' : '0');
    let reply: unknown;
    try {
      reply = await callScript(this.redis, 'applyTaskEvent', keys, args);
    } catch (e) {
      throw storeError(e);
    }
    const flat = Array.isArray(reply) ? (reply as unknown[]) : [];
    const out: QueueSnapshot[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      const oldest = String(flat[i + 3] ?? '');
      out.push({
        workspace: change.workspace,
        queueSid: String(flat[i]),
        queueName: String(flat[i + 1] ?? '') || undefined,
        waiting: Number(flat[i + 2]),
        oldestCreatedAt: oldest === '' ? undefined : Number(oldest),
        availableWorkers: Number(flat[i + 4]),
      });
    }
    return out;
  }
}
