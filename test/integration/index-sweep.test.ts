/**
 * The index sweep against a real Redis: the groups hash and the all-incidents set lose the entries of
 * incidents expired after retention, and keep every live one, a group's entry naming a newer
 * incident, and whatever another sweeper running at the same time leaves.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SweepIndexes } from '../../src/app/sweep-indexes.js';
import type { IngestCommand } from '../../src/domain/ports.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ulid } from '../../src/platform/ids.js';
import { ManualClock } from '../../src/platform/clock.js';
import { RedisIncidentRepository } from '../../src/store/incident-repository.js';
import { RedisIndexSweep } from '../../src/store/index-sweep.js';
import { makeKeys, type Keys, type Namespace } from '../../src/store/keys.js';
import { RedisOnceMarker } from '../../src/store/once-marker.js';
import { callScript, registerScripts } from '../../src/store/scripts.js';
import { createMetrics, type Metrics } from '../../src/telemetry/metrics.js';
import { startTestApp } from '../support/app.js';
import { upsEvent } from '../support/events.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;
const RETENTION = 30 * DAY;
/** A sweep this long after T0: every incident opened around T0 may have expired. */
const LATER = T0 + RETENTION + 10 * MIN;
const logger = pino({ level: 'silent' });

let prefix: string;
let redis: Redis;
const repos = {} as Record<Namespace, RedisIncidentRepository>;
const keys = {} as Record<Namespace, Keys>;

/** One incident per alert: group `alert:<n>`, opened at T0 + n ms. */
function fire(n: number, status: 'firing' | 'resolved' = 'firing', drill = false): IngestCommand {
  const event = upsEvent(T0 + n, { status, member: `alert:${n}`, eventKey: `alert:${n}:${status}`, drill });
  return { event, groupKey: `alert:${n}`, newId: ulid(T0 + n), resolveHoldMs: 0, resolution: 'source', playbookVersion: 'v1', truncated: 0 };
}

/** Opens incidents 0..count-1 in `ns` and resolves them; resolves with their ids, in order. */
async function openAndResolve(ns: Namespace, count: number, from = 0): Promise<string[]> {
  const drill = ns === 'drill';
  const opened = await repos[ns].ingest(Array.from({ length: count }, (_, i) => fire(from + i, 'firing', drill)), T0);
  await repos[ns].ingest(Array.from({ length: count }, (_, i) => fire(from + i, 'resolved', drill)), T0 + MIN);
  return opened.map((o) => o.id);
}

/** What retention does to an incident: all its keys gone. */
async function expire(ns: Namespace, ids: readonly string[]): Promise<void> {
  const k = keys[ns];
  for (const id of ids) await redis.del(k.incident(id), k.members(id), k.memberDetails(id), k.timeline(id), k.notifications(id), k.calm(id));
}

function sweeper(o: { redis?: Redis; batch?: number; metrics?: Metrics; rounds?: boolean } = {}): SweepIndexes {
  const r = o.redis ?? redis;
  return new SweepIndexes({
    stores: [new RedisIndexSweep(r, keys.live), new RedisIndexSweep(r, keys.drill)],
    retentionMs: RETENTION,
    everyMs: 10 * MIN,
    batch: o.batch ?? 500,
    metrics: o.metrics ?? createMetrics({ defaultMetrics: false }),
    logger,
    rounds: o.rounds ? new RedisOnceMarker(r, keys.live, 'index-sweep') : undefined,
  });
}

const groupsOf = async (ns: Namespace) => redis.hgetall(keys[ns].groups);
const allOf = async (ns: Namespace) => (await redis.zrange(keys[ns].all, 0, -1)).sort();
const swept = async (m: Metrics, index: 'groups' | 'all') => (await m.indexEntriesSwept.get()).values.find((v) => v.labels.index === index)?.value;

beforeEach(() => {
  prefix = `h10:${randomPrefix()}`;
  redis = new Redis(TEST_REDIS_URL);
  registerScripts(redis);
  for (const ns of ['live', 'drill'] as const) {
    keys[ns] = makeKeys(prefix, ns);
    repos[ns] = new RedisIncidentRepository(redis, keys[ns], { reopenWindowMs: 10 * MIN, retentionMs: RETENTION, maxTimeline: 100 });
  }
});

