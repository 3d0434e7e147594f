/** Wires the extra Redis connections that intake and pages write on when `incidents.replicas` asks for replica waits. */
import { ConfigError, type Config } from '../config/load-config.js';
import { connectRedis, secondConnection, type RedisClient, type ReplicaWait } from '../store/redis.js';
import { registerScripts } from '../store/scripts.js';
import type { Logger } from '../telemetry/logger.js';

/** The intake and pages connections, each waiting for replicas after its writes. */
export interface ReplicaWaits {
  readonly intake: ReplicaWait;
  readonly pages: ReplicaWait;
}

/**
 * With `incidents.replicas`, the connections intake and pages write on and wait for replicas: one
 * each, because WAIT holds up every command behind it on its connection (the engine's reads keep the
 * first connection, and a page is not held up behind webhooks waiting); undefined without.
 */
export async function replicaWaits(redis: RedisClient, config: Config, logger: Logger, connectTimeoutMs: number): Promise<ReplicaWaits | undefined> {
  const { replicas, replicaWait } = config.daemon.incidents;
  if (replicas === 0) return undefined;
  const open = async (what: 'intake' | 'pages'): Promise<ReplicaWait> => {
    const client = secondConnection(redis);
    if (!client) {
      throw new ConfigError([{ file: 'daemon.yaml', path: 'incidents.replicas', message: 'waiting for replicas needs a standalone or Sentinel Redis, and REDIS_URL names a Redis Cluster (set it to 0)' }]);
    }
    client.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, `redis connection error (${what})`));
    registerScripts(client);
    try {
      await connectRedis(client, connectTimeoutMs);
    } catch (e) {
      logger.error({ err: e }, `redis not reachable at start-up (${what} connection); answering 503 until it does`);
    }
    return { client, replicas, waitMs: replicaWait };
  };
  const [intake, pages] = await Promise.all([open('intake'), open('pages')]);
  return { intake, pages };
}
