/**
 * The runs of failed TaskRouter agents poll rounds, per workspace, in one Redis hash: when each run
 * began, and whether its incident was opened. Shared by every replica, so whichever polls a round
 * opens or resolves the incident once.
 */
import type { PollFailureStore } from '../domain/taskrouter-blind.js';
import type { Keys } from './keys.js';
import { storeError, type RedisClient } from './redis.js';
import { callScript } from './scripts.js';

export class RedisTaskRouterPollFailures implements PollFailureStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
  ) {
    this.key = keys.custom('taskrouter:poll-failures');
  }

  async failed(workspace: string, now: number, afterMs: number): Promise<{ since: number; open: boolean }> {
    try {
      const r = (await callScript(this.redis, 'failTaskrouterPoll', [this.key], [workspace, Math.round(now), Math.max(0, Math.round(afterMs))])) as [number, number];
      return { since: Number(r[0]), open: Number(r[1]) === 1 };
    } catch (e) {
      throw storeError(e);
    }
  }

  async unopen(workspace: string): Promise<void> {
    try {
      await this.redis.hdel(this.key, `open:${workspace}`);
    } catch (e) {
      throw storeError(e);
    }
  }

  async read(workspace: string): Promise<number | undefined> {
    try {
      const r = Number(await callScript(this.redis, 'readTaskrouterPoll', [this.key], [workspace]));
      return r >= 0 ? r : undefined;
    } catch (e) {
      throw storeError(e);
    }
  }

  async reopen(workspace: string, since: number): Promise<void> {
    try {
      await this.redis.hset(this.key, `open:${workspace}`, String(Math.round(since)));
    } catch (e) {
      throw storeError(e);
    }
  }
}
