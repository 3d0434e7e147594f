/**
 * Reading an incident (read-incident-6.lua) against a real Redis: one script call gives what reading
 * its five keys one by one gives, escapes and all, and nothing for an incident that is gone. The
 * escalation engine's read (and the small one before a page) knows whether every member is calm,
 * and when the next hold ends, without reading the members.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/domain/event.js';
import { RedisEscalationState } from '../../src/store/escalation-state.js';
import { RedisIncidentRepository } from '../../src/store/incident-repository.js';
import { makeKeys, type Keys } from '../../src/store/keys.js';
import { registerScripts } from '../../src/store/scripts.js';
import { upsEvent } from '../support/events.js';
import { PrivateRedis } from '../support/redis-server.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');

function event(member: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return upsEvent(T0, {
    member,
    eventKey: `${member}:firing`,
    groupHint: member,
    summary: 'UPS "ups1" on battery / 5 min left \u2013 \u00e9t\u00e9 \ud83d\udd0b\nsecond line',
    labels: { alertname: 'UpsOnBattery', note: 'a\\b "c" </d>' },
    details: { seats: [1, 2], nested: { empty: {}, list: [] }, text: 'x\ty' },
    ...over,
  });
}

let prefix: string;
let keys: Keys;
let redis: Redis;
let calls: string[];
let repo: RedisIncidentRepository;

beforeEach(() => {
  prefix = randomPrefix();
  keys = makeKeys(prefix, 'live');
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  registerScripts(redis);
  calls = [];
  const counted = new Proxy(redis, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => {
        calls.push(String(prop));
        return (v as (...x: unknown[]) => unknown).apply(target, a);
      };
    },
  });
  registerScripts(counted);
  repo = new RedisIncidentRepository(counted, keys, { reopenWindowMs: 600_000, retentionMs: 86_400_000, maxTimeline: 100 });
});
afterEach(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

/**
 * The client calls made: `n` script calls and nothing else. A script flushed meanwhile by another
 * test (SCRIPT FLUSH) is sent once more as EVAL after NOSCRIPT: that is still the one script call.
 */
function onlyScriptCalls(n: number): void {
  expect(calls.filter((c) => c !== 'eval')).toEqual(Array.from({ length: n }, () => 'evalsha'));
}

/** The incident's keys read one by one and parsed value by value: what the script must equal. */
async function byHand(id: string) {
  const [hash, members, memberDetails, timeline, notifications] = await Promise.all([
    redis.hgetall(keys.incident(id)),
    redis.hgetall(keys.members(id)),
    redis.hgetall(keys.memberDetails(id)),
    redis.lrange(keys.timeline(id), 0, -1),
    redis.hvals(keys.notifications(id)),
  ]);
  return { hash, members, memberDetails, timeline, notifications };
}

