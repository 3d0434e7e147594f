/** What every part of the daemon is wired from: its environment, configuration, logs, metrics, clock and Redis. */
import type { Env } from '../config/env.js';
import type { Config } from '../config/load-config.js';
import type { Clock } from '../domain/ports.js';
import type { RedisClient } from '../store/redis.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

export interface DaemonCore {
  readonly env: Env;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly redis: RedisClient;
}
