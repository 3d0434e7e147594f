/** The few fields scoping rules need, for every open incident of a namespace, in two round trips (the client pipelines the reads). */
import type { RedisClient } from './redis.js';
import type { IncidentState } from '../domain/incident.js';
import type { IncidentFacts } from '../domain/suppression.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';

const FIELDS = ['id', 'class', 'site', 'labels', 'state', 'openedAt', 'level', 'tier'] as const;

export class RedisOpenIncidentReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async listOpen(): Promise<IncidentFacts[]> {
    try {
      const ids = await this.redis.zrange(this.keys.open, 0, -1);
      if (ids.length === 0) return [];
      const replies = await Promise.all(ids.map((id) => this.redis.hmget(this.keys.incident(id), ...FIELDS)));
      const out: IncidentFacts[] = [];
      for (const reply of replies) {
        const [id, klass, site, labels, state, openedAt, level, tier] = reply;
        if (!id || !state || state === 'resolved') continue;
        out.push({ id, class: klass ?? '', site: site ?? '', labels: parseLabels(labels), state: state as IncidentState, openedAt: openedAt ?? '', level: Number(level ?? 0), tier: Number(tier ?? 0) });
      }
      return out;
    } catch (e) {
      throw storeError(e);
    }
  }
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
