/** The open-or-merge Lua script against a real Redis. */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/domain/event.js';
import type { IngestCommand } from '../../src/domain/ports.js';
import { ulid } from '../../src/platform/ids.js';
import { RedisIncidentRepository } from '../../src/store/incident-repository.js';
import { makeKeys } from '../../src/store/keys.js';
import { registerScripts } from '../../src/store/scripts.js';
import { upsEvent } from '../support/events.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';
import { PrivateRedis } from '../support/redis-server.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;

function event(over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return upsEvent(T0, over);
}

function cmd(e: NormalizedEvent, over: Partial<IngestCommand> = {}): IngestCommand {
  return { event: e, groupKey: `${e.class}:${e.site}`, newId: ulid(T0), resolveHoldMs: 0, resolution: 'source', playbookVersion: 'v1', truncated: 0, ...over };
}

let prefix: string;
let redis: Redis;
let repo: RedisIncidentRepository;

beforeEach(() => {
  prefix = randomPrefix();
  redis = new Redis(TEST_REDIS_URL);
  registerScripts(redis);
  repo = new RedisIncidentRepository(redis, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 30 * 86_400_000, maxTimeline: 100 });
});

afterEach(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

describe('ingestEvents script', () => {
  it('opens an incident, then counts a duplicate into it without a second incident', async () => {
    const [a] = await repo.ingest([cmd(event())], T0);
    expect(a).toMatchObject({ kind: 'opened', eventCount: 1, level: 3, state: 'open' });
    const [b] = await repo.ingest([cmd(event())], T0 + 1000);
    expect(b).toMatchObject({ kind: 'duplicate', id: a!.id, eventCount: 2 });
    const inc = await repo.get(a!.id);
    expect(inc).toMatchObject({ class: 'power', site: 'hq', state: 'open', eventCount: 2, tier: 0, drill: false, openedAt: '2026-11-23T10:00:00.000Z' });
    expect(inc!.details).toEqual({ seats: [] }); // arrays survive the round trip
    expect(inc!.timeline.map((t) => t.type)).toEqual(['opened', 'duplicate']);
    expect(await repo.list({ limit: 10 })).toHaveLength(1);
  });

  it('coalesces a storm of duplicates into one timeline entry with a count', async () => {
    const [a] = await repo.ingest([cmd(event())], T0);
    await repo.ingest(Array.from({ length: 50 }, () => cmd(event())), T0 + 5000);
    const inc = await repo.get(a!.id);
    expect(inc!.eventCount).toBe(51);
    expect(inc!.timeline).toHaveLength(2);
    expect(inc!.timeline[1]).toMatchObject({ type: 'duplicate', count: 50, lastAt: '2026-11-23T10:00:05.000Z' });
  });

  it('takes a body larger than one script batch in order: each event its own step, none lost', async () => {
    // 150 events over three script calls, alternating two groups and three members each
    const cmds = Array.from({ length: 150 }, (_, i) => {
      const site = i % 2 === 0 ? 'hq' : 'north';
      return cmd(event({ site, member: `am:${i % 3}`, eventKey: `k${i % 3}` }), { newId: ulid(T0 + i) });
    });
    const out = await repo.ingest(cmds, T0);
    expect(out).toHaveLength(150);
    expect(out[0]).toMatchObject({ kind: 'opened', eventCount: 1 });
    expect(out[1]).toMatchObject({ kind: 'opened', eventCount: 1 });
    expect(out.filter((o) => o.kind === 'opened')).toHaveLength(2);
    expect(out[148]).toMatchObject({ id: out[0]!.id, eventCount: 75 });
    expect(out[149]).toMatchObject({ id: out[1]!.id, eventCount: 75 });
    const hq = await repo.get(out[0]!.id);
    expect(Object.keys(hq!.members).sort()).toEqual(['am:0', 'am:1', 'am:2']);
  });

  it('one call that opens, merges, resolves and reopens an incident answers and stores each step as separate calls would', async () => {
    const a = (status: 'firing' | 'resolved') => cmd(event({ member: 'am:a', eventKey: `a:${status}`, status }));
    const b = (status: 'firing' | 'resolved', level = 3) => cmd(event({ member: 'am:b', eventKey: `b:${status}`, status, level: level as 3 }));
    const out = await repo.ingest([a('firing'), b('firing', 4), a('resolved'), b('resolved'), a('firing'), a('firing')], T0 + 7000);
    expect(out.map((o) => [o.kind, o.eventCount, o.level, o.levelRaised, o.state])).toEqual([
      ['opened', 1, 3, false, 'open'],
      ['merged', 2, 4, true, 'open'],
      ['merged', 3, 4, false, 'open'],
      ['resolved', 4, 4, false, 'resolved'],
      ['reopened', 5, 4, false, 'open'],
      ['duplicate', 6, 4, false, 'open'],
    ]);
    expect(new Set(out.map((o) => o.id)).size).toBe(1);
    const inc = await repo.get(out[0]!.id);
    expect(inc).toMatchObject({ state: 'open', level: 4, eventCount: 6, reopenCount: 1, lastEventAt: '2026-11-23T10:00:07.000Z' });
    // the next call reads what this one wrote back
    const [next] = await repo.ingest([b('firing')], T0 + 8000);
    expect(next).toMatchObject({ kind: 'merged', eventCount: 7, level: 4, state: 'open' });
    expect((await repo.get(out[0]!.id))?.lastEventAt).toBe('2026-11-23T10:00:08.000Z');
  });

  it('an incident opened and resolved within one call expires whole after the retention: members and details too', async () => {
    const out = await repo.ingest([cmd(event({ member: 'am:x', eventKey: 'x:f' })), cmd(event({ member: 'am:x', eventKey: 'x:r', status: 'resolved' }))], T0);
    expect(out.map((o) => o.kind)).toEqual(['opened', 'resolved']);
    const base = makeKeys(prefix, 'live').incidentBase + out[0]!.id;
    for (const key of [base, `${base}:m`, `${base}:md`, `${base}:tl`]) {
      expect(await redis.exists(key), key).toBe(1);
      expect(await redis.pttl(key), key).toBeGreaterThan(29 * 86_400_000);
    }
    expect((await repo.get(out[0]!.id))?.members['am:x']).toMatchObject({ status: 'resolved', count: 2 });
  });

  it('keeps what the tiers match on of the labels an incident has seen, once an event brings other values; nothing as it opens', async () => {
    const kind = (k: string, device: string) => ({ labels: { kind: k, device }, matchLabels: JSON.stringify({ kind: k }) });
    const ev = (member: string, key: string, k: ReturnType<typeof kind>) => cmd(event({ member, eventKey: key, labels: k.labels }), { matchLabels: k.matchLabels });
    const [opened] = await repo.ingest([ev('ups:a', 'a:1', kind('bypass', 'a'))], T0);
    const key = makeKeys(prefix, 'live').incidentBase + opened!.id;
    expect(await redis.hget(key, 'seenLabels')).toBeNull();
    // another UPS, other labels, the same kind: nothing to keep
    await repo.ingest([ev('ups:b', 'b:1', kind('bypass', 'b'))], T0 + 1000);
    expect(await redis.hget(key, 'seenLabels')).toBeNull();
    await repo.ingest([ev('ups:a', 'a:2', kind('line_fault', 'a'))], T0 + 2000);
    const seen = (JSON.parse((await redis.hget(key, 'seenLabels')) ?? '[]') as string[]).map((l) => JSON.parse(l) as Record<string, string>);
    expect(seen).toEqual([{ kind: 'bypass' }, { kind: 'line_fault' }]);
    // a class whose tiers match on no label keeps nothing, however many label sets it sees
    const [other] = await repo.ingest([cmd(event({ site: 'b2', member: 'am:1', eventKey: 'x:1', labels: { instance: '1' } }))], T0);
    for (let i = 2; i < 6; i++) await repo.ingest([cmd(event({ site: 'b2', member: `am:${i}`, eventKey: `x:${i}`, labels: { instance: String(i) } }))], T0 + i);
    expect(await redis.hget(makeKeys(prefix, 'live').incidentBase + other!.id, 'seenLabels')).toBeNull();
  });

  it('caps the timeline inside one call as across calls: past the cap only essential entries are added', async () => {
    const capped = new RedisIncidentRepository(redis, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 86_400_000, maxTimeline: 4 });
    const member = (i: number, level = 3) => cmd(event({ member: `am:${i}`, eventKey: `k${i}`, level: level as NormalizedEvent['level'] }), { newId: ulid(T0 + i) });
    // one call: opened, three events fill the timeline to 4, two more are left out, a level raise is
    // essential (its event entry is left out), one more left out
    const out = await capped.ingest([member(0), member(1), member(2), member(3), member(4), member(5), member(6, 5), member(7)], T0);
    expect(out.map((o) => o.kind)).toEqual(['opened', 'merged', 'merged', 'merged', 'merged', 'merged', 'merged', 'merged']);
    expect(new Set(out.map((o) => o.id)).size).toBe(1);
    expect(out[7]).toMatchObject({ eventCount: 8, level: 5, state: 'open' });
    const inc = await capped.get(out[0]!.id);
    expect(inc!.timeline.map((t) => `${t.type}${'member' in t ? `:${String(t.member)}` : ''}`)).toEqual(['opened:am:0', 'event:am:1', 'event:am:2', 'event:am:3', 'level_raised:am:6']);
    expect(Object.keys(inc!.members)).toHaveLength(8); // every event counted on its member, none lost
    await capped.ingest([member(8)], T0 + 1000); // a later call sees the same cap
    expect((await capped.get(out[0]!.id))!.timeline).toHaveLength(5);
  });

  it('merges another member of the same group and raises the level, never lowering it', async () => {
    const [a] = await repo.ingest([cmd(event())], T0);
    const [b] = await repo.ingest([cmd(event({ member: 'am:bbbb', eventKey: 'b1', level: 5, summary: 'ups2 low battery' }))], T0 + MIN);
    expect(b).toMatchObject({ kind: 'merged', id: a!.id, level: 5, levelRaised: true });
    const [c] = await repo.ingest([cmd(event({ member: 'am:cccc', eventKey: 'c1', level: 1 }))], T0 + 2 * MIN);
    expect(c).toMatchObject({ kind: 'merged', level: 5, levelRaised: false });
    const inc = await repo.get(a!.id);
    expect(inc!.summary).toBe('ups2 low battery');
    expect(Object.keys(inc!.members).sort()).toEqual(['am:aaaa', 'am:bbbb', 'am:cccc']);
    expect(inc!.timeline.map((t) => t.type)).toEqual(['opened', 'event', 'level_raised', 'event']);
  });

  it('resolves from the source only when every member has resolved', async () => {
    const [a] = await repo.ingest([cmd(event()), cmd(event({ member: 'am:bbbb', eventKey: 'b1' }))], T0);
    const [r1] = await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'a-res' }))], T0 + MIN);
    expect(r1).toMatchObject({ kind: 'merged', state: 'open' });
    const [r2] = await repo.ingest([cmd(event({ member: 'am:bbbb', status: 'resolved', eventKey: 'b-res' }))], T0 + 2 * MIN);
    expect(r2).toMatchObject({ kind: 'resolved', id: a!.id, state: 'resolved' });
    const inc = await repo.get(a!.id);
    expect(inc).toMatchObject({ state: 'resolved', resolvedAt: '2026-11-23T10:02:00.000Z', resolvedBy: 'source:alertmanager' });
    expect(await repo.list({ state: 'open', limit: 10 })).toHaveLength(0);
    expect(await repo.list({ state: 'resolved', limit: 10 })).toHaveLength(1);
    // the same resolution again is a counted duplicate, not an error
    const [again] = await repo.ingest([cmd(event({ member: 'am:bbbb', status: 'resolved', eventKey: 'b-res' }))], T0 + 3 * MIN);
    expect(again!.kind).toBe('ignored');
  });

  it('keeps the number of firing members on the incident through fire, resolve, refire and reopen', async () => {
    const a = (member: string, status: 'firing' | 'resolved', key: string) => cmd(event({ member, status, eventKey: key }));
    const firingOnRecord = async (id: string) => {
      const inc = await repo.get(id);
      const stored = Number(await redis.hget(makeKeys(prefix, 'live').incident(id), 'firingMembers'));
      return { stored, records: Object.values(inc!.members).filter((m) => m.status === 'firing').length };
    };
    const [open] = await repo.ingest([a('am:a', 'firing', 'a1'), a('am:b', 'firing', 'b1')], T0);
    const id = open!.id;
    expect(await firingOnRecord(id)).toEqual({ stored: 2, records: 2 });
    expect((await repo.ingest([a('am:a', 'resolved', 'a-r1')], T0 + MIN))[0]).toMatchObject({ kind: 'merged', state: 'open' });
    expect(await firingOnRecord(id)).toEqual({ stored: 1, records: 1 });
    // a refire of a resolved member counts again; a repeat of a firing one does not
    await repo.ingest([a('am:a', 'firing', 'a2'), a('am:b', 'firing', 'b1'), a('am:b', 'firing', 'b2')], T0 + 2 * MIN);
    expect(await firingOnRecord(id)).toEqual({ stored: 2, records: 2 });
    const [rb, ra] = await repo.ingest([a('am:b', 'resolved', 'b-r'), a('am:a', 'resolved', 'a-r2')], T0 + 3 * MIN);
    expect(rb).toMatchObject({ kind: 'merged', state: 'open' });
    expect(ra).toMatchObject({ kind: 'resolved', state: 'resolved' });
    expect(await firingOnRecord(id)).toEqual({ stored: 0, records: 0 });
    const [re] = await repo.ingest([a('am:b', 'firing', 'b3')], T0 + 4 * MIN);
    expect(re).toMatchObject({ kind: 'reopened', id });
    expect(await firingOnRecord(id)).toEqual({ stored: 1, records: 1 });
  });

  it('an incident stored before the firing count was kept gets it from its member records once', async () => {
    const [open] = await repo.ingest([cmd(event()), cmd(event({ member: 'am:bbbb', eventKey: 'b1' }))], T0);
    const key = makeKeys(prefix, 'live').incident(open!.id);
    await redis.hdel(key, 'firingMembers');
    const [r1] = await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'a-res' }))], T0 + MIN);
    expect(r1).toMatchObject({ kind: 'merged', state: 'open' });
    expect(await redis.hget(key, 'firingMembers')).toBe('1');
    const [r2] = await repo.ingest([cmd(event({ member: 'am:bbbb', status: 'resolved', eventKey: 'b-res' }))], T0 + 2 * MIN);
    expect(r2).toMatchObject({ kind: 'resolved', state: 'resolved' });
  });

  it('resolves an incident of 3 000 members at the last resolution, reading no member record to know it', async () => {
    // A private Redis, so that its command counts are this test's alone.
    const own = await PrivateRedis.start();
    const client = new Redis(own.url);
    try {
      registerScripts(client);
      const big = new RedisIncidentRepository(client, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 30 * 86_400_000, maxTimeline: 100 });
      const members = Array.from({ length: 3000 }, (_, i) => `am:m${i}`);
      const batch = (status: 'firing' | 'resolved', from: number) =>
        members.slice(from, from + 100).map((member) => cmd(event({ member, status, eventKey: `${member}:${status}` }), { groupKey: 'big' }));
      for (let i = 0; i < members.length; i += 100) await big.ingest(batch('firing', i), T0);
      await client.config('RESETSTAT');
      const kinds: string[] = [];
      for (let i = 0; i < members.length; i += 100) kinds.push(...(await big.ingest(batch('resolved', i), T0 + MIN)).map((o) => o.kind));
      expect(kinds.slice(0, -1).every((k) => k === 'merged')).toBe(true);
      expect(kinds.at(-1)).toBe('resolved');
      // each resolution knows from the kept count whether it was the last: no HVALS of the members
      const stats = await client.info('commandstats');
      expect(stats).toMatch(/cmdstat_evalsha:calls=[1-9]/);
      expect(stats).not.toMatch(/cmdstat_hvals:/);
    } finally {
      client.disconnect();
      await own.destroy();
    }
  });

  it('keeps the calm set as the records say: a held resolution enters it, a refire or the completed resolution leaves it', async () => {
    const keys = makeKeys(prefix, 'live');
    const hold = 10 * MIN;
    const b = 'am:bbbb';
    const [open] = await repo.ingest([cmd(event()), cmd(event({ member: b, eventKey: 'b1' }))], T0);
    const id = open!.id;
    const calm = () => redis.zrange(keys.calm(id), 0, -1, 'WITHSCORES');
    const resolve = (member: string, at: number) => repo.ingest([cmd(event({ member, status: 'resolved', eventKey: `${member}-res-${at}` }), { resolveHoldMs: hold })], at);
    expect(await redis.hget(keys.incident(id), 'calmIndexed')).toBe('1');
    await resolve('am:aaaa', T0 + MIN);
    await resolve(b, T0 + 2 * MIN);
    expect(await calm()).toEqual(['am:aaaa', String(T0 + 11 * MIN), b, String(T0 + 12 * MIN)]);
    await resolve(b, T0 + 3 * MIN); // still within its hold: nothing changes
    expect(await calm()).toEqual(['am:aaaa', String(T0 + 11 * MIN), b, String(T0 + 12 * MIN)]);
    await repo.ingest([cmd(event({ member: b, eventKey: 'b2' }))], T0 + 4 * MIN); // b fires again
    expect(await calm()).toEqual(['am:aaaa', String(T0 + 11 * MIN)]);
    const [done] = await resolve('am:aaaa', T0 + 11 * MIN); // a's hold is over
    expect(done).toMatchObject({ kind: 'merged', state: 'open' });
    expect(await calm()).toEqual([]);
    // calm again, then resolved by a person: the calm set expires with the incident's other keys
    await resolve(b, T0 + 12 * MIN);
    await repo.transition(id, 'resolve', 'user:ops', 'api', T0 + 13 * MIN);
    const [ttl, calmTtl] = await Promise.all([redis.pttl(keys.incident(id)), redis.pttl(keys.calm(id))]);
    expect(calmTtl).toBeGreaterThan(0);
    expect(Math.abs(calmTtl - ttl)).toBeLessThan(5_000);
  });

  it('ignores a resolution for something it never saw', async () => {
    const [r] = await repo.ingest([cmd(event({ status: 'resolved' }))], T0);
    expect(r).toMatchObject({ kind: 'ignored', id: '' });
    expect(await repo.list({ limit: 10 })).toHaveLength(0);
  });

  it('holds a resolution until the member stayed calm for the hold time; a refire in between cancels it', async () => {
    const hold = 10 * MIN;
    const [a] = await repo.ingest([cmd(event())], T0);
    const calm = (at: number) => repo.ingest([cmd(event({ status: 'resolved', eventKey: `res-${at}` }), { resolveHoldMs: hold })], at);
    expect((await calm(T0 + MIN))[0]!.kind).toBe('holding');
    expect((await calm(T0 + 5 * MIN))[0]!.kind).toBe('holding');
    await repo.ingest([cmd(event({ eventKey: 'refire' }))], T0 + 6 * MIN); // figures went over again
    expect((await calm(T0 + 7 * MIN))[0]!.kind).toBe('holding');
    expect((await calm(T0 + 16 * MIN))[0]!.kind).toBe('holding'); // 9 min calm: not yet
    expect((await calm(T0 + 17 * MIN))[0]).toMatchObject({ kind: 'resolved', id: a!.id });
  });

  it('a person must close a manual-resolution class even when the monitor clears', async () => {
    const [a] = await repo.ingest([cmd(event({ class: 'security' }), { resolution: 'manual', groupKey: 'security:hq' })], T0);
    const [r] = await repo.ingest([cmd(event({ class: 'security', status: 'resolved', eventKey: 'x' }), { resolution: 'manual', groupKey: 'security:hq' })], T0 + MIN);
    expect(r).toMatchObject({ kind: 'merged', state: 'open' });
    expect((await repo.get(a!.id))!.timeline.at(-1)).toMatchObject({ type: 'source_clear' });
    const t = await repo.transition(a!.id, 'resolve', 'grace_okafor', 'api', T0 + 2 * MIN);
    expect(t).toEqual({ result: 'changed', state: 'resolved' });
  });

  it('reopens the same incident on a refire within the reopen window, opens a new one after it', async () => {
    const [a] = await repo.ingest([cmd(event())], T0);
    await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'r1' }))], T0 + MIN);
    const [b] = await repo.ingest([cmd(event({ eventKey: 'f2' }), { newId: ulid(T0 + 5 * MIN) })], T0 + 5 * MIN);
    expect(b).toMatchObject({ kind: 'reopened', id: a!.id, state: 'open' });
    const inc = await repo.get(a!.id);
    expect(inc).toMatchObject({ reopenCount: 1, resolvedAt: null, state: 'open' });
    await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'r2' }))], T0 + 6 * MIN);
    const [c] = await repo.ingest([cmd(event({ eventKey: 'f3' }), { newId: ulid(T0 + 30 * MIN) })], T0 + 30 * MIN);
    expect(c!.kind).toBe('opened');
    expect(c!.id).not.toBe(a!.id);
  });

  it('a firing marked afresh opens a new incident even within the reopen window; the one resolved stays resolved', async () => {
    const [a] = await repo.ingest([cmd(event())], T0);
    await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'r1' }))], T0 + MIN);
    const [b] = await repo.ingest([cmd(event({ eventKey: 'f2', afresh: true }), { newId: ulid(T0 + MIN) })], T0 + MIN);
    expect(b).toMatchObject({ kind: 'opened', state: 'open' });
    expect(b!.id).not.toBe(a!.id);
    expect(await repo.get(a!.id)).toMatchObject({ state: 'resolved', reopenCount: 0 });
    // the group's incident is the new one from then on: its next report merges into it
    const [c] = await repo.ingest([cmd(event({ eventKey: 'f3' }))], T0 + 2 * MIN);
    expect(c).toMatchObject({ kind: 'merged', id: b!.id });
  });

  it('a firing of the occurrence its member resolved just before is a late copy within the stale window: a duplicate, the incident stays resolved; after it, a reopening', async () => {
    // an Alertmanager alert: fingerprint fp, one startsAt; its firing names the key of its resolution
    const am = (status: 'firing' | 'resolved', startsAt = 's1') =>
      cmd(event({ member: 'am:fp', status, eventKey: `fp:${startsAt}:${status}`, ...(status === 'firing' ? { resolutionKey: `fp:${startsAt}:resolved` } : {}) }), { newId: ulid(T0 + 20 * MIN) });
    const [a] = await repo.ingest([am('firing')], T0);
    expect(await repo.ingest([am('resolved')], T0 + MIN)).toMatchObject([{ kind: 'resolved', id: a!.id }]);
    // the HA peer's copy 5 s later, a third peer's at the window's end
    expect(await repo.ingest([am('firing')], T0 + MIN + 5_000)).toMatchObject([{ kind: 'duplicate', id: a!.id, eventCount: 3, state: 'resolved' }]);
    expect(await repo.ingest([am('firing')], T0 + 2 * MIN)).toMatchObject([{ kind: 'duplicate', id: a!.id, eventCount: 4, state: 'resolved' }]);
    let inc = await repo.get(a!.id);
    expect(inc).toMatchObject({ state: 'resolved', reopenCount: 0, eventCount: 4, lastEventAt: '2026-11-23T10:02:00.000Z' });
    expect(inc!.members['am:fp']).toMatchObject({ status: 'resolved', count: 4 });
    expect(inc!.timeline.map((t) => t.type)).toEqual(['opened', 'member_resolved', 'resolved', 'duplicate']);
    expect(inc!.timeline[3]).toMatchObject({ member: 'am:fp', count: 2 });
    // past the window: the same occurrence firing again is news (Prometheus back, its `for` state restored)
    expect(await repo.ingest([am('firing')], T0 + 2 * MIN + 1)).toMatchObject([{ kind: 'reopened', id: a!.id, state: 'open' }]);
    inc = await repo.get(a!.id);
    expect(inc).toMatchObject({ state: 'open', reopenCount: 1 });
    expect(inc!.members['am:fp']!.status).toBe('firing');
    // resolved and its copy in one call; a new startsAt within the window is a new occurrence
    const out = await repo.ingest([am('resolved'), am('firing'), am('firing', 's2')], T0 + 3 * MIN);
    expect(out.map((o) => [o.kind, o.state])).toEqual([
      ['resolved', 'resolved'],
      ['duplicate', 'resolved'],
      ['reopened', 'open'],
    ]);
    // resolved again: its late copy is a duplicate, and a new startsAt past the reopen window opens a new incident
    await repo.ingest([am('resolved', 's2')], T0 + 4 * MIN);
    expect(await repo.ingest([am('firing', 's2')], T0 + 4 * MIN + 1_000)).toMatchObject([{ kind: 'duplicate', id: a!.id }]);
    const [fresh] = await repo.ingest([am('firing', 's3')], T0 + 20 * MIN);
    expect(fresh).toMatchObject({ kind: 'opened' });
    expect(fresh!.id).not.toBe(a!.id);
  });

  it('a late copy of a member resolved on an incident still open for others leaves the member resolved; the others resolve the incident', async () => {
    const am = (fp: string, status: 'firing' | 'resolved') =>
      cmd(event({ member: `am:${fp}`, status, eventKey: `${fp}:s1:${status}`, ...(status === 'firing' ? { resolutionKey: `${fp}:s1:resolved` } : {}) }));
    const [a] = await repo.ingest([am('x', 'firing'), am('y', 'firing')], T0);
    expect(await repo.ingest([am('x', 'resolved')], T0 + MIN)).toMatchObject([{ kind: 'merged' }]);
    expect(await repo.ingest([am('x', 'firing')], T0 + MIN + 5_000)).toMatchObject([{ kind: 'duplicate', id: a!.id, state: 'open', eventCount: 4 }]);
    expect((await repo.get(a!.id))!.members['am:x']).toMatchObject({ status: 'resolved', count: 3 });
    expect(await repo.ingest([am('y', 'resolved')], T0 + 2 * MIN)).toMatchObject([{ kind: 'resolved', id: a!.id }]);
  });

  it('an alert that clears after a person closed its incident is recorded resolved: its late copy is a duplicate, its firing count and calm set kept right', async () => {
    const keys = makeKeys(prefix, 'live');
    const am = (fp: string, status: 'firing' | 'resolved', startsAt = 's1') =>
      cmd(event({ member: `am:${fp}`, status, eventKey: `${fp}:${startsAt}:${status}`, resolutionKey: `${fp}:${startsAt}:resolved` }), { newId: ulid(T0 + 30 * MIN) });
    const [a] = await repo.ingest([am('x', 'firing'), am('y', 'firing')], T0);
    const id = a!.id;
    // y's resolution held (calm), then a person closes the incident
    expect(await repo.ingest([cmd(am('y', 'resolved').event, { resolveHoldMs: 5 * MIN })], T0 + MIN)).toMatchObject([{ kind: 'holding' }]);
    expect(await redis.zcard(keys.calm(id))).toBe(1);
    expect(await repo.transition(id, 'resolve', 'ops', 'api', T0 + 2 * MIN)).toMatchObject({ result: 'changed' });
    // both alerts clear 2 min later (one call): answered ignored as before, and recorded on their members
    const cleared = await repo.ingest([am('x', 'resolved'), am('y', 'resolved')], T0 + 4 * MIN);
    expect(cleared).toMatchObject([
      { kind: 'ignored', id, eventCount: 0, state: 'resolved' },
      { kind: 'ignored', id, eventCount: 0, state: 'resolved' },
    ]);
    const stored = async (member: string) => JSON.parse((await redis.hget(keys.members(id), member))!) as Record<string, unknown>;
    expect(await stored('am:x')).toMatchObject({ status: 'resolved', lastKey: 'x:s1:resolved', resolvedAtMs: T0 + 4 * MIN, count: 2 });
    expect(await stored('am:y')).toMatchObject({ status: 'resolved', lastKey: 'y:s1:resolved', resolvedAtMs: T0 + 4 * MIN });
    expect((await stored('am:y')).calmSinceMs).toBeUndefined();
    let inc = await repo.get(id);
    expect(inc).toMatchObject({ state: 'resolved', eventCount: 3, resolvedBy: 'ops' });
    expect(await redis.hget(keys.incident(id), 'firingMembers')).toBe('0');
    expect(await redis.zcard(keys.calm(id))).toBe(0);
    // a resolution repeated changes nothing more
    expect(await repo.ingest([am('x', 'resolved')], T0 + 4 * MIN + 1_000)).toMatchObject([{ kind: 'ignored' }]);
    expect((await repo.get(id))!.members['am:x']!.count).toBe(2);
    // the HA peer's firing copy 5 s later: a duplicate; the incident stays closed
    expect(await repo.ingest([am('x', 'firing')], T0 + 4 * MIN + 5_000)).toMatchObject([{ kind: 'duplicate', id, state: 'resolved' }]);
    inc = await repo.get(id);
    expect(inc).toMatchObject({ state: 'resolved', reopenCount: 0 });
    expect(inc!.members['am:x']!.status).toBe('resolved');
    // past the window, x firing again reopens: one member firing, whose resolution resolves the incident
    expect(await repo.ingest([am('x', 'firing')], T0 + 5 * MIN + 1_000)).toMatchObject([{ kind: 'reopened', id, state: 'open' }]);
    expect(await redis.hget(keys.incident(id), 'firingMembers')).toBe('1');
    expect(await redis.hget(keys.incident(id), 'memberResolvedAtMs')).toBeNull();
    expect(await repo.ingest([am('x', 'resolved')], T0 + 6 * MIN)).toMatchObject([{ kind: 'resolved', id }]);
  });

  it('an all-clear without an occurrence identity on a closed incident records nothing, as before', async () => {
    const [a] = await repo.ingest([cmd(event({ eventKey: 'ups:ups1:on_battery' }))], T0);
    await repo.transition(a!.id, 'resolve', 'ops', 'api', T0 + MIN);
    expect(await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'ups:ups1:clear' }))], T0 + 2 * MIN)).toMatchObject([{ kind: 'ignored' }]);
    expect((await repo.get(a!.id))!.members[event().member]).toMatchObject({ status: 'firing', count: 1 });
    expect(await redis.hget(makeKeys(prefix, 'live').incident(a!.id), 'firingMembers')).toBe('1');
  });

  it('events of sources without an occurrence identity (no resolutionKey), or a stale window of 0, reopen as ever', async () => {
    const [a] = await repo.ingest([cmd(event({ eventKey: 'ups:ups1:on_battery' }))], T0);
    await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'ups:ups1:clear' }))], T0 + MIN);
    expect(await repo.ingest([cmd(event({ eventKey: 'ups:ups1:on_battery' }))], T0 + MIN + 1_000)).toMatchObject([{ kind: 'reopened', id: a!.id }]);
    const off = new RedisIncidentRepository(redis, makeKeys(prefix, 'drill'), { reopenWindowMs: 10 * MIN, retentionMs: 30 * 86_400_000, maxTimeline: 100, staleFiringWindowMs: 0 });
    const am = (status: 'firing' | 'resolved') => cmd(event({ member: 'am:fp', status, eventKey: `fp:s1:${status}`, ...(status === 'firing' ? { resolutionKey: 'fp:s1:resolved' } : {}) }));
    const [b] = await off.ingest([am('firing')], T0);
    await off.ingest([am('resolved')], T0 + MIN);
    expect(await off.ingest([am('firing')], T0 + MIN + 1_000)).toMatchObject([{ kind: 'reopened', id: b!.id }]);
  });

  it('records truncated alerts once per body', async () => {
    const [a] = await repo.ingest([cmd(event(), { truncated: 3 }), cmd(event({ member: 'am:b', eventKey: 'b' }))], T0);
    const inc = await repo.get(a!.id);
    expect(inc!.truncatedAlerts).toBe(3);
    expect(inc!.timeline.filter((t) => t.type === 'truncated')).toEqual([expect.objectContaining({ count: 3 })]);
  });

  it('records a body’s left-out alerts on the first incident one of its events reaches, whatever its status', async () => {
    const [a] = await repo.ingest([cmd(event()), cmd(event({ member: 'am:b', eventKey: 'b' }))], T0);
    // a body that begins with a resolution
    await repo.ingest([cmd(event({ status: 'resolved', eventKey: 'r' }), { truncated: 2 }), cmd(event({ member: 'am:c', eventKey: 'c' }), { continuesBody: true })], T0 + MIN);
    let inc = await repo.get(a!.id);
    expect(inc!.truncatedAlerts).toBe(2);
    expect(inc!.timeline.filter((t) => t.type === 'truncated')).toEqual([expect.objectContaining({ count: 2 })]);
    // one whose first event finds nothing to resolve: the next one that lands takes the count
    const other = event({ site: 'dc2', member: 'am:z', eventKey: 'z' });
    const [, d] = await repo.ingest([cmd({ ...other, status: 'resolved' }, { truncated: 4 }), cmd(event({ site: 'dc3', member: 'am:d', eventKey: 'd' }), { continuesBody: true, newId: ulid(T0 + 2 * MIN) })], T0 + 2 * MIN);
    expect(d!.kind).toBe('opened');
    expect((await repo.get(d!.id))!.truncatedAlerts).toBe(4);
    inc = await repo.get(a!.id);
    expect(inc!.truncatedAlerts).toBe(2);
  });

  it('a body sent again after it was recorded (a retry after a 503) adds no left-out alerts; another body in the same call keeps its own', async () => {
    const body = () => [cmd(event(), { truncated: 3 }), cmd(event({ member: 'am:b', eventKey: 'b' }), { continuesBody: true })];
    const [a] = await repo.ingest(body(), T0);
    const again = await repo.ingest(body(), T0 + 1_000);
    expect(again.map((o) => o.kind)).toEqual(['duplicate', 'duplicate']);
    expect((await repo.get(a!.id))!.truncatedAlerts).toBe(3);
    expect((await repo.get(a!.id))!.timeline.filter((t) => t.type === 'truncated')).toHaveLength(1);
    // the retried body's count does not pass to the next body of the same script call
    const [, , e] = await repo.ingest([...body(), cmd(event({ site: 'dc2', member: 'am:e', eventKey: 'e' }), { newId: ulid(T0 + 2_000) })], T0 + 2_000);
    expect(e!.kind).toBe('opened');
    expect((await repo.get(e!.id))!.truncatedAlerts).toBe(0);
    expect((await repo.get(a!.id))!.truncatedAlerts).toBe(3);
  });

  it('a body split over several script calls never lends its count to another body batched with a part of it', async () => {
    const small = new RedisIncidentRepository(redis, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 30 * 86_400_000, maxTimeline: 100, ingestBatch: 2, ingestInFlight: 1 });
    const nothing = (i: number) => cmd(event({ site: `gone${i}`, member: `am:g${i}`, eventKey: `g${i}`, status: 'resolved' }), { continuesBody: i > 0, ...(i === 0 ? { truncated: 5 } : {}) });
    // a body of three that reaches no incident: its last part goes out in a call of its own or behind
    // another body, which must not take the count
    const first = small.ingest([nothing(0), nothing(1), nothing(2)], T0);
    const second = small.ingest([cmd(event({ site: 'dc9', member: 'am:n', eventKey: 'n' }), { newId: ulid(T0 + 1) })], T0);
    const [[, , x], [n]] = await Promise.all([first, second]);
    expect(x!.kind).toBe('ignored');
    expect((await small.get(n!.id))!.truncatedAlerts).toBe(0);
  });

  describe('a body split over several script calls (more events than ingestBatch)', () => {
    const splitRepo = () => new RedisIncidentRepository(redis, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 30 * 86_400_000, maxTimeline: 100, ingestBatch: 2, ingestInFlight: 4 });
    // a body of four: two alerts of hq (known already), then two of dc2 (new)
    const known = (i: number) => event({ member: `am:k${i}`, eventKey: `k${i}` });
    const fresh = (i: number) => event({ site: 'dc2', member: `am:f${i}`, eventKey: `f${i}` });
    const body = (left: number) => [cmd(known(0), { truncated: left }), cmd(known(1), { continuesBody: true }), cmd(fresh(0), { continuesBody: true, newId: ulid(T0 + 1) }), cmd(fresh(1), { continuesBody: true, newId: ulid(T0 + 1) })];
    const marks = async () => redis.keys(`${prefix}*truncated-body*`);

    it('records its left-out alerts on the incident of its first news, also when only a later part brings any', async () => {
      const split = splitRepo();
      const [a] = await split.ingest([cmd(known(0)), cmd(known(1))], T0);
      const out = await split.ingest(body(6), T0 + MIN);
      expect(out.map((o) => o.kind)).toEqual(['duplicate', 'duplicate', 'opened', 'merged']);
      const opened = await split.get(out[2]!.id);
      expect(opened!.truncatedAlerts).toBe(6);
      expect(opened!.timeline.filter((t) => t.type === 'truncated')).toEqual([expect.objectContaining({ count: 6 })]);
      expect((await split.get(a!.id))!.truncatedAlerts).toBe(0);
      // once per body: the first part's news takes it, a later part's adds nothing
      const again = await split.ingest([cmd(event({ member: 'am:k2', eventKey: 'k2' }), { truncated: 3 }), cmd(known(1), { continuesBody: true }), cmd(fresh(2), { continuesBody: true })], T0 + 2 * MIN);
      expect(again.map((o) => o.kind)).toEqual(['merged', 'duplicate', 'merged']);
      expect((await split.get(a!.id))!.truncatedAlerts).toBe(3);
      expect((await split.get(out[2]!.id))!.truncatedAlerts).toBe(6);
      // the marks are gone once every part is in
      expect(await marks()).toEqual([]);
    });

    it('counts once when a part failed and the sender sent the whole body again', async () => {
      const split = splitRepo();
      // dc2's group points at a key of the wrong type: the second part fails, after the first went in
      const k = makeKeys(prefix, 'live');
      await redis.hset(k.groups, 'power:dc2', 'broken');
      await redis.set(k.incident('broken'), 'not a hash');
      const first = [cmd(event({ member: 'am:n0', eventKey: 'n0' }), { truncated: 4 }), cmd(event({ member: 'am:n1', eventKey: 'n1' }), { continuesBody: true }), cmd(fresh(0), { continuesBody: true, newId: ulid(T0 + 1) }), cmd(fresh(1), { continuesBody: true, newId: ulid(T0 + 1) })];
      await expect(split.ingest(first, T0)).rejects.toThrow();
      const hq = (await split.list({ limit: 10 }))[0]!;
      expect(hq.truncatedAlerts).toBe(4);
      // Redis mended, the retry: hq's part is all duplicates, dc2's part opens its incident
      await redis.hdel(k.groups, 'power:dc2');
      await redis.del(k.incident('broken'));
      const retry = await split.ingest(first, T0 + 5_000);
      expect(retry.map((o) => o.kind)).toEqual(['duplicate', 'duplicate', 'opened', 'merged']);
      expect((await split.get(retry[2]!.id))!.truncatedAlerts).toBe(0);
      expect((await split.get(hq.id))!.truncatedAlerts).toBe(4);
      expect(await marks()).toEqual([]);
    });

    it('a retry whose first sending recorded nothing before it failed records the count on the retry’s first news', async () => {
      const split = splitRepo();
      await split.ingest([cmd(known(0)), cmd(known(1))], T0);
      const k = makeKeys(prefix, 'live');
      await redis.hset(k.groups, 'power:dc2', 'broken');
      await redis.set(k.incident('broken'), 'not a hash');
      await expect(split.ingest(body(2), T0 + MIN)).rejects.toThrow();
      await redis.hdel(k.groups, 'power:dc2');
      await redis.del(k.incident('broken'));
      const retry = await split.ingest(body(2), T0 + MIN + 5_000);
      expect(retry.map((o) => o.kind)).toEqual(['duplicate', 'duplicate', 'opened', 'merged']);
      expect((await split.get(retry[2]!.id))!.truncatedAlerts).toBe(2);
    });
  });

  it('acknowledge and resolve transitions are idempotent and ordered', async () => {
    const [a] = await repo.ingest([cmd(event())], T0);
    expect(await repo.transition(a!.id, 'acknowledge', 'omar_haddad', 'sms', T0 + MIN)).toEqual({ result: 'changed', state: 'acknowledged' });
    expect(await repo.transition(a!.id, 'acknowledge', 'someone', 'api', T0 + 2 * MIN)).toEqual({ result: 'unchanged', state: 'acknowledged' });
    expect(await repo.transition(a!.id, 'resolve', 'omar_haddad', 'api', T0 + 3 * MIN)).toEqual({ result: 'changed', state: 'resolved' });
    expect(await repo.transition('nope', 'resolve', 'x', 'api', T0)).toEqual({ result: 'missing', state: '' });
    const inc = await repo.get(a!.id);
    expect(inc).toMatchObject({ acknowledgedBy: 'omar_haddad', acknowledgedAt: '2026-11-23T10:01:00.000Z', resolvedBy: 'omar_haddad' });
    expect(inc!.timeline.map((t) => [t.type, t.via])).toEqual([['opened', undefined], ['acknowledged', 'sms'], ['resolved', 'api']]);
  });

  it('concurrent identical events from two clients give one incident', async () => {
    const other = new Redis(TEST_REDIS_URL);
    registerScripts(other);
    const repo2 = new RedisIncidentRepository(other, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 86_400_000, maxTimeline: 100 });
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? repo : repo2).ingest([cmd(event(), { newId: ulid(T0 + i) + i })], T0 + i)),
      );
      const kinds = results.flat().map((r) => r.kind);
      expect(kinds.filter((k) => k === 'opened')).toHaveLength(1);
      expect(new Set(results.flat().map((r) => r.id)).size).toBe(1);
      const [inc] = await repo.list({ limit: 10 });
      expect(inc!.eventCount).toBe(40);
    } finally {
      other.disconnect();
    }
  });

  it("remembers a report's key with its incident for the key window, from the first report: a copy after the resolution is a duplicate, in the same call too", async () => {
    const keyed = new RedisIncidentRepository(redis, makeKeys(prefix, 'live'), { reopenWindowMs: 10 * MIN, retentionMs: 86_400_000, maxTimeline: 100, idempotencyWindowMs: 60 * MIN });
    const KEY = 'report-key-0001';
    const report = event({ source: 'api', class: 'media', member: `api:key:${KEY}`, eventKey: `api:key:${KEY}`, groupHint: `key:${KEY}`, reportKey: KEY });
    const group = `media:hq:key%3A${KEY}`;
    const record = `${prefix}{live}:report-key:${KEY}@${group}`;
    const [a] = await keyed.ingest([cmd(report, { groupKey: group })], T0);
    expect(a).toMatchObject({ kind: 'opened' });
    expect(JSON.parse((await redis.get(record)) ?? 'null')).toEqual({ id: a!.id, at: T0 });
    const ttl = await redis.pttl(record);
    expect(ttl).toBeGreaterThan(59 * MIN);
    expect(ttl).toBeLessThanOrEqual(60 * MIN);

    await keyed.transition(a!.id, 'resolve', 'ops', 'api', T0 + MIN);
    // two copies in one script call, and one in the next: all duplicates of the incident resolved
    const copies = await keyed.ingest([cmd(report, { groupKey: group, newId: ulid(T0 + 1) }), cmd(report, { groupKey: group, newId: ulid(T0 + 2) })], T0 + 2 * MIN);
    const [third] = await keyed.ingest([cmd(report, { groupKey: group, newId: ulid(T0 + 3) })], T0 + 30 * MIN);
    expect([...copies, third].map((o) => [o!.kind, o!.id, o!.state])).toEqual(Array(3).fill(['duplicate', a!.id, 'resolved']));
    expect(await keyed.get(a!.id)).toMatchObject({ state: 'resolved', eventCount: 4, reopenCount: 0 });
    // the window runs from the first report, not from its copies
    expect(JSON.parse((await redis.get(record)) ?? 'null')).toEqual({ id: a!.id, at: T0 });

    // on the caller's clock the window is over, though Redis still holds the record: the key is free
    const [after] = await keyed.ingest([cmd(report, { groupKey: group, newId: ulid(T0 + 4) })], T0 + 61 * MIN);
    expect(after).toMatchObject({ kind: 'opened' });
    expect(after!.id).not.toBe(a!.id);
    expect(JSON.parse((await redis.get(record)) ?? 'null')).toEqual({ id: after!.id, at: T0 + 61 * MIN });

    // a report without a key, and a repository whose window is 0, remember nothing
    const off = new RedisIncidentRepository(redis, makeKeys(prefix, 'drill'), { reopenWindowMs: 10 * MIN, retentionMs: 86_400_000, maxTimeline: 100, idempotencyWindowMs: 0 });
    await off.ingest([cmd({ ...report, drill: true }, { groupKey: group, newId: `drill-${ulid(T0)}` })], T0);
    await keyed.ingest([cmd(event({ source: 'api', class: 'media', member: 'api:x', eventKey: 'api:x' }), { groupKey: 'media:hq:x' })], T0);
    expect((await redis.keys(`${prefix}*report-key*`)).sort()).toEqual([record]);
  });

  it('keeps live and drill namespaces apart', async () => {
    const drill = new RedisIncidentRepository(redis, makeKeys(prefix, 'drill'), { reopenWindowMs: 10 * MIN, retentionMs: 86_400_000, maxTimeline: 100 });
    const [l] = await repo.ingest([cmd(event())], T0);
    const [d] = await drill.ingest([cmd(event({ drill: true }), { newId: `drill-${ulid(T0)}` })], T0);
    expect(d!.kind).toBe('opened');
    expect(d!.id).not.toBe(l!.id);
    expect((await repo.list({ limit: 10 })).map((i) => i.id)).toEqual([l!.id]);
    expect((await drill.list({ limit: 10 })).map((i) => i.drill)).toEqual([true]);
  });
});