describe('readIncident script', () => {
  it('gives, in one call, the hash, members, details, timeline and notifications as stored', async () => {
    const cmd = (e: NormalizedEvent) => ({ event: e, groupKey: 'power:hq', newId: 'inc-1', resolveHoldMs: 0, resolution: 'source' as const, playbookVersion: 'v1', truncated: 0 });
    await repo.ingest([cmd(event('am:a')), cmd(event('am:b', { level: 4 })), cmd(event('am:a', { status: 'resolved', eventKey: 'am:a:resolved' }))], T0);
    const note = { id: 'inc-1:t0:ana:sms:1', tier: 0, role: 'it_ops', person: 'ana', channel: 'sms', status: 'sent', at: '2026-12-04T10:00:01.000Z', phase: 'page', code: 'K7Q', text: 'quote " slash / back \\ \u2603' };
    await redis.hset(keys.notifications('inc-1'), note.id, JSON.stringify(note));
    await redis.hset(keys.memberDetails('inc-1'), 'am:gone', ''); // an empty value is not JSON: left out
    await repo.note('inc-1', { type: 'comment', text: 'tab\there, "quoted", \u00fcber' }, T0 + 2000);

    calls = [];
    const inc = await repo.get('inc-1');
    onlyScriptCalls(1);

    const raw = await byHand('inc-1');
    expect(inc).toMatchObject({
      id: 'inc-1',
      class: 'power',
      level: 4,
      state: 'open',
      summary: raw.hash.summary,
      eventCount: 3,
      labels: JSON.parse(raw.hash.labels!) as unknown,
      details: JSON.parse(raw.hash.details!) as unknown,
    });
    expect(inc!.summary).toContain('\ud83d\udd0b\nsecond line');
    expect(inc!.timeline).toEqual(raw.timeline.map((t) => JSON.parse(t) as unknown));
    expect(inc!.notifications).toEqual(raw.notifications.map((t) => JSON.parse(t) as unknown));
    expect(Object.keys(inc!.members).sort()).toEqual(['am:a', 'am:b']);
    for (const [name, rec] of Object.entries(raw.members)) {
      const m = JSON.parse(rec) as { status: string; count: number };
      expect(inc!.members[name]).toMatchObject({ status: m.status, count: m.count, details: JSON.parse(raw.memberDetails[name]!) as unknown });
    }
    expect(inc!.members['am:a']?.status).toBe('resolved');
  });

  it("the engine's read is the incident without its members' details, and without its members but those whose hold is over", async () => {
    const state = new RedisEscalationState(redis, keys, repo);
    const cmd = (e: NormalizedEvent, hold = 0) => ({ event: e, groupKey: 'power:hq', newId: 'inc-3', resolveHoldMs: hold, resolution: 'source' as const, playbookVersion: 'v1', truncated: 0 });
    await repo.ingest([cmd(event('am:a')), cmd(event('am:b')), cmd(event('am:c'))], T0);
    // am:b calm from T0 + 1 s, am:c from T0 + 2 s, each held a minute
    await repo.ingest([cmd(event('am:b', { status: 'resolved', eventKey: 'b-res' }), 60_000)], T0 + 1_000);
    await repo.ingest([cmd(event('am:c', { status: 'resolved', eventKey: 'c-res' }), 60_000)], T0 + 2_000);
    const full = await repo.get('inc-3');
    expect(Object.values(full!.members).every((m) => (m as { details?: unknown }).details !== undefined)).toBe(true);
    const bare = (name: string) => Object.fromEntries(Object.entries(full!.members[name]!).filter(([k]) => k !== 'details'));

    calls = [];
    const before = await state.snapshot('inc-3', T0 + 30_000);
    onlyScriptCalls(1);
    expect(before!.incident).toEqual({ ...full, members: {} });
    expect(before!.facts).toMatchObject({ controlled: false, holdEndsAtMs: T0 + 61_000 });

    const over = await state.snapshot('inc-3', T0 + 61_500);
    expect(over!.incident).toEqual({ ...full, members: { 'am:b': bare('am:b') } });
    expect(over!.facts).toMatchObject({ controlled: false, holdEndsAtMs: T0 + 61_000 });
    expect(await state.facts('inc-3', T0 + 61_500)).toEqual(over!.facts);

    // the last firing member goes calm: every member is calm or over
    await repo.ingest([cmd(event('am:a', { status: 'resolved', eventKey: 'a-res' }), 60_000)], T0 + 3_000);
    expect((await state.snapshot('inc-3', T0 + 4_000))!.facts).toMatchObject({ controlled: true, holdEndsAtMs: T0 + 61_000 });
    expect(await state.live('inc-3')).toEqual({ state: 'open', reopenCount: 0, controlled: true });
    // am:c fires again: no longer calm, and its hold is gone
    await repo.ingest([cmd(event('am:c', { eventKey: 'c-again' }))], T0 + 5_000);
    expect((await state.snapshot('inc-3', T0 + 62_500))!.facts).toMatchObject({ controlled: false, holdEndsAtMs: T0 + 61_000 });
    expect(Object.keys((await state.snapshot('inc-3', T0 + 62_500))!.incident.members)).toEqual(['am:b']);
    expect(await state.live('inc-3')).toEqual({ state: 'open', reopenCount: 0, controlled: false });
  });

  it('reads an incident of 5 000 members for the engine without reading its members', async () => {
    // A private Redis, so that its command counts are this test's alone.
    const own = await PrivateRedis.start();
    const client = new Redis(own.url);
    try {
      registerScripts(client);
      const big = new RedisIncidentRepository(client, keys, { reopenWindowMs: 600_000, retentionMs: 86_400_000, maxTimeline: 100 });
      const bigState = new RedisEscalationState(client, keys, big);
      const cmd = (e: NormalizedEvent, hold = 0) => ({ event: e, groupKey: 'big', newId: 'inc-big', resolveHoldMs: hold, resolution: 'source' as const, playbookVersion: 'v1', truncated: 0 });
      for (let i = 0; i < 5000; i += 500) await big.ingest(Array.from({ length: 500 }, (_, k) => cmd(event(`am:m${i + k}`))), T0);
      await big.ingest([cmd(event('am:m7', { status: 'resolved', eventKey: 'm7-res' }), 60_000)], T0 + 1_000);
      await client.config('RESETSTAT');
      const snap = await bigState.snapshot('inc-big', T0 + 2_000);
      expect(snap!.facts).toMatchObject({ controlled: false, holdEndsAtMs: T0 + 61_000 });
      expect(snap!.incident.members).toEqual({});
      expect(await bigState.live('inc-big')).toEqual({ state: 'open', reopenCount: 0, controlled: false });
      const stats = await client.info('commandstats');
      expect(stats).toMatch(/cmdstat_evalsha:calls=2/);
      // the incident's own hash (HGETALL, then HMGET before a page) and its notifications (HVALS):
      // no second HGETALL or HVALS, which would be its members'
      expect(stats).toMatch(/cmdstat_hgetall:calls=1,/);
      expect(stats).toMatch(/cmdstat_hmget:calls=1,/);
      expect(stats).toMatch(/cmdstat_hvals:calls=1,/);
      expect(stats).not.toMatch(/cmdstat_hscan:/);
      // the full read (the API's) lists 200 of them with their details (the default
      // `incidents.membersShown`), and says how many there are
      const full = await big.get('inc-big');
      expect(full!.memberCount).toBe(5000);
      expect(Object.keys(full!.members)).toHaveLength(200);
      expect(Object.values(full!.members).every((m) => (m as { details?: unknown }).details !== undefined)).toBe(true);
    } finally {
      client.disconnect();
      await own.destroy();
    }
  });

  it('judges an incident stored before the calm set was kept from its members, and indexes it at its next event', async () => {
    const state = new RedisEscalationState(redis, keys, repo);
    const cmd = (e: NormalizedEvent, hold = 0) => ({ event: e, groupKey: 'power:hq', newId: 'inc-4', resolveHoldMs: hold, resolution: 'source' as const, playbookVersion: 'v1', truncated: 0 });
    await repo.ingest([cmd(event('am:a')), cmd(event('am:b'))], T0);
    // as an earlier version left it: no count, no calm set, am:a calm by its record alone
    await redis.hdel(keys.incident('inc-4'), 'firingMembers', 'calmIndexed');
    await redis.hset(keys.members('inc-4'), 'am:a', JSON.stringify({ status: 'firing', since: 'x', lastAt: 'x', count: 2, calmSinceMs: T0, calmSince: new Date(T0).toISOString(), holdMs: 60_000 }));
    expect((await state.snapshot('inc-4', T0 + 1_000))!.facts).toMatchObject({ controlled: false, holdEndsAtMs: T0 + 60_000 });
    expect(Object.keys((await state.snapshot('inc-4', T0 + 1_000))!.incident.members).sort()).toEqual(['am:a', 'am:b']);
    expect(await state.live('inc-4')).toEqual({ state: 'open', reopenCount: 0, controlled: false });

    await repo.ingest([cmd(event('am:b', { status: 'resolved', eventKey: 'b-res' }), 60_000)], T0 + 2_000);
    expect(await redis.hmget(keys.incident('inc-4'), 'firingMembers', 'calmIndexed')).toEqual(['2', '1']);
    expect(await redis.zrange(keys.calm('inc-4'), 0, -1, 'WITHSCORES')).toEqual(['am:a', String(T0 + 60_000), 'am:b', String(T0 + 62_000)]);
    const snap = await state.snapshot('inc-4', T0 + 60_500);
    expect(snap!.facts).toMatchObject({ controlled: true, holdEndsAtMs: T0 + 60_000 });
    expect(Object.keys(snap!.incident.members)).toEqual(['am:a']);
    expect(await state.live('inc-4')).toEqual({ state: 'open', reopenCount: 0, controlled: true });
  });

  it('gives the escalation facts from the same read, the live facts from a small one, and nothing for an incident that is gone', async () => {
    const state = new RedisEscalationState(redis, keys, repo);
    await repo.ingest([{ event: event('am:a'), groupKey: 'power:hq', newId: 'inc-2', resolveHoldMs: 0, resolution: 'source', playbookVersion: 'v7', truncated: 0 }], T0);
    await redis.hset(keys.incident('inc-2'), 'step:t0', String(T0), 'adv:0:2', String(T0 + 5));
    const snap = await state.snapshot('inc-2', T0);
    expect(snap?.facts).toMatchObject({ state: 'open', level: 3, playbookVersion: 'v7', controlled: false, openedAtMs: T0, holdEndsAtMs: null });
    expect([...snap!.facts.done]).toEqual(['t0']);
    expect([...snap!.facts.advanced]).toEqual([['0:2', T0 + 5]]);
    expect(await state.facts('inc-2', T0)).toEqual(snap!.facts);
    expect(await state.live('inc-2')).toEqual({ state: 'open', reopenCount: 0, controlled: false });
    await redis.hset(keys.incident('inc-2'), 'state', 'acknowledged', 'reopenCount', 2);
    expect(await state.live('inc-2')).toEqual({ state: 'acknowledged', reopenCount: 2, controlled: false });
    expect((await state.snapshot('inc-2', T0))?.facts).toMatchObject({ state: 'acknowledged', reopenCount: 2, controlled: false });

    await redis.del(keys.incident('inc-2'));
    calls = [];
    expect(await state.snapshot('inc-2', T0)).toBeUndefined();
    expect(await repo.get('inc-2')).toBeUndefined();
    expect(await state.live('inc-2')).toBeUndefined();
    onlyScriptCalls(2); // `state` has the client uncounted
  });
});
