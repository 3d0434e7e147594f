/** The daemon's Redis client against a real Redis: one socket write per turn, scripts survive a script flush. */
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/store/keys.js';
import { connectRedis, createRedis, type RedisClient } from '../../src/store/redis.js';
import { callScript, registerScripts } from '../../src/store/scripts.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

/** The shipped daemon.yaml redis timeouts and reconnect pauses. */
const TIMEOUTS = { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000, reconnect: { firstMs: 100, maxMs: 2_000 } };

let prefix: string;
const open: RedisClient[] = [];

beforeEach(() => {
  prefix = randomPrefix();
});
afterEach(async () => {
  for (const c of open.splice(0)) c.disconnect();
  await deleteByPrefix(prefix);
});

/** Counts the socket writes a client makes (each _write or _writev is one system call). */
function countWrites(client: Redis): () => number {
  const stream = (client as unknown as { stream: Socket & { _write: unknown; _writev: unknown } }).stream;
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = stream[name] as (...a: unknown[]) => unknown;
    stream[name] = function (this: Socket, ...a: unknown[]) {
      writes++;
      return original.apply(this, a);
    };
  }
  return () => writes;
}

async function connected(client: RedisClient): Promise<RedisClient> {
  open.push(client);
  await connectRedis(client, 5_000);
  return client;
}

describe('write coalescing', () => {
  it('commands issued in one turn of the event loop leave in one socket write, and each gets its own reply', async () => {
    const client = (await connected(createRedis(TEST_REDIS_URL, TIMEOUTS))) as Redis;
    const writes = countWrites(client);
    const keys = Array.from({ length: 200 }, (_, i) => `${prefix}k${i}`);
    const replies = await Promise.all(keys.map((k, i) => client.set(k, String(i)).then(() => client.get(k))));
    expect(replies).toEqual(keys.map((_, i) => String(i)));
    // 200 SETs in one turn, then the 200 GETs their replies start (replies arrive in a few reads)
    expect(writes()).toBeLessThanOrEqual(10);
  });

  it('a plain client writes once per command (what the coalescing saves)', async () => {
    const plain = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await connected(plain);
    const writes = countWrites(plain);
    await Promise.all(Array.from({ length: 200 }, (_, i) => plain.set(`${prefix}p${i}`, 'x')));
    expect(writes()).toBeGreaterThan(100);
  });

  it('commands awaited one after another still go out at once', async () => {
    const client = await connected(createRedis(TEST_REDIS_URL, TIMEOUTS));
    for (let i = 0; i < 20; i++) await client.incr(`${prefix}n`);
    expect(await client.get(`${prefix}n`)).toBe('20');
  });
});

describe('scripts', () => {
  it('run as EVALSHA, and as EVAL once when Redis has forgotten them (SCRIPT FLUSH, a restart)', async () => {
    const client = await connected(createRedis(TEST_REDIS_URL, TIMEOUTS));
    registerScripts(client);
    const inc = makeKeys(prefix, 'live').incident('i1');
    await client.hset(inc, 'id', 'i1');
    expect(await callScript(client, 'setOnce', [inc], ['step:t0', '1'])).toBe(1);
    await (client as Redis).script('FLUSH');
    expect(await callScript(client, 'setOnce', [inc], ['step:t1', '1'])).toBe(1);
    expect(await callScript(client, 'setOnce', [inc], ['step:t1', '2'])).toBe(0);
    expect(await client.hget(inc, 'step:t1')).toBe('1');
  });

  it('refuse an unregistered client and a wrong number of keys, naming the script', async () => {
    const client = await connected(createRedis(TEST_REDIS_URL, TIMEOUTS));
    await expect(callScript(client, 'setOnce', ['k'], ['f', '1'])).rejects.toThrow(/setOnce is not registered/);
    registerScripts(client);
    await expect(callScript(client, 'setOnce', ['a', 'b'], ['f', '1'])).rejects.toThrow(/setOnce takes 1 keys, got 2/);
    await expect(callScript(client, 'noSuchScript', [], [])).rejects.toThrow(/noSuchScript is not registered/);
  });
});
