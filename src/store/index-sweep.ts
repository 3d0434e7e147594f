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
   * One batch of the groups walk from `cursor` (about `batch` fields): the fields naming an incident
   * that is gone are removed, unless the field names another incident by then. Resolves with the
   * cursor of the next batch ('0': the walk is over).
   */
  async sweepGroups(cursor: string, batch: number): Promise<SweepBatch & { readonly next: string }> {
    const k = this.keys;
    try {
      const [next, flat] = await this.redis.hscan(k.groups, cursor, 'COUNT', batch);
      const gone: string[] = [];
      if (flat.length > 0) {
        const ids = flat.filter((_, i) => i % 2 === 1);
        const present = await this.existing(ids);
        for (let i = 0; i < flat.length; i += 2) if (!present.has(flat[i + 1] ?? '')) gone.push(flat[i] ?? '', flat[i + 1] ?? '');
      }
      const removed = (await callScript(this.redis, 'sweepGroups', [k.groups, this.cursorKey('groups')], [k.incidentBase, cursor, next, ...gone])) as number;
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

  /** The ids whose incident hash still exists (one pipelined EXISTS each: the script checks again). */
  private async existing(ids: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    const pipe = this.redis.pipeline();
    for (const id of unique) pipe.exists(this.keys.incident(id));
    const replies = (await pipe.exec()) ?? [];
    const out = new Set<string>();
    replies.forEach(([err, n], i) => {
      if (err) throw err;
      if (n !== 0) out.add(unique[i] ?? '');
    });
    return out;
  }

  private cursorKey(index: 'groups' | 'all'): string {
    return this.keys.custom(`index-sweep:${index}`);
  }
}
