/**
 * `npm start` without REDIS_URL: use 127.0.0.1:6379 when something answers there; otherwise start a
 * private redis-server (data under ./data/redis, append-only file on) and stop it on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { TocsinError } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisTarget {
  readonly url: string;
  /** Stops the private server, if one was started. */
  stop(): Promise<void>;
}

/** Sends PING over a raw socket; true on +PONG (or an auth error: something Redis-like answers). */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    let buf = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) finish(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
  });
}

export async function ensureRedis(redisUrl: string | undefined, dataDir: string, logger: Logger, port = 6379): Promise<RedisTarget> {
  if (redisUrl) return { url: redisUrl, stop: async () => undefined };
  const url = `redis://127.0.0.1:${port}`;
  if (await pingRedis('127.0.0.1', port)) return { url, stop: async () => undefined };

  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--logfile', ''];
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw notInstalled(e);
  }
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(notInstalled(e))));
  spawnError.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    await Promise.race([new Promise((r) => setTimeout(r, 100)), spawnError]);
    if (child.exitCode !== null) throw new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', `redis-server exited with code ${child.exitCode} (data dir ${dir})`);
    if (await pingRedis('127.0.0.1', port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', 'the private redis-server did not answer within 10 s');
    }
  }
  logger.info({ dataDir: dir, pid: child.pid }, 'started a private redis-server');
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        process.off('exit', onExit);
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

function notInstalled(cause: unknown): TocsinError {
  return new TocsinError(
    'TOCSIN_ERR_STORE_UNAVAILABLE',
    'No Redis answers at redis://127.0.0.1:6379 and redis-server is not installed. Install Redis 6.2 or newer ' +
      '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running server.',
    { cause },
  );
}