afterEach(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

describe('index sweep', () => {
  it('removes the groups fields and all-incidents members of expired incidents, in both namespaces, and keeps the live ones', async () => {
    const live = await openAndResolve('live', 30);
    const drill = await openAndResolve('drill', 6);
    const [open] = await repos.live.ingest([fire(100)], T0);
    await expire('live', live.slice(0, 20));
    await expire('drill', drill.slice(0, 4));

    const metrics = createMetrics({ defaultMetrics: false });
    expect(await sweeper({ batch: 10, metrics }).run(LATER)).toEqual({ groups: 24, all: 24 });

    const kept = [...live.slice(20), open!.id].sort();
    expect(Object.values(await groupsOf('live')).sort()).toEqual(kept);
    expect(Object.keys(await groupsOf('live')).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `alert:${20 + i}`), 'alert:100'].sort());
    expect(await allOf('live')).toEqual(kept);
    expect(Object.values(await groupsOf('drill')).sort()).toEqual(drill.slice(4).sort());
    expect(await allOf('drill')).toEqual(drill.slice(4).sort());
    expect(await swept(metrics, 'groups')).toBe(24);
    expect(await swept(metrics, 'all')).toBe(24);
    // what is kept still reads as before
    expect(await repos.live.get(live[25]!)).toMatchObject({ state: 'resolved' });
    expect(await repos.live.get(open!.id)).toMatchObject({ state: 'open' });

    // a second round finds nothing more
    expect(await sweeper({ batch: 10 }).run(LATER)).toEqual({ groups: 0, all: 0 });
  });

  it('keeps a group whose entry names the new incident opened after the old one expired', async () => {
    const [old] = await openAndResolve('live', 1);
    await expire('live', [old!]);
    // the group fires again: a new incident, the group's entry now names it
    const [again] = await repos.live.ingest([{ ...fire(0), newId: ulid(T0 + 5 * MIN), event: upsEvent(T0 + 5 * MIN, { member: 'alert:0', eventKey: 'alert:0:again' }) }], T0 + 5 * MIN);
    expect(again).toMatchObject({ kind: 'opened' });
    expect(again!.id).not.toBe(old);

    // a batch that read the old pairing before the group opened again removes nothing
    expect(await callScript(redis, 'sweepGroups', [keys.live.groups, keys.live.custom('index-sweep:groups')], [keys.live.incidentBase, '0', '0', 'alert:0', old!])).toBe(0);
    expect(await groupsOf('live')).toEqual({ 'alert:0': again!.id });

    expect(await sweeper().run(LATER)).toEqual({ groups: 0, all: 1 });
    expect(await groupsOf('live')).toEqual({ 'alert:0': again!.id });
    expect(await allOf('live')).toEqual([again!.id]);
    // the group's next event still lands on its incident
    const [dup] = await repos.live.ingest([{ ...fire(0), event: upsEvent(T0 + 6 * MIN, { member: 'alert:0', eventKey: 'alert:0:again' }) }], T0 + 6 * MIN);
    expect(dup).toMatchObject({ kind: 'duplicate', id: again!.id });
  });

  it('walks in batches with its cursor in Redis: a restart goes on where the last batch stopped', async () => {
    // more than Redis keeps in a compact hash (hash-max-listpack-entries, 128 to 512), which HSCAN returns whole
    const ids = await openAndResolve('live', 600);
    const gone = ids.filter((_, i) => i % 3 !== 0);
    await expire('live', gone);
    const kept = ids.filter((_, i) => i % 3 === 0).sort();

    const first = new RedisIndexSweep(redis, keys.live);
    const b = await first.sweepGroups('0', 40);
    expect(b.over).toBe(false);
    const a = await first.sweepAll(LATER - RETENTION, 40);
    expect(a).toEqual({ removed: 26, over: false }); // 40 members, every third one kept
    expect(await redis.get(keys.live.custom('index-sweep:all'))).toBe('14');

    // another process (a restart) reads the cursor where the first left it
    const second = new RedisIndexSweep(redis, keys.live);
    expect(await second.groupsCursor()).toBe(b.next);
    let groupsRemoved = b.removed;
    let batches = 1;
    for (let cursor = b.next, over = false; !over; batches++) {
      const r = await second.sweepGroups(cursor, 40);
      ({ next: cursor, over } = r);
      groupsRemoved += r.removed;
    }
    expect(batches).toBeGreaterThan(5);
    let allRemoved = a.removed;
    for (let over = false; !over; ) {
      const r = await second.sweepAll(LATER - RETENTION, 40);
      over = r.over;
      allRemoved += r.removed;
    }
    expect(groupsRemoved).toBe(400);
    expect(allRemoved).toBe(400);
    expect(Object.values(await groupsOf('live')).sort()).toEqual(kept);
    expect(await allOf('live')).toEqual(kept);
    // the walks are over: the next round starts at the beginning
    expect(await second.groupsCursor()).toBe('0');
    expect(await redis.exists(keys.live.custom('index-sweep:all'))).toBe(0);
  });

  it('leaves members opened less than retention ago alone, whatever their keys', async () => {
    const ids = await openAndResolve('live', 3);
    await expire('live', ids);
    // a sweep before T0 + retention cannot find these expired: nothing in `all` is looked at
    expect(await sweeper().run(T0 + RETENTION - MIN)).toEqual({ groups: 3, all: 0 });
    expect(await allOf('live')).toEqual([...ids].sort());
    expect(await sweeper().run(LATER)).toEqual({ groups: 0, all: 3 });
    expect(await allOf('live')).toEqual([]);
  });

  it('two sweepers at once remove each entry once and nothing live', async () => {
    const ids = await openAndResolve('live', 800);
    const gone = ids.filter((_, i) => i % 4 !== 0);
    await expire('live', gone);
    const kept = ids.filter((_, i) => i % 4 === 0).sort();
    const other = new Redis(TEST_REDIS_URL);
    registerScripts(other);
    try {
      const [m1, m2] = [createMetrics({ defaultMetrics: false }), createMetrics({ defaultMetrics: false })];
      const [r1, r2] = await Promise.all([sweeper({ batch: 25, metrics: m1 }).run(LATER), sweeper({ redis: other, batch: 25, metrics: m2 }).run(LATER)]);
      expect(r1.groups + r2.groups).toBe(600);
      expect(r1.all + r2.all).toBe(600);
      expect((await swept(m1, 'groups'))! + (await swept(m2, 'groups'))!).toBe(600);
      expect((await swept(m1, 'all'))! + (await swept(m2, 'all'))!).toBe(600);
      expect(Object.values(await groupsOf('live')).sort()).toEqual(kept);
      expect(await allOf('live')).toEqual(kept);

      // with the round claim (the daemon's), the second replica leaves the round to the first
      await expire('live', kept.slice(0, 10));
      const [c1, c2] = await Promise.all([sweeper({ rounds: true }).run(LATER), sweeper({ redis: other, rounds: true }).run(LATER)]);
      expect([c1, c2].sort((x, y) => y.groups - x.groups)).toEqual([
        { groups: 10, all: 10 },
        { groups: 0, all: 0 },
      ]);
    } finally {
      other.disconnect();
    }
  });

  it('runs in the daemon every incidents.indexSweep.every and stops with it', async () => {
    const base = loadConfig('config');
    const config = { ...base, daemon: { ...base.daemon, incidents: { ...base.daemon.incidents, indexSweep: { every: 1000, batch: 50 } } } };
    const app = await startTestApp({ config, clock: new ManualClock(LATER), prefix });
    try {
      const ids = await openAndResolve('live', 5);
      await expire('live', ids.slice(0, 3));
      await app.container.start();
      const deadline = Date.now() + 10_000;
      while ((await redis.hlen(keys.live.groups)) > 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(Object.values(await groupsOf('live')).sort()).toEqual(ids.slice(3).sort());
      expect(await allOf('live')).toEqual(ids.slice(3).sort());
      const scraped = await app.request('GET', '/metrics');
      expect(String(scraped.body)).toMatch(/tocsin_index_entries_swept_total\{index="groups"\} 3/);
    } finally {
      await app.stop({ keep: true });
    }
  });
});
