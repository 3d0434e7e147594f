/**
 * Use case: the index sweep. Every incident ever opened leaves a field in its namespace's groups hash
 * (groupKey → id) and a member of the all-incidents set; the incident's own keys expire
 * `incidents.retention` after it is resolved, and a round of this sweep removes what they left behind,
 * in batches (`incidents.indexSweep.batch`), in the live and the drill namespace. A field that names a
 * newer incident of its group by then is kept: the store checks it in the step that removes.
 * With `rounds`, one replica sweeps each round (`incidents.indexSweep.every` of real time); one that
 * dies mid-round leaves its cursor in Redis, and the next round goes on from there. Two sweeps at once
 * (a round outlasting its claim) are harmless: each entry is removed, and counted, once.
 */
import type { OnceClaims } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { inClaimedRound } from './claimed-round.js';

/** One namespace's indexes, batch by batch (RedisIndexSweep). */
export interface IndexSweepStore {
  groupsCursor(): Promise<string>;
  sweepGroups(cursor: string, batch: number): Promise<{ readonly removed: number; readonly over: boolean; readonly next: string }>;
  sweepAll(newest: number, batch: number): Promise<{ readonly removed: number; readonly over: boolean }>;
}

export interface SweepIndexesDeps {
  /** The namespaces swept (live and drill). */
  readonly stores: readonly IndexSweepStore[];
  /** How long a resolved incident's keys live (`incidents.retention`): nothing opened since can be gone. */
  readonly retentionMs: number;
  /** Real ms between rounds (`incidents.indexSweep.every`): a round's claim lasts until the next. */
  readonly everyMs: number;
  /** Entries looked at per script call (`incidents.indexSweep.batch`). */
  readonly batch: number;
  readonly metrics: Pick<Metrics, 'indexEntriesSwept'>;
  readonly logger: Logger;
  /** Claims of a round across replicas (none: every replica sweeps every round). */
  readonly rounds?: OnceClaims | undefined;
}

export interface SweepTotals {
  readonly groups: number;
  readonly all: number;
}

export class SweepIndexes {
  private halted = false;

  constructor(private readonly deps: SweepIndexesDeps) {}

  /** One round at `now` (nothing when another replica has it): the entries removed. */
  async run(now: number): Promise<SweepTotals> {
    const { rounds, everyMs } = this.deps;
    if (!rounds) return this.sweep(now);
    return inClaimedRound(rounds, everyMs, now, () => this.sweep(now), { groups: 0, all: 0 });
  }

  /** No further batch starts (shutdown): the round under way stops after its current one. */
  halt(): void {
    this.halted = true;
  }

  private async sweep(now: number): Promise<SweepTotals> {
    const { batch, metrics } = this.deps;
    let groups = 0;
    let all = 0;
    for (const store of this.deps.stores) {
      // the walk goes on from where the last batch (of any replica, before any restart) stopped
      let cursor = await store.groupsCursor();
      for (let over = false; !over && !this.halted; ) {
        const b = await store.sweepGroups(cursor, batch);
        cursor = b.next;
        over = b.over;
        groups += b.removed;
        if (b.removed > 0) metrics.indexEntriesSwept.labels('groups').inc(b.removed);
      }
      for (let over = false; !over && !this.halted; ) {
        const b = await store.sweepAll(now - this.deps.retentionMs, batch);
        over = b.over;
        all += b.removed;
        if (b.removed > 0) metrics.indexEntriesSwept.labels('all').inc(b.removed);
      }
    }
    if (groups + all > 0) this.deps.logger.info({ groups, all }, 'index entries of expired incidents removed');
    return { groups, all };
  }
}
