import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { loadConfig } from '../config/load-config.js';
import type { Incident } from '../domain/incident.js';
import type { IncidentStore } from '../domain/ports.js';
import { makeKeys, type Keys } from '../store/keys.js';
import { registerScripts } from '../store/scripts.js';
import { RedisThrottleRepository } from '../store/throttle-repository.js';
import { createMetrics } from '../telemetry/metrics.js';
import { ReinstateCappedPages } from './reinstate-capped-pages.js';
import { ThrottlePages, throttleLimits } from './throttle-pages.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const LEASE = 30_000;
const INC = 'inc-capped';

let prefix: string;
let keys: Keys;
let clients: Redis[];

beforeEach(() => {
  prefix = randomPrefix();
  keys = makeKeys(prefix, 'live');
  clients = [0, 1].map(() => {
    const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    registerScripts(r);
    return r;
  });
});
afterEach(async () => {
  for (const c of clients) c.disconnect();
  await deleteByPrefix(prefix);
});

/** A page to `person` cancelled at the daily cap (or as `extra` says) at `at`. */
function page(person: string, stepKey: string, at: number, extra: Record<string, unknown> = {}) {
  return { id: `${INC}:${stepKey}:${person}:voice:1`, incidentId: INC, stepKey, tier: 0, role: 'shift_lead', person, channel: 'voice', status: 'cancelled', reason: 'throttled', limit: 'daily_cap', at: new Date(at).toISOString(), phase: 'page', attempt: 1, condition: 'unresolved', claimedBy: 'engine-a', claimedAtMs: at, ...extra };
}

/** One replica's ReinstateCappedPages on its own Redis connection, its timeline entries in `notes`. */
function replica(client: Redis, notes: Record<string, unknown>[]) {
  const store = new RedisThrottleRepository(client, keys, 24 * 60 * MIN);
  const limits = throttleLimits(loadConfig('config').daemon.throttle);
  const phases = new Set(['page', 'escalation', 'level_raised', 'update']);
  const stores = { live: store, drill: store };
  const logger = pino({ level: 'silent' });
  const throttle = new ThrottlePages({ limits, phases, gathered: new Set(), stores, leaseMs: LEASE, suppression: { check: async () => ({ kind: 'none' }) }, metrics: createMetrics({ defaultMetrics: false }), logger });
  const reinstate = new ReinstateCappedPages({ limits, phases, throttle, logger });
  const incidents = { note: async (_id: string, e: Record<string, unknown>) => void notes.push(e) } as unknown as IncidentStore;
  return { store, run: (inc: Incident, now: number, heldBack?: () => Promise<number | null>) => reinstate.run(inc, incidents, false, now, heldBack) };
}

async function stored(records: Record<string, unknown>[]): Promise<void> {
  for (const r of records) await (clients[0] as Redis).hset(keys.notifications(INC), String(r['id']), JSON.stringify(r));
}

async function read(): Promise<Map<string, Record<string, unknown>>> {
  const all = await (clients[0] as Redis).hgetall(keys.notifications(INC));
  return new Map(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]));
}

const incident = async (level: number, state = 'open') => ({ id: INC, class: 'hvac', level, state, reopenCount: 0, notifications: [...(await read()).values()] }) as unknown as Incident;

