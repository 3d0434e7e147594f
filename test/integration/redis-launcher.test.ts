/** `npm start` without REDIS_URL and without a Redis: a private redis-server with its data under ./data/redis. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ensureRedis, pingRedis } from '../../src/platform/redis-launcher.js';
import { freePort } from '../support/redis-server.js';

describe('ensureRedis', () => {
  it('uses REDIS_URL as given', async () => {
    const t = await ensureRedis('redis://example.invalid:6379', '/nonexistent', pino({ level: 'silent' }));
    expect(t.url).toBe('redis://example.invalid:6379');
  });

  it('uses the Redis that answers on the default address', async () => {
    const t = await ensureRedis(undefined, '/nonexistent', pino({ level: 'silent' }), 6379);
    expect(t.url).toBe('redis://127.0.0.1:6379');
  });

  it('starts a private append-only redis-server when nothing answers, and stops it', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tocsin-launch-'));
    try {
      expect(await pingRedis('127.0.0.1', port)).toBe(false);
      const t = await ensureRedis(undefined, join(dir, 'data', 'redis'), pino({ level: 'silent' }), port);
      expect(t.url).toBe(`redis://127.0.0.1:${port}`);
      expect(await pingRedis('127.0.0.1', port)).toBe(true);
      const files = readdirSync(join(dir, 'data', 'redis'), { recursive: true }).map(String);
      expect(files.some((f) => f.includes('appendonly'))).toBe(true);
      await t.stop();
      expect(await pingRedis('127.0.0.1', port)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});
