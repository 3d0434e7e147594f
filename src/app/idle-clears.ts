/**
 * Use case: set aside the all-clears of a report that would find nothing to clear. A UPS poll reports
 * every condition it does not see as cleared (on line, no overload, no bypass, battery fine, …) so that
 * an incident whose own all-clear was missed still resolves; with nothing open, each of those 6–7
 * events would be recorded as `ignored` and counted in tocsin_events_received_total on every poll.
 * They are answered `ignored` as the store would, without being recorded or counted. Firing events
 * always go through, and an all-clear goes through whenever an unresolved incident holds its member
 * (read just before: a member that starts firing meanwhile is cleared by the next report).
 */
import type { Config } from '../config/load-config.js';
import { groupKeyFor } from '../domain/dedupe.js';
import type { NormalizedEvent } from '../domain/event.js';
import type { ClearTargets } from '../domain/ports.js';

/** Per event: undefined to record it, or the incident id its group has ('' when none) for an all-clear set aside. */
export type IdleClearsVerdict = readonly ({ readonly id: string } | undefined)[];

export class IdleClears {
  constructor(
    private readonly deps: {
      readonly classes: Config['playbooks']['classes'];
      /** The live namespace (drill events are always recorded). */
      readonly live: ClearTargets;
    },
  ) {}

  async judge(events: readonly NormalizedEvent[]): Promise<IdleClearsVerdict> {
    const asked: { index: number; groupKey: string; member: string }[] = [];
    for (const [index, e] of events.entries()) {
      const klass = this.deps.classes[e.class];
      // an unknown class is refused by the ingest itself
      if (e.status === 'resolved' && !e.drill && klass) asked.push({ index, groupKey: groupKeyFor(klass.group, e), member: e.member });
    }
    const out: ({ id: string } | undefined)[] = events.map(() => undefined);
    if (asked.length === 0) return out;
    const held = await this.deps.live.held(asked);
    for (const [i, a] of asked.entries()) {
      const h = held[i];
      if (h && !h.held) out[a.index] = { id: h.id };
    }
    return out;
  }
}