describe('ReinstateCappedPages (real Redis)', () => {
  it('below the prompt level a capped page stays cancelled', async () => {
    await stored([page('lin_wei', 't0', T0)]);
    const notes: Record<string, unknown>[] = [];
    expect(await replica(clients[0] as Redis, notes).run(await incident(2), T0 + MIN)).toBeNull();
    expect((await read()).get(`${INC}:t0:lin_wei:voice:1`)).toMatchObject({ status: 'cancelled', reason: 'throttled' });
    expect(notes).toEqual([]);
  });

  it('two replicas looking at once bring it back once: planned for now, on the queue, one timeline entry', async () => {
    await stored([page('lin_wei', 't0', T0)]);
    const notes: Record<string, unknown>[] = [];
    const [a, b] = [replica(clients[0] as Redis, notes), replica(clients[1] as Redis, notes)];
    const now = T0 + 5 * MIN;
    const inc = await incident(3);
    const woke = await Promise.all([a.run(inc, now), b.run(inc, now)]);
    expect(woke.filter((w) => w !== null)).toEqual([now]);
    const r = (await read()).get(`${INC}:t0:lin_wei:voice:1`);
    expect(r).toMatchObject({ status: 'planned', deferredUntil: now, throttle: 'bundled', claimedAtMs: now - LEASE, reinstated: new Date(now).toISOString() });
    expect(r?.['reason']).toBeUndefined();
    expect(notes).toEqual([expect.objectContaining({ type: 'notification_deferred', reinstated: true, level: 3, person: 'lin_wei' })]);
    expect((await a.store.history('lin_wei', 'voice', now, { incidentId: INC, notificationId: String(r?.['id']) })).waiting).toBe(true);
    // looked at again, or once it went and the incident climbed on: never a second time
    expect(await a.run(await incident(3), now + MIN)).toBeNull();
    await (clients[0] as Redis).hset(keys.notifications(INC), String(r?.['id']), JSON.stringify({ ...r, status: 'sent' }));
    expect(await b.run(await incident(4), now + 2 * MIN)).toBeNull();
    expect(notes).toHaveLength(1);
  });

  it('one page per person: the latest capped one, and none for a person a later page reached or one still waits for', async () => {
    await stored([
      page('lin_wei', 't0', T0),
      page('lin_wei', 't1', T0 + MIN, { phase: 'escalation', tier: 1 }),
      page('grace_okafor', 't0', T0),
      page('grace_okafor', 'lv3', T0 + 2 * MIN, { status: 'sent', reason: undefined, limit: undefined, phase: 'level_raised' }),
      page('omar_haddad', 't0', T0),
      page('omar_haddad', 'lv3', T0 + 2 * MIN, { status: 'planned', reason: undefined, limit: undefined, deferredUntil: T0 + 4 * MIN, throttle: 'bundled', phase: 'level_raised' }),
    ]);
    const notes: Record<string, unknown>[] = [];
    const now = T0 + 3 * MIN;
    expect(await replica(clients[0] as Redis, notes).run(await incident(3), now)).toBe(now);
    const after = await read();
    expect(after.get(`${INC}:t1:lin_wei:voice:1`)).toMatchObject({ status: 'planned' });
    expect(after.get(`${INC}:t0:lin_wei:voice:1`)).toMatchObject({ status: 'cancelled' });
    expect(after.get(`${INC}:t0:grace_okafor:voice:1`)).toMatchObject({ status: 'cancelled' });
    expect(after.get(`${INC}:t0:omar_haddad:voice:1`)).toMatchObject({ status: 'cancelled' });
    expect(notes.map((n) => n['person'])).toEqual(['lin_wei']);
  });

  it('while inhibition or maintenance holds the incident back, nothing comes back: the engine looks again when that ends', async () => {
    await stored([page('lin_wei', 't0', T0)]);
    const notes: Record<string, unknown>[] = [];
    const r = replica(clients[0] as Redis, notes);
    let asked = 0;
    const until = T0 + 30 * MIN;
    const held = async () => (asked++, until);
    expect(await r.run(await incident(3), T0 + MIN, held)).toBe(until);
    expect(asked).toBe(1);
    expect((await read()).get(`${INC}:t0:lin_wei:voice:1`)).toMatchObject({ status: 'cancelled', reason: 'throttled', limit: 'daily_cap' });
    expect(notes).toEqual([]);
    // not asked when nothing would come back (below the prompt level)
    expect(await r.run(await incident(2), T0 + MIN, held)).toBeNull();
    expect(asked).toBe(1);
    // once it ends, the page comes back
    expect(await r.run(await incident(3), until, async () => null)).toBe(until);
    expect((await read()).get(`${INC}:t0:lin_wei:voice:1`)).toMatchObject({ status: 'planned', reinstated: new Date(until).toISOString() });
  });

  it('a page whose condition no longer holds, or of a cycle before a reopening, stays cancelled', async () => {
    await stored([page('lin_wei', 't0', T0, { condition: 'unacknowledged' })]);
    const notes: Record<string, unknown>[] = [];
    const r = replica(clients[0] as Redis, notes);
    expect(await r.run(await incident(3, 'acknowledged'), T0 + MIN)).toBeNull();
    const reopened = { ...(await incident(3)), reopenCount: 1 } as Incident;
    expect(await r.run(reopened, T0 + MIN)).toBeNull();
    expect(notes).toEqual([]);
  });
});
