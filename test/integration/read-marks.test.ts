/** Read marks in real Redis: a mark and its key's expiry are set together or not at all. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/store/keys.js';
import { RedisReadMarks } from '../../src/store/read-marks.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const prefix = randomPrefix();
const admin = new Redis(TEST_REDIS_URL);
const user = `tocsin-test-${randomBytes(4).toString('hex')}`;
const password = randomBytes(8).toString('hex');

beforeAll(async () => {
  // a client that may write hashes but not set expiries: the second command of a mark fails
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, `~${prefix}*`, '+@connection', '+multi', '+exec', '+discard', '+hset', '+hget', '+pttl');
});

afterAll(async () => {
  await admin.call('ACL', 'DELUSER', user);
  await deleteByPrefix(prefix);
  admin.disconnect();
});

describe('read marks', () => {
  it('set a mark readable at once, on a key that expires with its scope', async () => {
    const marks = new RedisReadMarks(admin, makeKeys(prefix, 'live'));
    await marks.mark('collapses:1', 'inc-1', 7, 60_000);
    expect(await marks.countAt('collapses:1', 'inc-1')).toBe(7);
    expect(await marks.countAt('collapses:1', 'inc-2')).toBeUndefined();
    const [key] = await admin.keys(`${prefix}*read-marks:collapses:1`);
    expect(key).toBeDefined();
    const ttl = await admin.pttl(key as string);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('write nothing when the expiry cannot be set: no mark key is left without one', async () => {
    const limited = new Redis(TEST_REDIS_URL, { username: user, password, maxRetriesPerRequest: 1, enableReadyCheck: false });
    try {
      const marks = new RedisReadMarks(limited, makeKeys(prefix, 'live'));
      await expect(marks.mark('collapses:2', 'inc-1', 3, 60_000)).rejects.toThrow();
      expect(await admin.keys(`${prefix}*read-marks:collapses:2`)).toEqual([]);
    } finally {
      limited.disconnect();
    }
  });
});
