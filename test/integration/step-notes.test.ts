/**
 * Records that carry their timeline entry in the same script call, against a real Redis: a step
 * marked done tells of it once, a notification's status change tells of it whenever the record
 * exists, and nothing is written for an incident that is gone.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredNotification } from '../../src/domain/escalation-ports.js';
import { RedisEscalationState } from '../../src/store/escalation-state.js';
import { RedisIncidentRepository } from '../../src/store/incident-repository.js';
import { makeKeys, type Keys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { registerScripts } from '../../src/store/scripts.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');

let prefix: string;
let keys: Keys;
let redis: Redis;
let state: RedisEscalationState;
let notifications: RedisNotificationRepository;

beforeEach(async () => {
  prefix = randomPrefix();
  keys = makeKeys(prefix, 'live');
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  registerScripts(redis);
  const repo = new RedisIncidentRepository(redis, keys, { reopenWindowMs: 600_000, retentionMs: 86_400_000, maxTimeline: 100 });
  state = new RedisEscalationState(redis, keys, repo);
  notifications = new RedisNotificationRepository(redis, keys);
  await redis.hset(keys.incident('inc'), { id: 'inc', state: 'open', level: 3, tier: 0, openedAtMs: T0 });
});
afterEach(async () => {
  redis.disconnect();
  await deleteByPrefix(prefix);
});

const timeline = async (id: string) => (await redis.lrange(keys.timeline(id), 0, -1)).map((t) => JSON.parse(t) as Record<string, unknown>);

describe('timeline entries written with the record', () => {
  it('completeStep: the tier_reached entry once, with the mark, and the tier raised', async () => {
    const reached = { entry: { type: 'tier_reached', tier: 1, roles: ['supervisor'], people: ['ana'], late: 12 }, at: T0 + 5000 };
    expect(await state.completeStep('inc', 't1', T0 + 5000, 1, reached)).toBe(true);
    expect(await state.completeStep('inc', 't1', T0 + 6000, 1, { ...reached, at: T0 + 6000 })).toBe(false);
    expect(await timeline('inc')).toEqual([{ at: '2026-12-04T10:00:05.000Z', type: 'tier_reached', tier: 1, roles: ['supervisor'], people: ['ana'], late: 12 }]);
    expect(await redis.hmget(keys.incident('inc'), 'tier', 'step:t1')).toEqual(['1', String(T0 + 5000)]);

    expect(await state.completeStep('inc', 'reminder:1', T0 + 7000, null)).toBe(true); // no entry given: none written
    expect(await timeline('inc')).toHaveLength(1);
    expect(await state.completeStep('gone', 't0', T0, 0, reached)).toBe(false);
    expect(await redis.exists(keys.timeline('gone'), keys.incident('gone'))).toBe(0);
  });

  it('update: the entry with the status, also when another claimer holds the record; none without a record', async () => {
    const record: StoredNotification = { id: 'inc:t0:ana:sms:1', incidentId: 'inc', stepKey: 't0', tier: 0, role: 'it_ops', person: 'ana', channel: 'sms', status: 'planned', at: '2026-12-04T10:00:00.000Z', attempt: 1 };
    expect((await notifications.claim(record, T0, 30_000, 'engine-a')).outcome).toBe('owned');
    const sent = { entry: { type: 'notified', notification: record.id, status: 'sent' }, at: T0 + 1000 };
    expect(await notifications.update('inc', record.id, { status: 'sent', at: '2026-12-04T10:00:01.000Z' }, 'engine-a', sent)).toBe(true);
    const lost = { entry: { type: 'notification_failed', notification: record.id, error: 'late' }, at: T0 + 2000 };
    expect(await notifications.update('inc', record.id, { status: 'failed' }, 'engine-b', lost)).toBe(false);
    expect(JSON.parse((await redis.hget(keys.notifications('inc'), record.id))!)).toMatchObject({ status: 'sent', claimedBy: 'engine-a' });
    expect((await timeline('inc')).map((e) => [e.type, e.at])).toEqual([
      ['notified', '2026-12-04T10:00:01.000Z'],
      ['notification_failed', '2026-12-04T10:00:02.000Z'],
    ]);

    expect(await notifications.update('gone', 'x', { status: 'sent' }, '', sent)).toBe(false);
    expect(await redis.exists(keys.timeline('gone'))).toBe(0);
  });
});
