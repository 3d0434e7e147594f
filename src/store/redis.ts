/**
 * Redis connection and error translation: a Redis that cannot answer becomes a retryable 503.
 * `REDIS_URL` is a standalone URL (`redis://…`, `rediss://…`), a Redis Cluster seed list
 * (`redis+cluster://[user:pass@]host:port,host:port,…`, `rediss+cluster://…` for TLS) or the
 * Sentinels watching a primary (`redis+sentinel://[user:pass@]host:port,host:port/<primary name>`,
 * `rediss+sentinel://…` for TLS; `?sentinelUsername=…&sentinelPassword=…` when the Sentinels ask
 * for their own credentials).
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { TocsinError } from '../domain/errors.js';
import { parseClusterUrl, parseSentinelUrl, type ClusterUrl, type SentinelUrl } from '../config/redis-url.js';
import { coalesceWrites } from './coalesce-writes.js';

export { parseClusterUrl, parseSentinelUrl, type ClusterUrl, type SentinelUrl };

/** What the stores need from a connection; a standalone Redis and a Redis Cluster both are one. */
export type RedisClient = Redis | Cluster;

/** The pauses between attempts to reconnect (daemon.yaml `redis.reconnect`, ms). */
export interface ReconnectPauses {
  /** The pause before the first attempt again after the connection failed. */
  readonly firstMs: number;
  /** The longest pause: it doubles from `firstMs` while the attempts keep failing, up to this. */
  readonly maxMs: number;
}

/**
 * The pause before attempt `times` (1, 2, …) to reconnect: `firstMs`, doubling up to `maxMs`. Also
 * the pace of a write that must land once Redis answers again (a page's record after its send):
 * trying it sooner than the connection is tried gains nothing.
 */
export function reconnectPace(p: ReconnectPauses): (times: number) => number {
  return (times) => Math.min(p.firstMs * 2 ** Math.min(Math.max(times, 1) - 1, 30), p.maxMs);
}

/** How long the client waits (daemon.yaml `redis`): one attempt to connect, one command's answer, the pauses between attempts to reconnect. */
export interface RedisTimeouts {
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnect: ReconnectPauses;
}

/** A standalone connection or, for a `redis+cluster://` URL, a Redis Cluster client; for a `redis+sentinel://` URL, the Sentinels' primary. */
export function createRedis(url: string, timeouts: RedisTimeouts, more: RedisOptions = {}): RedisClient {
  const cluster = parseClusterUrl(url);
  const sentinel = cluster ? undefined : parseSentinelUrl(url);
  const options: RedisOptions = { connectTimeout: timeouts.connectTimeoutMs, commandTimeout: timeouts.commandTimeoutMs, ...more };
  const backoff = reconnectPace(timeouts.reconnect);
  const client = cluster ? createCluster(cluster, options, backoff) : sentinel ? createSentinel(sentinel, options, backoff) : createStandalone(url, options, backoff);
  coalesceWrites(client);
  return client;
}

function createCluster(c: ClusterUrl, options: RedisOptions, backoff: (times: number) => number): Cluster {
  const nodes: ClusterNode[] = c.nodes.map((n) => ({ host: n.host, port: n.port }));
  return new Cluster(nodes, {
    enableOfflineQueue: false,
    lazyConnect: true,
    maxRedirections: 16,
    clusterRetryStrategy: backoff,
    redisOptions: {
      maxRetriesPerRequest: 1,
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      ...(c.tls ? { tls: {} } : {}),
      ...options,
    },
  });
}

/**
 * The primary the Sentinels name, found again after a failover: the client asks the Sentinels on
 * every reconnect, listens for their `+switch-master`, and drops a connection whose server has
 * become a replica (`READONLY`), so the commands of a failover answer 503 and the senders' retries
 * reach the new primary.
 */
function createSentinel(c: SentinelUrl, options: RedisOptions, backoff: (times: number) => number): Redis {
  return new Redis({
    ...BASE_OPTIONS,
    sentinels: c.nodes.map((n) => ({ host: n.host, port: n.port })),
    name: c.name,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(c.sentinelUsername ? { sentinelUsername: c.sentinelUsername } : {}),
    ...(c.sentinelPassword ? { sentinelPassword: c.sentinelPassword } : {}),
    ...(c.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    retryStrategy: backoff,
    failoverDetector: true,
    sentinelRetryStrategy: backoff,
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    ...options,
  });
}

/**
 * Writes that must reach `replicas` replicas before they count (Redis WAIT, at most `waitMs`), on a
 * connection of their own: WAIT holds up every command behind it on its connection.
 */
export interface ReplicaWait {
  readonly client: RedisClient;
  readonly replicas: number;
  readonly waitMs: number;
}

/** How many replicas hold every write made so far on the wait's connection (WAIT). */
export async function replicasConfirming(w: ReplicaWait): Promise<number> {
  return Number(await w.client.call('WAIT', w.replicas, w.waitMs));
}

/**
 * A second connection to the same standalone or Sentinel-found primary (a Cluster client has no
 * single primary to wait on: undefined), with the same options and one socket write per turn.
 */
export function secondConnection(redis: RedisClient): Redis | undefined {
  if (redis instanceof Cluster) return undefined;
  const second = redis.duplicate();
  coalesceWrites(second);
  return second;
}

/** Fail fast while disconnected: the webhook answers 503 and the sender retries. */
const BASE_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
} satisfies RedisOptions;

function createStandalone(url: string, options: RedisOptions, backoff: (times: number) => number): Redis {
  return new Redis(url, { ...BASE_OPTIONS, retryStrategy: backoff, ...options });
}

/** Waits for the connection to be usable; rejects with a clear error after `timeoutMs`. */
export async function connectRedis(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') void redis.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', `Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Server replies that mean "not now" rather than "wrong": their first word is the Redis error code. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|NOREPLICAS|MOVED|ASK)\b/;

export function storeError(e: unknown): TocsinError {
  if (e instanceof TocsinError) return e;
  const name = (e as { name?: string } | null)?.name;
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'ReplyError' && !TRANSIENT_REPLY.test(message)) {
    return new TocsinError('TOCSIN_ERR_INTERNAL', 'Redis rejected a command', { cause: e });
  }
  return new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', 'Redis is unavailable; retry later', { cause: e });
}
