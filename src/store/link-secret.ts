/** A per-Redis random secret for action links, made once and shared by every replica on that Redis. */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';

export async function sharedLinkSecret(redis: RedisClient, keys: Keys): Promise<string> {
  const key = keys.custom('link-secret');
  try {
    await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
    const s = await redis.get(key);
    if (!s) throw new Error('link secret vanished');
    return s;
  } catch (e) {
    throw storeError(e);
  }
}
