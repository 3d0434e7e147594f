/**
 * Redis connection and error translation: a Redis that cannot answer becomes a retryable 503.
 * `REDIS_URL` is a standalone URL (`redis://…`, `rediss://…`) or a Redis Cluster seed list
 * (`redis+cluster://[user:pass@]host:port,host:port,…`, `rediss+cluster://…` for TLS).
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { TocsinError } from '../domain/errors.js';
import { coalesceWrites } from './coalesce-writes.js';

/** What the stores need from a connection; a standalone Redis and a Redis Cluster both are one. */
export type RedisClient = Redis | Cluster;

export interface ClusterUrl {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

/** Parses `redis+cluster://[user:pass@]host:port,host:port`; undefined for any other URL. */
export function parseClusterUrl(url: string): ClusterUrl | undefined {
  const m = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?(?:[?#].*)?$/.exec(url.trim());
  if (!m) return undefined;
  const nodes = (m[4] ?? '').split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const host = (at > 0 ? hp.slice(0, at) : hp).replace(/^\[|\]$/g, '');
    const port = at > 0 ? Number(hp.slice(at + 1)) : 6379;
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new TocsinError('TOCSIN_ERR_CONFIG_INVALID', `REDIS_URL: bad cluster node "${hp}"`);
    }
    return { host, port };
  });
  const dec = (v: string | undefined) => (v === undefined || v === '' ? undefined : decodeURIComponent(v));
  return { nodes, username: dec(m[2]), password: dec(m[3]), tls: m[1] === 'rediss' };
}

/** A standalone connection or, for a `redis+cluster://` URL, a Redis Cluster client. */
export function createRedis(url: string, options: RedisOptions = {}): RedisClient {
  const cluster = parseClusterUrl(url);
  const client = cluster ? createCluster(cluster, options) : createStandalone(url, options);
  coalesceWrites(client);
  return client;
}

function createCluster(c: ClusterUrl, options: RedisOptions): Cluster {
  const nodes: ClusterNode[] = c.nodes.map((n) => ({ host: n.host, port: n.port }));
  return new Cluster(nodes, {
    enableOfflineQueue: false,
    lazyConnect: true,
    maxRedirections: 16,
    clusterRetryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    redisOptions: {
      maxRetriesPerRequest: 1,
      commandTimeout: 5_000,
      connectTimeout: 2_000,
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      ...(c.tls ? { tls: {} } : {}),
      ...options,
    },
  });
}

function createStandalone(url: string, options: RedisOptions): Redis {
  return new Redis(url, {
    // Fail fast while disconnected: the webhook answers 503 and the sender retries.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    lazyConnect: true,
    ...options,
  });
}

/** Waits for the connection to be usable; rejects with a clear error after `timeoutMs`. */
export async function connectRedis(redis: RedisClient, timeoutMs = 5_000): Promise<void> {
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
