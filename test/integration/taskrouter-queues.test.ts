/** The applyTaskEvent Lua script behind RedisTaskRouterQueues, against a real Redis. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRouterChange } from '../../src/domain/taskrouter.js';
import { makeKeys } from '../../src/store/keys.js';
import { registerScripts } from '../../src/store/scripts.js';
import { RedisTaskRouterQueues } from '../../src/store/taskrouter-queues.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const prefix = randomPrefix();
let redis: Redis;
let queues: RedisTaskRouterQueues;
const TTL = 3_600_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
  registerScripts(redis);
  queues = new RedisTaskRouterQueues(redis, makeKeys(prefix, 'live'), TTL);
});
afterAll(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

const task = (taskSid: string, waiting: boolean, queueSid?: string, ageSeconds = 0, queueName?: string): TaskRouterChange => ({
  kind: 'task',
  workspace: 'WS1',
  eventType: 'task.updated',
  taskSid,
  queueSid,
  queueName,
  waiting,
  ageSeconds,
});

describe('RedisTaskRouterQueues', () => {
  it('counts waiting tasks per queue, remembers which queue a task is in and how old the oldest is', async () => {
    expect(await queues.apply(task('WT1', true, 'WQa', 30, 'Sales'), T0)).toEqual([{ workspace: 'WS1', queueSid: 'WQa', queueName: 'Sales', waiting: 1, oldestCreatedAt: T0 - 30_000, availableWorkers: 0 }]);
    expect(await queues.apply(task('WT2', true, 'WQa', 5), T0 + 1_000)).toMatchObject([{ queueName: 'Sales', waiting: 2, oldestCreatedAt: T0 - 30_000 }]);
    // an event without the queue (task.canceled) still finds the task's queue
    expect(await queues.apply(task('WT1', false), T0 + 2_000)).toMatchObject([{ queueSid: 'WQa', waiting: 1, oldestCreatedAt: T0 + 1_000 - 5_000 }]);
  });

  it('a task moving to another queue leaves the first one', async () => {
    const moved = await queues.apply(task('WT2', true, 'WQb', 10, 'Support'), T0 + 3_000);
    expect(moved.map((q) => `${q.queueName}:${q.waiting}`).sort()).toEqual(['Sales:0', 'Support:1']);
    expect(moved.find((q) => q.queueSid === 'WQa')?.oldestCreatedAt).toBeUndefined();
  });

  it('a pending task in no known queue touches nothing', async () => {
    expect(await queues.apply(task('WT9', true), T0)).toEqual([]);
  });

  it('counts available workers of the workspace', async () => {
    await queues.apply({ kind: 'worker', workspace: 'WS1', eventType: 'worker.activity.update', workerSid: 'WK1', available: true }, T0);
    await queues.apply({ kind: 'worker', workspace: 'WS1', eventType: 'worker.activity.update', workerSid: 'WK2', available: true }, T0);
    await queues.apply({ kind: 'worker', workspace: 'WS1', eventType: 'worker.activity.update', workerSid: 'WK1', available: false }, T0);
    expect(await queues.apply(task('WT3', true, 'WQb'), T0 + 4_000)).toMatchObject([{ queueSid: 'WQb', waiting: 2, availableWorkers: 1 }]);
  });

  it('drops tasks nobody heard of for longer than the ttl', async () => {
    const later = T0 + TTL + 60_000;
    expect(await queues.apply(task('WT4', true, 'WQb'), later)).toMatchObject([{ queueSid: 'WQb', waiting: 1, oldestCreatedAt: later }]);
  });

  it('workspaces are separate', async () => {
    const other = await queues.apply({ ...task('WT1', true, 'WQa'), workspace: 'WS2' }, T0);
    expect(other).toMatchObject([{ workspace: 'WS2', waiting: 1, availableWorkers: 0, queueName: undefined }]);
  });
});

describe('RedisTaskRouterQueues.waiting: the queues with tasks waiting, for the re-check', () => {
  const ws = (workspace: string, t: TaskRouterChange) => ({ ...t, workspace }) as TaskRouterChange;
  it('lists every queue of every workspace with tasks waiting and its oldest task; an emptied queue drops out', async () => {
    const q = new RedisTaskRouterQueues(redis, makeKeys(`${prefix}workspaces:`, 'live'), TTL); // its own keys, deleted with the file's
    expect(await q.waiting(T0)).toEqual([]);
    await q.apply(ws('WS1', task('WT1', true, 'WQa', 170, 'Sales')), T0);
    await q.apply(ws('WS1', task('WT2', true, 'WQa', 5)), T0 + 1_000);
    await q.apply(ws('WS 2/x', task('WT3', true, 'WQb', 0)), T0 + 2_000);
    await q.apply(ws('', task('WT4', true, 'WQc', 0)), T0 + 2_000);
    await q.apply({ kind: 'worker', workspace: 'WS1', eventType: 'worker.activity.update', workerSid: 'WK1', available: true }, T0);
    const seen = await q.waiting(T0 + 15_000);
    expect(seen.sort((a, b) => a.queueSid.localeCompare(b.queueSid))).toEqual([
      { workspace: 'WS1', queueSid: 'WQa', queueName: 'Sales', waiting: 2, oldestCreatedAt: T0 - 170_000, availableWorkers: 1 },
      { workspace: 'WS 2/x', queueSid: 'WQb', queueName: undefined, waiting: 1, oldestCreatedAt: T0 + 2_000, availableWorkers: 0 },
      { workspace: '', queueSid: 'WQc', queueName: undefined, waiting: 1, oldestCreatedAt: T0 + 2_000, availableWorkers: 0 },
    ]);
    await q.apply(ws('WS 2/x', task('WT3', false)), T0 + 16_000);
    expect((await q.waiting(T0 + 17_000)).map((x) => x.queueSid).sort()).toEqual(['WQa', 'WQc']);
    // tasks older than the ttl are no longer waiting
    expect(await q.waiting(T0 + TTL + 60_000)).toEqual([]);
  });
});
