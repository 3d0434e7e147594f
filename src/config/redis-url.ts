/**
 * The forms REDIS_URL may take, read without connecting: a standalone server
 * (`redis://[user:pass@]host:port[/db]`, `rediss://…` for TLS), a Redis Cluster seed list
 * (`redis+cluster://[user:pass@]host:port,host:port,…`, `rediss+cluster://…`) or the Sentinels
 * watching a primary (`redis+sentinel://[user:pass@]host:port,host:port/<primary name>`,
 * `rediss+sentinel://…`; `?sentinelUsername=…&sentinelPassword=…` when the Sentinels ask for their
 * own credentials). `redisUrlProblem` tells start-up what is wrong with one, before anything connects.
 */
import { TocsinError } from '../domain/errors.js';

/** A list of seed nodes (cluster nodes or Sentinels) and the credentials for Redis. */
export interface ClusterUrl {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

export interface SentinelUrl extends ClusterUrl {
  /** The primary's name, as the Sentinels know it (`sentinel monitor <name> …`). */
  readonly name: string;
  readonly sentinelUsername: string | undefined;
  readonly sentinelPassword: string | undefined;
}

/** The accepted forms, as a refusal lists them. */
export const REDIS_URL_FORMS =
  'redis://[user:pass@]host:port[/db], rediss://… (TLS), redis+cluster://[user:pass@]host:port,host:port,… or redis+sentinel://[user:pass@]host:port,host:port/<primary name>';

const dec = (v: string | undefined) => (v === undefined || v === '' ? undefined : decodeURIComponent(v));

/** scheme, kind, user, password, host:port list, path, query */
const SEED_URL = /^(rediss?)\+(cluster|sentinel):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?(?:#.*)?$/;

/** `<scheme>+<kind>://[user:pass@]host:port,host:port[/path][?query]`, or undefined for another URL. */
function parseSeeds(url: string, kind: 'cluster' | 'sentinel', defaultPort: number): (ClusterUrl & { path: string; query: URLSearchParams }) | undefined {
  const m = SEED_URL.exec(url.trim());
  if (!m || m[2] !== kind) return undefined;
  const nodes = (m[5] ?? '').split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const host = (at > 0 ? hp.slice(0, at) : hp).replace(/^\[|\]$/g, '');
    const port = at > 0 ? Number(hp.slice(at + 1)) : defaultPort;
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new TocsinError('TOCSIN_ERR_CONFIG_INVALID', `REDIS_URL: bad ${kind === 'cluster' ? 'cluster node' : 'Sentinel'} "${hp}"`);
    }
    return { host, port };
  });
  return { nodes, username: dec(m[3]), password: dec(m[4]), tls: m[1] === 'rediss', path: m[6] ?? '', query: new URLSearchParams(m[7] ?? '') };
}

/** Parses `redis+cluster://[user:pass@]host:port,host:port`; undefined for any other URL. */
export function parseClusterUrl(url: string): ClusterUrl | undefined {
  const c = parseSeeds(url, 'cluster', 6379);
  return c && { nodes: c.nodes, username: c.username, password: c.password, tls: c.tls };
}

/** Parses `redis+sentinel://[user:pass@]host:port,host:port/<primary name>`; undefined for any other URL. */
export function parseSentinelUrl(url: string): SentinelUrl | undefined {
  const c = parseSeeds(url, 'sentinel', 26379);
  if (!c) return undefined;
  const name = dec(c.path.replace(/\/+$/, ''));
  if (!name || name.includes('/')) throw new TocsinError('TOCSIN_ERR_CONFIG_INVALID', 'REDIS_URL: a Sentinel URL names the primary after the Sentinels: redis+sentinel://host:26379,host:26379/<primary name>');
  return {
    nodes: c.nodes,
    username: c.username,
    password: c.password,
    tls: c.tls,
    name,
    sentinelUsername: c.query.get('sentinelUsername') || undefined,
    sentinelPassword: c.query.get('sentinelPassword') || undefined,
  };
}

/** `url` with the password of its credentials (and a Sentinel password in its query) shown as `***`. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@').replace(/([?&]sentinelPassword=)[^&#]*/g, '$1***');
}

/**
 * What is wrong with a REDIS_URL, as a line of `invalid environment:` (the password never shown), or
 * undefined when it is one of the forms above. Only the form is checked: whether anything answers
 * there is found when the daemon connects.
 */
export function redisUrlProblem(url: string): string | undefined {
  const shown = withoutPassword(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster' || scheme === 'redis+sentinel' || scheme === 'rediss+sentinel') {
    try {
      const seeds = scheme.endsWith('cluster') ? parseClusterUrl(url) : parseSentinelUrl(url);
      if (seeds) return undefined;
      return `REDIS_URL names no ${scheme.endsWith('cluster') ? 'cluster node' : 'Sentinel'}: write ${scheme}://host:port,host:port${scheme.endsWith('sentinel') ? '/<primary name>' : ''}, got "${shown}"`;
    } catch (e) {
      const said = e instanceof Error ? e.message.replace(/^REDIS_URL: /, '') : String(e);
      return `REDIS_URL: ${said}, got "${shown}"`;
    }
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return `REDIS_URL is not a URL of the form ${scheme}://[user:pass@]host:port[/db] (a port is a number from 1 to 65535), got "${shown}"`;
    }
    if (u.hostname === '') return `REDIS_URL names no host: write ${scheme}://host:port, got "${shown}"`;
    const db = u.pathname.replace(/^\/+|\/+$/g, '');
    if (db !== '' && !/^\d+$/.test(db)) return `REDIS_URL: the path is the database number (${scheme}://host:port/0), got "${shown}"`;
    return undefined;
  }
  return `REDIS_URL must be ${REDIS_URL_FORMS}, got "${shown}"`;
}
