/** Maintenance windows made through the API, in Redis (live namespace), each expiring at its `until`. */
import type { RedisClient } from './redis.js';
import type { MaintenanceWindow } from '../domain/suppression.js';
import { RedisExpiringRecords } from './expiring-records.js';
import type { Keys } from './keys.js';

export class RedisMaintenanceRepository extends RedisExpiringRecords<MaintenanceWindow> {
  constructor(redis: RedisClient, keys: Keys) {
    super(redis, keys.custom('maintenance'), keys.custom('maintenance:data'));
  }
}
