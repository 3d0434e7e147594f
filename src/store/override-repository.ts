/** On-call overrides in Redis (live namespace), each expiring at its `until`. */
import type { RedisClient } from './redis.js';
import type { Override } from '../domain/override.js';
import { RedisExpiringRecords } from './expiring-records.js';
import type { Keys } from './keys.js';

export class RedisOverrideRepository extends RedisExpiringRecords<Override> {
  constructor(redis: RedisClient, keys: Keys) {
    super(redis, keys.custom('overrides'), keys.custom('overrides:data'));
  }
}
