/** Reads what a benchmarked daemon recorded, straight from its Redis: every live incident, Redis memory. */
import { Redis } from 'ioredis';
import type { Incident } from '../src/domain/incident.js';
import { RedisIncidentRepository } from '../src/store/incident-repository.js';
import { registerScripts } from '../src/store/scripts.js';
import { makeKeys } from '../src/store/keys.js';

/** A notification as stored, with the engine's own fields. */
export interface StoredPage {
  readonly id: string;
  readonly incidentId: string;
  readonly stepKey?: string;
  readonly tier: number;
  readonly role: string;
  readonly person: string;
  readonly channel: string;
  readonly status: string;
  readonly at: string;
  readonly phase?: string;
  readonly attempt?: number;
  readonly bundledInto?: string;
  readonly deferredUntil?: number;
  readonly reason?: string;
}

export interface Readback {
  incidents(): Promise<Incident[]>;
  /** Incidents with something due at or before `at` (epoch ms) in the engine's due set. */
  dueBy(at: number): Promise<number>;
  memory(): Promise<{ usedMiB: number; peakMiB: number }>;
  /** Calls per Redis command since the server started (INFO commandstats; scripts count as evalsha). */
  commandCounts(): Promise<Map<string, number>>;
  /** CPU seconds Redis has used so far (INFO cpu: user + system). */
  cpuSeconds(): Promise<number>;
  close(): Promise<void>;
}

export function readback(redisUrl: string, prefix = 'bench:'): Readback {
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const keys = makeKeys(prefix, 'live');
  registerScripts(redis);
  const repo = new RedisIncidentRepository(redis, keys, { reopenWindowMs: 0, retentionMs: 0, maxTimeline: 1000 });
  return {
    async incidents() {
      const ids = await redis.zrange(keys.all, 0, -1);
      const out: Incident[] = [];
      for (let i = 0; i < ids.length; i += 500) out.push(...(await repo.load(ids.slice(i, i + 500))));
      return out;
    },
    async dueBy(at) {
      return redis.zcount(keys.due, '-inf', at);
    },
    async memory() {
      const info = await redis.info('memory');
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0) / 1024 / 1024;
      return { usedMiB: field('used_memory'), peakMiB: field('used_memory_peak') };
    },
    async commandCounts() {
      const info = await redis.info('commandstats');
      const out = new Map<string, number>();
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1] ?? '', Number(m[2]));
      return out;
    },
    async cpuSeconds() {
      const info = await redis.info('cpu');
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
      return field('used_cpu_user') + field('used_cpu_sys');
    },
    async close() {
      await redis.quit();
    },
  };
}

/** The notifications of an incident as stored (the public type leaves the engine's fields out). */
export function pagesOf(inc: Incident): readonly StoredPage[] {
  return inc.notifications.map((n) => ({ ...n, incidentId: inc.id }) as StoredPage);
}

/** Statuses that mean the page reached the channel (or the log, in log mode). */
export const DONE_STATUSES: ReadonlySet<string> = new Set(['sent', 'delivered', 'logged', 'acknowledged']);
