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
 * A copy of ./config in a temp dir with `lease` (a wait, divided by the clock speed) long enough in
 * real time for processes under load: at speed 600 the shipped 30s lease is 50 ms, shorter than a
 * send, and another replica would take over a claim still being sent. The Twilio request timeout
 * (channels.twilio.timeout), the SMTP ones (channels.email, whose sendTimeout must be shorter than
 * the lease and holds the others) and the Redis command timeout (redis.commandTimeout) become 100 ms
 * less than it.
 */
export function configWithLease(lease: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tocsin-config-'));
  cpSync('config', dir, { recursive: true });
  const daemon = join(dir, 'daemon.yaml');
  const text = readFileSync(daemon, 'utf8');
  if (!/^ {2}lease: \S+/m.test(text)) throw new Error('daemon.yaml has no escalation lease to change');
  if (!/^ {4}timeout: \S+/m.test(text)) throw new Error('daemon.yaml has no channels.twilio.timeout to change');
  const timeoutMs = Math.max(1_000, (parseDuration(lease) ?? 0) - 100);
  const smtp = /^ {4}(connect|greeting|socket|send)Timeout: \S+/gm;
  if ((text.match(smtp) ?? []).length !== 4) throw new Error('daemon.yaml has not the four channels.email timeouts to change');
  const command = /^ {2}commandTimeout: \S+/m;
  if (!command.test(text)) throw new Error('daemon.yaml has no redis.commandTimeout to change');
  writeFileSync(
    daemon,
    text
      .replace(/^ {2}lease: \S+/m, `  lease: ${lease}`)
      .replace(/^ {4}timeout: \S+/m, `    timeout: ${timeoutMs}ms`)
      .replace(smtp, (_, step: string) => `    ${step}Timeout: ${timeoutMs}ms`)
      .replace(command, `  commandTimeout: ${timeoutMs}ms`),
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
