/** The real daemon (`node --import tsx src/main.ts`) as a child process on a free port: for kill, restart and replica tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseDuration } from '../../src/config/durations.js';

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** Every stdout line parsed as JSON (pino), in order; non-JSON lines as `{ raw }`. */
  readonly lines: Array<Record<string, unknown>>;
  /** JSON in and out, relative to the daemon. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Sends a signal and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Environment a daemon gets: nothing inherited but what running Node needs, plus `env`. */
function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS'];
  const out: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) out[k] = process.env[k];
  return { ...out, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
}

export async function startDaemon(env: Record<string, string>, timeoutMs = 60_000): Promise<DaemonProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const last = lines.slice(-5).map((l) => JSON.stringify(l)).join('\n');
      reject(new Error(`daemon did not listen within ${timeoutMs} ms\nstdout: ${last}\nstderr: ${stderr}`));
    }, timeoutMs);
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { raw: line };
      }
      lines.push(parsed);
      if (parsed.msg === 'tocsin listening' && typeof parsed.port === 'number') {
        clearTimeout(timer);
        resolve(parsed.port);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    baseUrl,
    lines,
    async request(method, path, body) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
    kill(signal = 'SIGTERM') {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}

/** Polls `check` every `everyMs` until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(check: () => Promise<T | undefined>, ms = 20_000, everyMs = 25): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A copy of ./config in a temp dir with `lease` (real time, never sped up) long enough for processes
 * under load, and the waits start-up checks against it made to fit: the reconnect pauses
 * (redis.reconnect) 50 ms doubling up to 500 ms; the Redis command timeout (redis.commandTimeout) as
 * long as the lease allows up to 2 s (a Redis shared by busy test runs answers slowly), so that the
 * grace a claim taken over waits (500 ms plus it) and one more command fit in the lease; the Twilio
 * request timeout (channels.twilio.timeout, with the question after an unanswered send,
 * channels.twilio.lookupTimeout, 500 ms) and the SMTP ones (channels.email, whose sendTimeout holds the
 * others) what the lease leaves after a command, so that a send and its record fit in it.
 * The lease is 2.7 s at least.
 */
export function configWithLease(lease: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tocsin-config-'));
  cpSync('config', dir, { recursive: true });
  const daemon = join(dir, 'daemon.yaml');
  const text = readFileSync(daemon, 'utf8');
  const leaseMs = parseDuration(lease) ?? 0;
  const commandMs = Math.min(2_000, Math.floor((leaseMs - 600) / 200) * 100);
  if (commandMs < 1_000) throw new Error(`a lease of ${lease} cannot hold the grace of a claim taken over (1.5 s at least) and one command (1 s): give 2.7s or more`);
  if (!/^ {2}lease: \S+/m.test(text)) throw new Error('daemon.yaml has no escalation lease to change');
  if (!/^ {4}timeout: \S+/m.test(text)) throw new Error('daemon.yaml has no channels.twilio.timeout to change');
  if (!/^ {4}lookupTimeout: \S+/m.test(text)) throw new Error('daemon.yaml has no channels.twilio.lookupTimeout to change');
  const timeoutMs = leaseMs - commandMs - 100;
  const lookupMs = 500;
  const smtp = /^ {4}(connect|greeting|socket|send)Timeout: \S+/gm;
  if ((text.match(smtp) ?? []).length !== 4) throw new Error('daemon.yaml has not the four channels.email timeouts to change');
  const command = /^ {2}commandTimeout: \S+/m;
  if (!command.test(text)) throw new Error('daemon.yaml has no redis.commandTimeout to change');
  const reconnect = /^( {2}reconnect:[^\n]*\n {4}first: )\S+([^\n]*\n {4}max: )\S+/m;
  if (!reconnect.test(text)) throw new Error('daemon.yaml has no redis.reconnect first and max to change');
  writeFileSync(
    daemon,
    text
      .replace(/^ {2}lease: \S+/m, `  lease: ${lease}`)
      .replace(/^ {4}timeout: \S+/m, `    timeout: ${timeoutMs - lookupMs}ms`)
      .replace(/^ {4}lookupTimeout: \S+/m, `    lookupTimeout: ${lookupMs}ms`)
      .replace(smtp, (_, step: string) => `    ${step}Timeout: ${timeoutMs}ms`)
      .replace(command, `  commandTimeout: ${commandMs}ms`)
      .replace(reconnect, (_, first: string, max: string) => `${first}50ms${max}500ms`),
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
