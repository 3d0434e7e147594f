/**
 * The watch of the TaskRouter agents poll (WatchTaskQueuePoll) on the Redis record of failed rounds
 * (RedisTaskRouterPollFailures, real Redis): each run of failures opens its incident once, however
 * many callers race for it, and a read resolves it once; a step whose intake failed is done again.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchTaskQueuePoll } from '../../src/app/watch-task-queue-poll.js';
import type { IngestResult } from '../../src/app/ingest-event.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { NormalizedEvent } from '../../src/domain/event.js';
import { makeKeys } from '../../src/store/keys.js';
import { registerScripts } from '../../src/store/scripts.js';
import { RedisTaskRouterPollFailures } from '../../src/store/taskrouter-poll-failures.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const prefix = randomPrefix();
let redis: Redis;
const T0 = Date.parse('2026-11-23T04:00:00Z');
const MIN = 60_000;
const shipped = loadConfig('config');
// judged at any hour here: the hours are the daemon's concern (taskrouter-agents-poll.test.ts)
const taskrouter = { ...shipped.sources.taskrouter, sites: { WS1: 'hq', WS2: 'branch' }, blind: { ...shipped.sources.taskrouter.blind, during: 'always' as const } };

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
  registerScripts(redis);
});
afterAll(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

/** A watch on its own keys, whose intake records the events (and fails while `down`). */
function watch(ns = randomPrefix()) {
  const sent: NormalizedEvent[] = [];
  const state = { down: false };
  const w = new WatchTaskQueuePoll({
    store: new RedisTaskRouterPollFailures(redis, makeKeys(`${prefix}${ns}`, 'live')),
    ingest: {
      ingest: async (events: readonly NormalizedEvent[]) => {
        if (state.down) throw new Error('Redis down');
        sent.push(...events);
        return events.map((event) => ({ event, outcome: { kind: 'opened', id: 'x' } }) as unknown as IngestResult);
      },
    },
    taskrouter,
    businessHours: shipped.daemon.businessHours,
    logger: pino({ level: 'silent' }),
  });
  return { w, sent, state };
}

const auth = { reason: 'auth', status: 401 } as const;

describe('WatchTaskQueuePoll', () => {
  it('opens once per run of failures, per workspace, and resolves once on the first read', async () => {
    const { w, sent } = watch();
    for (let m = 0; m < 5; m++) expect(await w.failed('WS1', auth, T0 + m * MIN)).toEqual([]);
    await w.failed('WS2', auth, T0 + 4 * MIN);
    expect(await w.failed('WS1', auth, T0 + 5 * MIN)).toHaveLength(1);
    expect(await w.failed('WS1', auth, T0 + 6 * MIN)).toEqual([]);
    expect(sent.map((e) => [e.member, e.status, e.site, e.eventKey])).toEqual([['taskrouter:WS1:poll', 'firing', 'hq', `taskrouter:WS1:poll:blind:${T0}`]]);
    expect(await w.read('WS2', T0 + 6 * MIN)).toEqual([]); // never opened: nothing to resolve
    expect(await w.read('WS1', T0 + 7 * MIN)).toHaveLength(1);
    expect(await w.read('WS1', T0 + 8 * MIN)).toEqual([]);
    expect(sent.map((e) => `${e.member}:${e.status}`)).toEqual(['taskrouter:WS1:poll:firing', 'taskrouter:WS1:poll:resolved']);
    expect(sent[1]?.summary).toBe('TaskRouter agents poll reading workspace WS1 again (hq) after 7m of failures');
  });

  it('callers racing over one round open and resolve once between them', async () => {
    const ns = randomPrefix();
    const watches = [watch(ns), watch(ns), watch(ns)];
    const [first] = watches;
    await first?.w.failed('WS1', auth, T0);
    await Promise.all(watches.map((x) => x.w.failed('WS1', auth, T0 + 5 * MIN)));
    await Promise.all(watches.map((x) => x.w.read('WS1', T0 + 6 * MIN)));
    expect(watches.flatMap((x) => x.sent.map((e) => e.status)).sort()).toEqual(['firing', 'resolved']);
  });

  it('an opening or a resolution whose intake failed is done again at the next round', async () => {
    const { w, sent, state } = watch();
    await w.failed('WS1', auth, T0);
    state.down = true;
    await expect(w.failed('WS1', auth, T0 + 5 * MIN)).rejects.toThrow('Redis down');
    state.down = false;
    expect(await w.failed('WS1', auth, T0 + 6 * MIN)).toHaveLength(1);
    state.down = true;
    await expect(w.read('WS1', T0 + 7 * MIN)).rejects.toThrow('Redis down');
    state.down = false;
    expect(await w.read('WS1', T0 + 8 * MIN)).toHaveLength(1);
    expect(sent.map((e) => e.status)).toEqual(['firing', 'resolved']);
    expect(sent[0]?.summary).toContain('failing for 6m');
  });
});
