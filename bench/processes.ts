/** Starts the processes a benchmark compares: a private Redis, tocsin (built), Debian's Alertmanager. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../test/support/ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Proc {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, name: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer at ${url} within ${ms} ms`);
}

function stopper(child: ChildProcess, dir?: string): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      const done = () => {
        if (dir) rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    });
}

export async function startRedis(): Promise<Proc> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tocsin-bench-redis-'));
  // Durable like production: append-only file, fsync every second.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  const { pingRedis } = await import('../src/platform/redis-launcher.js');
  while (!(await pingRedis('127.0.0.1', port))) {
    if (Date.now() > end || child.exitCode !== null) throw new Error('redis-server did not start (apt-get install redis-server)');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name: 'redis', url: `redis://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: stopper(child, dir) };
}

/** `stdoutFile`: where the daemon's log lines (pino JSON on stdout) go; discarded when not given. */
export async function startTocsin(redisUrl: string, extraEnv: Record<string, string> = {}, nodeArgs: string[] = [], stdoutFile?: string): Promise<Proc> {
  const port = await freePort();
  const out = stdoutFile === undefined ? 'ignore' : openSync(stdoutFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    stdio: ['ignore', out, 'inherit'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redisUrl, TOCSIN_REDIS_PREFIX: 'bench:', LOG_LEVEL: 'warn', ...extraEnv },
  });
  if (typeof out === 'number') closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/readyz`, child, 'tocsin');
  return { name: 'tocsin', url, pid: child.pid ?? 0, stop: stopper(child) };
}

/** bench/floor-server.ts: node:http and one Redis write per webhook, nothing else (the floor row of the intake table). */
export async function startFloor(redisUrl: string): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/floor-server.ts'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl } });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, child, 'floor server');
  return { name: 'floor', url, pid: child.pid ?? 0, stop: stopper(child) };
}

export async function startAlertmanager(): Promise<Proc> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tocsin-bench-am-'));
  // A receiver with no integrations: Alertmanager ingests, stores and groups, and notifies nobody.
  writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: blackhole\n  group_by: [alertname]\nreceivers:\n  - name: blackhole\n');
  const child = spawn(
    'prometheus-alertmanager',
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: 'ignore' },
  );
  child.once('error', () => undefined);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/-/ready`, child, 'prometheus-alertmanager (apt-get install prometheus-alertmanager)');
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { name: 'alertmanager', url, pid: child.pid ?? 0, stop: stopper(child, dir) };
}
