/**
 * The few fields scoping rules and gauges need, for every open incident of a namespace, in two round
 * trips. An incident's class, site, labels and opening time never change once it exists, so each is
 * read once per process and remembered while the incident stays open; later reads fetch only what
 * moves (state, level, tier), and only for the incidents the caller can use.
 */
import type { RedisClient } from './redis.js';
import type { IncidentState } from '../domain/incident.js';
import type { IncidentFacts } from '../domain/suppression.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';

/** What an incident is, fixed at its opening. */
export type FixedFacts = Pick<IncidentFacts, 'id' | 'class' | 'site' | 'labels' | 'openedAt'>;

const ALL = ['id', 'class', 'site', 'labels', 'openedAt', 'state', 'level', 'tier'] as const;
const MOVING = ['state', 'level', 'tier'] as const;

export class RedisOpenIncidentReader {
  /** Fixed facts of the incidents seen open at the last read. */
  private readonly fixed = new Map<string, FixedFacts>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Open and acknowledged incidents; with `only`, just those whose fixed facts it accepts. */
  async listOpen(only?: (f: FixedFacts) => boolean): Promise<IncidentFacts[]> {
    try {
      const ids = await this.redis.zrange(this.keys.open, 0, -1);
      this.forgetAllBut(ids);
      const reads = ids.map(async (id): Promise<IncidentFacts | undefined> => {
        const known = this.fixed.get(id);
        if (known) {
          if (only && !only(known)) return undefined;
          const [state, level, tier] = await this.redis.hmget(this.keys.incident(id), ...MOVING);
          return moving(known, state, level, tier);
        }
        const [hid, klass, site, labels, openedAt, state, level, tier] = await this.redis.hmget(this.keys.incident(id), ...ALL);
        if (!hid) return undefined; // gone (expired after retention)
        const f: FixedFacts = { id: hid, class: klass ?? '', site: site ?? '', labels: parseLabels(labels), openedAt: openedAt ?? '' };
        this.fixed.set(id, f);
        if (only && !only(f)) return undefined;
        return moving(f, state, level, tier);
      });
      return (await Promise.all(reads)).filter((f): f is IncidentFacts => f !== undefined);
    } catch (e) {
      throw storeError(e);
    }
  }

  private forgetAllBut(ids: readonly string[]): void {
    if (this.fixed.size === 0) return;
    const open = new Set(ids);
    for (const id of this.fixed.keys()) if (!open.has(id)) this.fixed.delete(id);
  }
}

function moving(f: FixedFacts, state: string | null | undefined, level: string | null | undefined, tier: string | null | undefined): IncidentFacts | undefined {
  if (!state || state === 'resolved') return undefined;
  return { ...f, state: state as IncidentState, level: Number(level ?? 0), tier: Number(tier ?? 0) };
}

function parseLabels(s: string | null | undefined): Record<string, string> {
  if (!s) return {};
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
