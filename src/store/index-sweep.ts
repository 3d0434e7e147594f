/**
 * The sweep of a namespace's indexes, batch by batch: the groups hash (groupKey → incident id) and the
 * all-incidents set keep an entry for every incident ever opened until it is removed here, once the
 * incident itself has expired (`incidents.retention` after its resolution). Each walk's cursor is kept
 * in Redis, so a restart, or another replica, goes on where the last batch stopped.
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

export interface SweepBatch {
  /** Entries this batch removed. */
  readonly removed: number;
  /** The walk reached its end: the next batch starts again at the beginning. */
  readonly over: boolean;
}

export class RedisIndexSweep {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Where the groups walk stands ('0': at the beginning). */
  async groupsCursor(): Promise<string> {
    try {
      return (await this.redis.get(this.cursorKey('groups'))) ?? '0';
    } catch (e) {
      throw storeError(e);
    }
  }

  /**
   * One batch of the groups walk from `cursor` (about `batch` fields): the script removes the fields
   * naming an incident that is gone, unless the field names another incident by then. Resolves with
   * the cursor of the next batch ('0': the walk is over).
   */
  async sweepGroups(cursor: string, batch: number): Promise<SweepBatch & { readonly next: string }> {
    const k = this.keys;
    try {
      const [next, flat] = await this.redis.hscan(k.groups, cursor, 'COUNT', batch);
      const removed = (await callScript(this.redis, 'sweepGroups', [k.groups, this.cursorKey('groups')], [k.incidentBase, cursor, next, ...flat])) as number;
      return { removed, over: next === '0', next };
    } catch (e) {
      throw storeError(e);
    }
  }

  /**
   * One batch of the all-incidents walk, oldest first, over the incidents opened at or before
   * `newest` (epoch ms): those whose incident is gone are removed.
   */
  async sweepAll(newest: number, batch: number): Promise<SweepBatch> {
    const k = this.keys;
    try {
      const [removed, over] = (await callScript(this.redis, 'sweepAll', [k.all, this.cursorKey('all')], [k.incidentBase, batch, Math.floor(newest)])) as [number, number];
      return { removed, over: over === 1 };
    } catch (e) {
      throw storeError(e);
    }
  }

  private cursorKey(index: 'groups' | 'all'): string {
    return this.keys.custom(`index-sweep:${index}`);
  }
}
