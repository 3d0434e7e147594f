/**
 * The open-incident reader behind inhibition and the open-incident gauge, against a real Redis: fixed
 * facts read once, moving ones every time, only for the incidents asked for; and the inhibition
 * policy reads nothing for an incident no rule can hold back.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuleSuppressionPolicy } from '../../src/app/suppression-policy.js';
import type { Incident } from '../../src/domain/incident.js';
import type { IncidentFacts } from '../../src/domain/suppression.js';
import { makeKeys, type Keys } from '../../src/store/keys.js';
import { RedisOpenIncidentReader } from '../../src/store/open-incident-reader.js';
import { registerScripts } from '../../src/store/scripts.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

let prefix: string;
let keys: Keys;
let redis: Redis;
let hmgets: string[][];
/** The reader's client: the real one, with every HMGET's fields noted. */
let counted: Redis;

beforeEach(() => {
  prefix = randomPrefix();
  keys = makeKeys(prefix, 'live');
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  hmgets = [];
  counted = new Proxy(redis, {
    get(target, prop, receiver) {
      if (prop === 'hmget') return (key: string, ...fields: string[]) => (hmgets.push(fields), target.hmget(key, ...fields));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
});
afterEach(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

async function open(id: string, klass: string, site: string, level = 3): Promise<void> {
  await redis.hset(keys.incident(id), { id, class: klass, site, labels: JSON.stringify({ site, alertname: 'X' }), openedAt: '2026-12-04T10:00:00.000Z', state: 'open', level, tier: 0 });
  await redis.zadd(keys.open, Date.parse('2026-12-04T10:00:00Z'), id);
}

describe('RedisOpenIncidentReader', () => {
  it('counts the open incidents for the gauges inside Redis, a slice per call, as reading each one would', async () => {
    registerScripts(redis);
    await open('a', 'power', 'hq');
    await open('b', 'power', 'north');
    await open('c', 'power', 'hq', 4);
    await open('d', 'hvac', 'hq');
    await redis.hset(keys.incident('d'), 'state', 'acknowledged');
    await open('e', 'hvac', 'hq');
    await redis.hset(keys.incident('e'), 'state', 'resolved'); // still in the set a moment: not counted
    await redis.zadd(keys.open, 1, 'gone'); // expired after retention: not counted
    const surge = async (id: string, site: string, labels: unknown, tier: number) => {
      await open(id, 'inbound_surge', site);
      await redis.hset(keys.incident(id), { labels: JSON.stringify(labels), tier });
    };
    await surge('s1', 'hq', { queue: 'main' }, 0);
    await surge('s2', 'hq', { queue: 'main' }, 2);
    await surge('s3', 'hq', { queue: 'vip' }, 1);
    await surge('s4', 'north', { queue: 'main' }, 0);
    await surge('s5', 'hq', {}, 3); // no queue label: counted, no surge tier
    await surge('s6', 'hq', { queue: 7 }, 1); // labels are strings; anything else names no queue
    await open('s7', 'inbound_surge', 'hq');
    await redis.hset(keys.incident('s7'), 'labels', 'not json'); // counted, no surge tier, no error

    // what the gauge showed when it read every incident (the reader behind inhibition)
    const facts = await new RedisOpenIncidentReader(redis, keys).listOpen();
    const want = new Map<string, number>();
    for (const f of facts) want.set(`${f.class}/${f.level}/${f.state}`, (want.get(`${f.class}/${f.level}/${f.state}`) ?? 0) + 1);

    for (const slice of [2, 3, 1000]) {
      const got = await new RedisOpenIncidentReader(redis, keys).countOpen('inbound_surge', slice);
      expect(new Map(got.counts.map((c) => [`${c.class}/${c.level}/${c.state}`, c.n])), `slice ${slice}`).toEqual(want);
      expect([...got.surges].sort((x, y) => `${x.site}${x.queue}`.localeCompare(`${y.site}${y.queue}`))).toEqual([
        { site: 'hq', queue: 'main', tier: 3 },
        { site: 'hq', queue: 'vip', tier: 2 },
        { site: 'north', queue: 'main', tier: 1 },
      ]);
    }
    expect(want).toEqual(new Map([['power/3/open', 2], ['power/4/open', 1], ['hvac/3/acknowledged', 1], ['inbound_surge/3/open', 7]]));
  });

  it('reads fixed facts once, then only state, level and tier; follows changes and forgets incidents that left', async () => {
    const reader = new RedisOpenIncidentReader(counted, keys);
    await open('a', 'power', 'hq');
    await open('b', 'app_network_acd', 'hq');
    const first = await reader.listOpen();
    expect(first.map((f) => f.id).sort()).toEqual(['a', 'b']);
    expect(first.find((f) => f.id === 'a')).toMatchObject({ class: 'power', site: 'hq', labels: { site: 'hq', alertname: 'X' }, state: 'open', level: 3, tier: 0 });
    expect(hmgets.every((f) => f.length === 8)).toBe(true);

    hmgets = [];
    await redis.hset(keys.incident('a'), { state: 'acknowledged', level: 4, tier: 2 });
    await redis.hset(keys.incident('b'), { state: 'resolved' });
    const second = await reader.listOpen();
    expect(second).toEqual([expect.objectContaining({ id: 'a', class: 'power', state: 'acknowledged', level: 4, tier: 2 })]);
    expect(hmgets).toEqual([
      ['state', 'level', 'tier'],
      ['state', 'level', 'tier'],
    ]);

    await redis.zrem(keys.open, 'a', 'b');
    expect(await reader.listOpen()).toEqual([]); // gone from the open set: forgotten
    await open('a', 'hvac', 'dc2');
    hmgets = [];
    expect((await reader.listOpen())[0]).toMatchObject({ class: 'hvac', site: 'dc2' }); // read whole again
    await reader.listOpen();
    expect(hmgets.map((f) => f.length)).toEqual([8, 3]);
  });

  it('with a filter, reads the moving fields only of the incidents it lets through', async () => {
    const reader = new RedisOpenIncidentReader(counted, keys);
    for (let i = 0; i < 10; i++) await open(`n${i}`, 'network_infosys', `s${i}`);
    await open('p', 'power', 's3');
    await reader.listOpen(); // learns every incident
    hmgets = [];
    const sources = await reader.listOpen((f) => f.class === 'power');
    expect(sources.map((f) => f.id)).toEqual(['p']);
    expect(hmgets).toHaveLength(1);
  });
});

describe('RuleSuppressionPolicy', () => {
  const rules = [{ name: 'power_explains', source: { class: 'power' }, target: { classes: ['network_infosys'] }, equal: ['site'] }];
  const incident = (id: string, klass: string, site: string) => ({ id, class: klass, site, labels: {}, state: 'open', openedAt: '2026-12-04T10:00:00.000Z', drill: false }) as unknown as Incident;

  function policy(openFacts: IncidentFacts[]) {
    const calls: { filter: ((f: Pick<IncidentFacts, 'class' | 'site' | 'labels'>) => boolean) | undefined }[] = [];
    const source = {
      async listOpen(filter?: (f: Pick<IncidentFacts, 'class' | 'site' | 'labels'>) => boolean) {
        calls.push({ filter });
        return filter ? openFacts.filter(filter) : openFacts;
      },
    };
    const p = new RuleSuppressionPolicy({ rules, maintenance: { windows: async () => [] }, open: { live: source, drill: source }, maxAgeMs: 1_000, isCritical: () => false });
    return { p, calls };
  }
  const facts = (id: string, klass: string, site: string): IncidentFacts => ({ id, class: klass, site, labels: {}, state: 'open', openedAt: '2026-12-04T10:00:00.000Z' });

  it('reads no open incidents for an incident no rule targets', async () => {
    const { p, calls } = policy([facts('p', 'power', 'hq')]);
    expect(await p.check(incident('x', 'security', 'hq'), 1)).toEqual({ kind: 'none' });
    expect(calls).toHaveLength(0);
  });

  it('asks only for possible sources, and holds a target back while one is open at its site', async () => {
    const { p, calls } = policy([facts('p', 'power', 'hq'), facts('n', 'network_infosys', 'hq')]);
    expect(await p.check(incident('t', 'network_infosys', 'hq'), 1)).toEqual({ kind: 'inhibited', by: 'p', rule: 'power_explains' });
    expect(await p.check(incident('u', 'network_infosys', 'dc2'), 1)).toEqual({ kind: 'none' });
    expect(calls).toHaveLength(1); // shared within maxAgeMs
    const filter = calls[0]?.filter;
    expect(filter?.({ class: 'power', site: 'x', labels: {} })).toBe(true);
    expect(filter?.({ class: 'network_infosys', site: 'x', labels: {} })).toBe(false);
  });

  it('reads the maintenance windows once for every check of the same time, afresh for a new time, after a failed read or a change', async () => {
    let reads = 0;
    let fail = false;
    const windows = async () => {
      reads++;
      if (fail) throw new Error('Redis down');
      return [{ id: 'w1', name: 'switch swap', sites: ['hq'], from: '2026-12-04T09:00:00.000Z', until: '2026-12-04T11:00:00.000Z', source: 'api' as const }];
    };
    const none = { listOpen: async () => [] };
    const p = new RuleSuppressionPolicy({ rules, maintenance: { windows }, open: { live: none, drill: none }, maxAgeMs: 1_000, isCritical: () => false });
    const at = Date.parse('2026-12-04T10:00:00.000Z');
    const checks = await Promise.all(['a', 'b', 'c'].map((id) => p.check(incident(id, 'network_infosys', 'hq'), at)));
    expect(checks.map((c) => c.kind)).toEqual(['maintenance', 'maintenance', 'maintenance']);
    expect(reads).toBe(1);
    expect((await p.check(incident('d', 'network_infosys', 'hq'), at + 1)).kind).toBe('maintenance');
    expect(reads).toBe(2);
    fail = true;
    await expect(p.check(incident('e', 'network_infosys', 'hq'), at + 2)).rejects.toThrow('Redis down');
    fail = false;
    expect((await p.check(incident('e', 'network_infosys', 'hq'), at + 2)).kind).toBe('maintenance');
    expect(reads).toBe(4);
    // a window created or ended here: read again, also for the same time
    p.invalidate();
    await p.check(incident('f', 'network_infosys', 'hq'), at + 2);
    expect(reads).toBe(5);
  });
});
