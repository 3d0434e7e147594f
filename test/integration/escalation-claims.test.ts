/** The escalation Lua scripts under contention: claims are exclusive, leases re-deliver, fencing tokens hold. */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisEscalationQueue } from '../../src/store/escalation-queue.js';
import { makeKeys, type Keys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { registerScripts } from '../../src/store/scripts.js';
import type { StoredNotification } from '../../src/domain/escalation-ports.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const LEASE = 30_000;
let prefix: string;
let keys: Keys;
let clients: Redis[];

beforeEach(async () => {
  prefix = randomPrefix();
  keys = makeKeys(prefix, 'live');
  clients = Array.from({ length: 6 }, () => {
    const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    registerScripts(r);
    return r;
  });
});
afterEach(async () => {
  for (const c of clients) c.disconnect();
  await deleteByPrefix(prefix);
});

const queues = () => clients.map((c) => new RedisEscalationQueue(c, keys, { leaseMs: LEASE }));

describe('claimDue', () => {
  it('concurrent claimers split the due incidents: each claimed by exactly one', async () => {
    const r = clients[0] as Redis;
    const ids = Array.from({ length: 300 }, (_, i) => `inc${i}`);
    await r.zadd(keys.due, ...ids.flatMap((id, i) => [NOW - i, id]));
    await r.zadd(keys.due, NOW + 60_000, 'later');
    const claims = (await Promise.all(queues().map((q) => q.claimDue(NOW, 40)))).flat();
    const more = (await Promise.all(queues().map((q) => q.claimDue(NOW, 40)))).flat();
    const all = [...claims, ...more].map((c) => c.id);
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
    expect(all).not.toContain('later');
    expect(await r.zscore(keys.due, 'inc0')).toBe(String(NOW + LEASE));
  });

  it('a claim not handed back is delivered again after the lease, with a larger token; the stale token can no longer reschedule', async () => {
    const [a, b] = queues() as [RedisEscalationQueue, RedisEscalationQueue];
    await (clients[0] as Redis).zadd(keys.due, NOW, 'x');
    const [first] = await a.claimDue(NOW, 10);
    expect(first?.dueAt).toBe(NOW);
    expect(await b.claimDue(NOW + LEASE - 1, 10)).toEqual([]);
    const [second] = await b.claimDue(NOW + LEASE, 10);
    expect(second?.id).toBe('x');
    expect(Number(second?.token)).toBeGreaterThan(Number(first?.token));
    expect(await a.reschedule('x', first?.token ?? '', NOW + 99)).toBe('lost');
    expect(await b.reschedule('x', second?.token ?? '', NOW + 5 * 60_000)).toBe('rescheduled');
    expect(await b.dueAt('x')).toBe(NOW + 5 * 60_000);
  });

  it('an incident re-scored while claimed (a resolution asked for a look now) keeps the earlier time and is never removed', async () => {
    const [a] = queues() as [RedisEscalationQueue];
    const r = clients[0] as Redis;
    await r.zadd(keys.due, NOW, 'x');
    const [c] = await a.claimDue(NOW, 10);
    await r.zadd(keys.due, NOW + 10, 'x'); // transition-incident: look now
    expect(await a.reschedule('x', c?.token ?? '', null)).toBe('touched');
    expect(await a.dueAt('x')).toBe(NOW + 10);
  });

  it('parked open incidents stay in the due set (the auditor sees them), finished ones leave it', async () => {
    const [a] = queues() as [RedisEscalationQueue];
    const r = clients[0] as Redis;
    await r.zadd(keys.due, NOW, 'open1', NOW, 'done1');
    const claims = await a.claimDue(NOW, 10);
    const tok = (id: string) => claims.find((c) => c.id === id)?.token ?? '';
    expect(await a.reschedule('open1', tok('open1'), 'park')).toBe('rescheduled');
    expect(await a.reschedule('done1', tok('done1'), null)).toBe('rescheduled');
    expect(await a.dueAt('open1')).toBe(Number.POSITIVE_INFINITY);
    expect(await a.dueAt('done1')).toBeUndefined();
    expect(await a.claimDue(NOW + 10 * LEASE, 10)).toEqual([]);
  });

  it('claimIncident is refused while another claim runs, granted after it', async () => {
    const [a, b] = queues() as [RedisEscalationQueue, RedisEscalationQueue];
    await (clients[0] as Redis).zadd(keys.due, NOW, 'x');
    const results = await Promise.all([a.claim('x', NOW), b.claim('x', NOW), a.claim('x', NOW)]);
    expect(results.filter((x) => x !== undefined)).toHaveLength(1);
    expect(await b.claim('x', NOW + LEASE)).toBeDefined();
  });

  it('the auditor re-adds open incidents with no due entry and reports overdue ones', async () => {
    const [a] = queues() as [RedisEscalationQueue];
    const r = clients[0] as Redis;
    await r.zadd(keys.open, NOW, 'lost', NOW, 'late', NOW, 'fine');
    await r.zadd(keys.due, NOW - 2 * LEASE, 'late', NOW + 60_000, 'fine');
    const audit = await a.audit(NOW);
    expect(audit.missing).toEqual(['lost']);
    expect(audit.overdue).toEqual(['late']);
    expect(await a.dueAt('lost')).toBe(NOW);
  });
});

describe('claimNotification', () => {
  const record = (id: string): StoredNotification => ({ id, incidentId: 'inc1', stepKey: 't0', tier: 0, role: 'it_ops', person: 'p', channel: 'voice', status: 'planned', at: new Date(NOW).toISOString(), attempt: 1 });
  beforeEach(async () => {
    await (clients[0] as Redis).hset(keys.incident('inc1'), 'id', 'inc1');
  });

  it('writes nothing for an incident that no longer exists (no record would outlive it)', async () => {
    const repo = new RedisNotificationRepository(clients[0] as Redis, keys);
    const ref = { incidentId: 'gone1', notificationId: 'n1', person: 'p' };
    const out = await repo.claim({ ...record('n1'), incidentId: 'gone1' }, NOW, LEASE, 'me', { code: 'WXYZ', ref, ttlMs: 60_000 });
    expect(out.outcome).toBe('gone');
    expect(await (clients[0] as Redis).exists(keys.notifications('gone1'), keys.custom('code:WXYZ'))).toBe(0);
  });

  it('of many concurrent claimers of one idempotency key exactly one owns it', async () => {
    const repos = clients.map((c) => new RedisNotificationRepository(c, keys));
    const out = await Promise.all(repos.flatMap((r, i) => [r.claim(record('n1'), NOW, LEASE, `o${i}`), r.claim(record('n1'), NOW, LEASE, `o${i}b`)]));
    expect(out.filter((x) => x.outcome === 'owned')).toHaveLength(1);
    expect(out.filter((x) => x.outcome === 'exists')).toHaveLength(11);
  });

  it('a stale planned claim is taken over by exactly one of many; a sent record never is', async () => {
    const repos = clients.map((c) => new RedisNotificationRepository(c, keys));
    const first = repos[0] as RedisNotificationRepository;
    await first.claim(record('n2'), NOW, LEASE, 'dead');
    await first.claim(record('n3'), NOW, LEASE, 'alive');
    expect(await first.update('inc1', 'n3', { status: 'sent' }, 'alive')).toBe(true);
    const out = await Promise.all(repos.map((r, i) => r.claim(record('n2'), NOW + LEASE, LEASE, `o${i}`)));
    expect(out.filter((x) => x.outcome === 'reclaimed')).toHaveLength(1);
    const late = await Promise.all(repos.map((r, i) => r.claim(record('n3'), NOW + 10 * LEASE, LEASE, `o${i}`)));
    expect(late.every((x) => x.outcome === 'exists' && x.record.status === 'sent')).toBe(true);
  });

  it('the notifications hash expires with a resolved incident', async () => {
    const r = clients[0] as Redis;
    await r.hset(keys.incident('inc9'), 'id', 'inc9');
    await r.pexpire(keys.incident('inc9'), 60_000);
    const repo = new RedisNotificationRepository(r, keys);
    await repo.claim({ ...record('n9'), incidentId: 'inc9' }, NOW, LEASE, 'me');
    const ttl = await r.pttl(keys.notifications('inc9'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('reply codes are unique: a code offered with two claims goes to one notification, the other is told to offer another', async () => {
    const [a, b] = clients.map((c) => new RedisNotificationRepository(c, keys));
    const ref = (notificationId: string) => ({ incidentId: 'inc1', notificationId, person: 'p' });
    const both = await Promise.all([
      a!.claim(record('n1'), NOW, LEASE, 'oa', { code: 'BDFG', ref: ref('n1'), ttlMs: 60_000 }),
      b!.claim(record('n2'), NOW, LEASE, 'ob', { code: 'BDFG', ref: ref('n2'), ttlMs: 60_000 }),
    ]);
    expect(both.map((x) => x.outcome).sort()).toEqual(['code_taken', 'owned']);
    const winner = both.find((x) => x.outcome === 'owned')!.record;
    expect(winner.code).toBe('BDFG');
    expect((await a!.lookupCode('bdfg'))?.notificationId).toBe(winner.id);
    const loser = winner.id === 'n1' ? 'n2' : 'n1';
    expect(await (clients[0] as Redis).hexists(keys.notifications('inc1'), loser)).toBe(0); // nothing written

    // a stale planned record taken over keeps its own code; one without a code gets the one offered
    const stale = await a!.claim(record(loser), NOW, LEASE, 'oa', { code: 'HJKL', ref: ref(loser), ttlMs: 60_000 });
    expect(stale).toMatchObject({ outcome: 'owned', record: { code: 'HJKL' } });
    const again = await b!.claim(record(loser), NOW + LEASE, LEASE, 'ob', { code: 'MNPQ', ref: ref(loser), ttlMs: 60_000 });
    expect(again).toMatchObject({ outcome: 'reclaimed', record: { code: 'HJKL', claimedBy: 'ob' } });
    expect(await a!.lookupCode('MNPQ')).toBeUndefined();
    await (clients[0] as Redis).hset(keys.notifications('inc1'), 'n3', JSON.stringify({ ...record('n3'), claimedAtMs: NOW }));
    const bare = await a!.claim(record('n3'), NOW + LEASE, LEASE, 'oa', { code: 'RSTV', ref: ref('n3'), ttlMs: 60_000 });
    expect(bare).toMatchObject({ outcome: 'reclaimed', record: { code: 'RSTV' } });
    expect(await a!.lookupCode('rstv')).toEqual(ref('n3'));
    const ttl = await (clients[0] as Redis).pttl(keys.custom('code:RSTV'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('renewing a claim starts its lease again, and only for the claim its sender took while still planned', async () => {
    const [a, b] = clients.map((c) => new RedisNotificationRepository(c, keys)) as [RedisNotificationRepository, RedisNotificationRepository];
    const mine = await a.claim(record('n1'), NOW, LEASE, 'oa');
    const at = mine.record.claimedAtMs ?? 0;
    expect(at).toBe(NOW);
    // renewed 20 s in: at the first lease's end the page is still held, at the renewed one's it may be taken over
    expect(await a.renew('inc1', 'n1', 'oa', at, NOW + 20_000)).toBe('renewed');
    expect((await a.get('inc1', 'n1'))?.claimedAtMs).toBe(NOW + 20_000);
    expect((await b.claim(record('n1'), NOW + LEASE, LEASE, 'ob')).outcome).toBe('exists');
    expect((await b.claim(record('n1'), NOW + 20_000 + LEASE, LEASE, 'ob')).outcome).toBe('reclaimed');
    // taken over: its first claimer renews nothing, whatever claim time it gives
    expect(await a.renew('inc1', 'n1', 'oa', NOW + 20_000, NOW + 60_000)).toBe('lost');
    expect((await a.get('inc1', 'n1'))?.claimedBy).toBe('ob');
    // one owner id per process: a claim of the same owner taken over since is another claim
    const own = await a.claim(record('n2'), NOW, LEASE, 'oa');
    const again = await a.claim(record('n2'), NOW + LEASE, LEASE, 'oa');
    expect(again.outcome).toBe('reclaimed');
    expect(await a.renew('inc1', 'n2', 'oa', own.record.claimedAtMs ?? 0, NOW + LEASE + 1)).toBe('lost');
    expect(await a.renew('inc1', 'n2', 'oa', again.record.claimedAtMs ?? 0, NOW + LEASE + 1)).toBe('renewed');
    // a lease run out that nobody took over is still its claimer's
    const late = await a.claim(record('n3'), NOW, LEASE, 'oa');
    expect(await a.renew('inc1', 'n3', 'oa', late.record.claimedAtMs ?? 0, NOW + 2 * LEASE)).toBe('renewed');
    // settled, or no record: nothing written
    expect(await a.update('inc1', 'n3', { status: 'sent' }, 'oa')).toBe(true);
    expect(await a.renew('inc1', 'n3', 'oa', NOW + 2 * LEASE, NOW + 3 * LEASE)).toBe('settled');
    expect((await a.get('inc1', 'n3'))?.claimedAtMs).toBe(NOW + 2 * LEASE);
    expect(await a.renew('inc1', 'n4', 'oa', NOW, NOW)).toBe('gone');
    expect(await (clients[0] as Redis).hexists(keys.notifications('inc1'), 'n4')).toBe(0);
  });
});
