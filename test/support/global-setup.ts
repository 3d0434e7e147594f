/** Makes sure a Redis answers on 127.0.0.1:6379 for the whole run: starts a throwaway one if not. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingRedis } from '../../src/platform/redis-launcher.js';

let child: ChildProcess | undefined;
let dir: string | undefined;

export async function setup(): Promise<void> {
  if (await pingRedis('127.0.0.1', 6379)) return;
  dir = mkdtempSync(join(tmpdir(), 'tocsin-test-redis-'));
  child = spawn('redis-server', ['--port', '6379', '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const spawned = new Promise<never>((_, reject) =>
    child?.once('error', (e) => reject(new Error(`Redis is not answering on 127.0.0.1:6379 and redis-server could not be started (${e.message}). Install it: apt-get install -y redis-server`))),
  );
  spawned.catch(() => undefined);
  for (let i = 0; i < 100; i++) {
    await Promise.race([new Promise((r) => setTimeout(r, 100)), spawned]);
    if (await pingRedis('127.0.0.1', 6379)) return;
  }
  throw new Error('redis-server started but did not answer on 127.0.0.1:6379 within 10 s');
}

export async function teardown(): Promise<void> {
  child?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
}
