/**
 * The few fields scoping rules need, for every open incident of a namespace, in two round trips; and
 * the open-incident gauges, counted inside Redis. An incident's class, site, labels and opening time
 * never change once it exists, so each is read once per process and remembered while the incident
 * stays open; later reads fetch only what moves (state, level, tier), and only for the incidents the
 * caller can use.
 */
import type { RedisClient } from './redis.js';
import type { IncidentState } from '../domain/incident.js';
import type { OpenCounts } from '../domain/ports.js';
import type { IncidentFacts } from '../domain/suppression.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

/** Open incidents counted per script call: small enough that one call never holds Redis for long. */
const COUNT_SLICE = 1_000;

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

  /**
   * The gauges' numbers, counted inside Redis a slice of the open set per call (a few replies however
   * many incidents are open). Incidents closing while it counts may shift a slice by one; the next
   * count is exact again.
   */
  async countOpen(surgeClass: string, slice = COUNT_SLICE): Promise<OpenCounts> {
    const counts = new Map<string, number>();
    const surges = new Map<string, number>();
    try {
      for (let start = 0; ; start += slice) {
        const [c, s, n] = (await callScript(this.redis, 'countOpen', [this.keys.open], [this.keys.incidentBase, start, start + slice - 1, surgeClass])) as [(string | number)[], (string | number)[], number];
        for (let i = 0; i < c.length; i += 2) counts.set(String(c[i]), (counts.get(String(c[i])) ?? 0) + Number(c[i + 1]));
        for (let i = 0; i < s.length; i += 2) surges.set(String(s[i]), Math.max(surges.get(String(s[i])) ?? 0, Number(s[i + 1])));
        if (Number(n) < slice) break;
      }
    } catch (e) {
      throw storeError(e);
    }
    return {
      counts: [...counts].map(([k, n]) => {
        const [klass = '', level = '0', state = ''] = k.split('\u0000');
        return { class: klass, level, state, n };
      }),
      surges: [...surges].map(([k, tier]) => {
        const [site = '', queue = ''] = k.split('\u0000');
        return { site, queue, tier };
      }),
    };
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
