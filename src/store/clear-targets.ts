/** Whether all-clears would find anything to clear (findClearTargets, one read, nothing written). */
import type { ClearTarget, ClearTargets } from '../domain/ports.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export class RedisClearTargets implements ClearTargets {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async held(targets: readonly ClearTarget[]): Promise<{ held: boolean; id: string }[]> {
    if (targets.length === 0) return [];
    let flat: (string | number)[];
    try {
      flat = (await callScript(this.redis, 'findClearTargets', [this.keys.groups], [this.keys.incidentBase, ...targets.flatMap((t) => [t.groupKey, t.member])])) as (string | number)[];
    } catch (e) {
      throw storeError(e);
    }
    return targets.map((_, i) => ({ held: Number(flat[2 * i]) === 1, id: String(flat[2 * i + 1] ?? '') }));
  }
}
