/**
 * A real NUT stack for tests: Debian's dummy-ups driver behind a real upsd, in a temporary folder
 * (NUT_CONFPATH / NUT_STATEPATH / NUT_ALTPIDPATH), on a free loopback port. Nothing under /etc/nut
 * is touched and no upsmon runs. As root both daemons drop to the `nut` user.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UpsdClient } from '../../src/nut/upsd-client.js';
import { freePort } from './ports.js';

const run = promisify(execFile);

export const NUT_BIN = { dummyUps: '/lib/nut/dummy-ups', upsd: '/lib/nut/upsd', upsrw: '/usr/bin/upsrw', upsc: '/usr/bin/upsc', upsmon: '/lib/nut/upsmon' } as const;
/** upsmon 2.8.0 writes its pid here whatever NUT_ALTPIDPATH says. */
const UPSMON_PIDFILE = '/run/nut/upsmon.pid';
export const NUT_FIXTURES = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'nut');

/** Fails with the Debian packages to install when the NUT binaries are missing. */
export function requireNut(): void {
  const missing = Object.values(NUT_BIN).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`NUT binaries missing (${missing.join(', ')}): install the Debian packages nut-server and nut-client (apt-get install -y nut-server nut-client)`);
  }
}

/** A `.dev` file as a map: `ups1-online.dev` from the fixtures. */
export function readDev(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(NUT_FIXTURES, name), 'utf8').split('\n')) {
    const m = /^([^:#\s]+):\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export interface NutStack {
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT` for --upsd. */
  readonly upsdAddress: string;
  readonly ups: string;
  /** Rewrites the UPS's .dev file (dummy-once re-reads it when its mtime changes). */
  setDev(vars: Readonly<Record<string, string | number>>): Promise<void>;
  /** Sets one variable live through upsd (upsrw, as the admin user). */
  setVar(name: string, value: string | number): Promise<void>;
  /** What upsd reports now (through the protocol client). */
  vars(): Promise<Record<string, string>>;
  /**
   * Starts upsmon (harmless SHUTDOWNCMD /bin/true) with `notifyCmd` as NOTIFYCMD for every
   * notification type; `env` is inherited by the NOTIFYCMD. Stopped by `stop()`.
   */
  startUpsmon(notifyCmd: string, env?: Readonly<Record<string, string>>): Promise<void>;
  /** Sets FSD on the UPS through upsd, as a primary upsmon does before a shutdown (upsd's `FSD` command, as the admin user). */
  forceShutdown(): Promise<void>;
  /** Restarts upsd (the only thing that clears FSD in NUT 2.8.0), waiting until it serves the UPS again. */
  restartUpsd(): Promise<void>;
  /**
   * Kills upsmon's privileged parent (SIGKILL), leaving its unprivileged child running: the child
   * then notifies NOPARENT ("shutdown impossible"), and again every 2 minutes. `stop()` ends the child.
   */
  killUpsmonParent(): Promise<void>;
  /** Stops the driver: upsd then answers ERR DRIVER-NOT-CONNECTED. */
  stopDriver(): Promise<void>;
  startDriver(): Promise<void>;
  stop(): Promise<void>;
}

export interface NutOptions {
  readonly ups?: string;
  /** Initial .dev content; default fixtures/nut/ups1-online.dev. */
  readonly dev?: Readonly<Record<string, string | number>>;
}

export async function startNut(options: NutOptions = {}): Promise<NutStack> {
  requireNut();
  const ups = options.ups ?? 'ups1';
  const dir = await mkdtemp(join(tmpdir(), 'tocsin-nut-'));
  const etc = join(dir, 'etc');
  const state = join(dir, 'state');
  await mkdir(etc);
  await mkdir(state);
  const asRoot = userInfo().uid === 0;
  const port = await freePort();
  const devPath = join(etc, `${ups}.dev`);
  let mtime = Math.floor(Date.now() / 1000);

  const writeDev = async (vars: Readonly<Record<string, string | number>>) => {
    await writeFile(devPath, `${Object.entries(vars).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
    mtime += 2; // strictly increasing, whatever the clock's granularity
    await utimes(devPath, mtime, mtime);
  };

  await writeFile(join(etc, 'nut.conf'), 'MODE=standalone\n');
  await writeFile(join(etc, 'ups.conf'), `maxretry = 3\n\n[${ups}]\n\tdriver = dummy-ups\n\tport = ${devPath}\n\tmode = dummy-once\n\tpollinterval = 1\n\tdesc = "tocsin test UPS"\n`);
  await writeFile(join(etc, 'upsd.conf'), `LISTEN 127.0.0.1 ${port}\nMAXAGE 15\n`);
  await writeFile(join(etc, 'upsd.users'), '[admin]\n\tpassword = adminpass\n\tactions = SET FSD\n\tinstcmds = ALL\n\n[monuser]\n\tpassword = monpass\n\tupsmon primary\n');
  await writeDev(options.dev ?? readDev('ups1-online.dev'));
  await chmod(dir, 0o755);
  if (asRoot) {
    const { uid, gid } = await nutIds();
    for (const f of ['nut.conf', 'ups.conf', 'upsd.conf', 'upsd.users']) {
      await chown(join(etc, f), 0, gid);
      await chmod(join(etc, f), 0o640);
    }
    await chmod(etc, 0o755);
    await chown(state, uid, gid);
    await chmod(state, 0o770);
  }
  const env = { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state };
  const userArgs = asRoot ? ['-u', 'nut'] : [];
  const logs: string[] = [];

  const spawnDaemon = (bin: string, args: string[]): ChildProcess => {
    const p = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      logs.push(b.toString('utf8'));
      if (logs.length > 200) logs.shift();
    };
    p.stdout?.on('data', keep);
    p.stderr?.on('data', keep);
    return p;
  };

  let driver: ChildProcess | undefined;
  let upsd: ChildProcess | undefined;
  let upsmon: ChildProcess | undefined;

  const client = async <T>(fn: (c: UpsdClient) => Promise<T>): Promise<T> => {
    const c = await UpsdClient.connect({ host: '127.0.0.1', port }, { timeoutMs: 2_000 });
    try {
      return await fn(c);
    } finally {
      await c.close();
    }
  };

  const waitFor = async (what: string, check: () => Promise<boolean>, ms = 15_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`NUT: ${what} not reached within ${ms} ms; daemon output:\n${logs.join('')}`);
  };

  const startDriver = async () => {
    driver = spawnDaemon(NUT_BIN.dummyUps, ['-a', ups, ...userArgs, '-F']);
    await waitFor('driver socket', async () => existsSync(join(state, `dummy-ups-${ups}`)));
  };

  const stack: NutStack = {
    dir,
    host: '127.0.0.1',
    port,
    upsdAddress: `127.0.0.1:${port}`,
    ups,
    setDev: writeDev,
    async setVar(name, value) {
      await run(NUT_BIN.upsrw, ['-s', `${name}=${value}`, '-u', 'admin', '-p', 'adminpass', '-w', `${ups}@127.0.0.1:${port}`], { env });
    },
    async vars() {
      const r = await client((c) => c.listVars(ups));
      if (!r.ok) throw new Error(`upsd: ${r.error}`);
      return { ...r.vars };
    },
    async forceShutdown() {
      const said = await new Promise<string>((resolve, reject) => {
        const sock = connect(port, '127.0.0.1');
        let text = '';
        sock.setEncoding('utf8');
        sock.on('data', (d: string) => (text += d));
        sock.on('error', reject);
        sock.on('close', () => resolve(text));
        sock.write(`USERNAME admin\nPASSWORD adminpass\nFSD ${ups}\nLOGOUT\n`);
      });
      if (!said.includes('OK FSD-SET')) throw new Error(`upsd refused FSD: ${said}`);
    },
    async restartUpsd() {
      await stopProcess(upsd);
      upsd = spawnDaemon(NUT_BIN.upsd, [...userArgs, '-F']);
      await waitFor('upsd serving the UPS again', async () => {
        const r = await client((c) => c.listVars(ups));
        return r.ok && r.vars['ups.status'] !== 'WAIT';
      });
    },
    async killUpsmonParent() {
      if (upsmon?.pid === undefined || upsmon.exitCode !== null || upsmon.signalCode !== null) throw new Error('upsmon is not running');
      const exited = new Promise<void>((r) => upsmon?.once('exit', () => r()));
      upsmon.kill('SIGKILL');
      await exited;
    },
    async stopDriver() {
      await stopProcess(driver);
      driver = undefined;
      await waitFor('DRIVER-NOT-CONNECTED', async () => {
        const r = await client((c) => c.listVars(ups));
        return !r.ok && r.error === 'DRIVER-NOT-CONNECTED';
      });
    },
    async startDriver() {
      await startDriver();
      await waitFor('driver reconnected', async () => {
        const r = await client((c) => c.listVars(ups));
        return r.ok && r.vars['ups.status'] !== 'WAIT';
      });
    },
    async startUpsmon(notifyCmd, extraEnv = {}) {
      if (!existsSync(NUT_BIN.upsmon)) throw new Error('upsmon missing: install the Debian package nut-client (apt-get install -y nut-client)');
      const types = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'REPLBATT', 'NOCOMM', 'NOPARENT'];
      const conf = [
        ...(asRoot ? ['RUN_AS_USER nut'] : []),
        `MONITOR ${ups}@127.0.0.1:${port} 1 monuser monpass primary`,
        'MINSUPPLIES 1',
        'SHUTDOWNCMD "/bin/true"',
        `NOTIFYCMD ${notifyCmd}`,
        'POLLFREQ 1',
        'POLLFREQALERT 1',
        'HOSTSYNC 3',
        'DEADTIME 6',
        `POWERDOWNFLAG ${join(state, 'killpower')}`,
        'RBWARNTIME 43200',
        'NOCOMMWARNTIME 300',
        'FINALDELAY 0',
        ...types.map((t) => `NOTIFYFLAG ${t} SYSLOG+EXEC`),
      ];
      await writeFile(join(etc, 'upsmon.conf'), `${conf.join('\n')}\n`);
      if (asRoot) {
        const { gid } = await nutIds();
        await chown(join(etc, 'upsmon.conf'), 0, gid);
        await chmod(join(etc, 'upsmon.conf'), 0o640);
      }
      // Its own process group: upsmon forks a privileged parent, an unprivileged child and NOTIFYCMDs.
      upsmon = spawn(NUT_BIN.upsmon, ['-F'], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const keep = (b: Buffer) => logs.push(b.toString('utf8'));
      upsmon.stdout?.on('data', keep);
      upsmon.stderr?.on('data', keep);
      await new Promise((r) => setTimeout(r, 300));
      if (upsmon.exitCode !== null) throw new Error(`upsmon exited with ${upsmon.exitCode}:\n${logs.join('')}`);
    },
    async stop() {
      if (upsmon?.pid !== undefined) {
        await stopProcess(upsmon);
        try {
          process.kill(-upsmon.pid, 'SIGTERM'); // what is left of its group
        } catch {
          // already gone
        }
        await rm(UPSMON_PIDFILE, { force: true });
      }
      await stopProcess(upsd);
      await stopProcess(driver);
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await startDriver();
    upsd = spawnDaemon(NUT_BIN.upsd, [...userArgs, '-F']);
    await waitFor('upsd serving the UPS', async () => (await client((c) => c.listVars(ups))).ok);
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return stack;
}

async function nutIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: u } = await run('id', ['-u', 'nut']);
  const { stdout: g } = await run('id', ['-g', 'nut']);
  return { uid: Number(u.trim()), gid: Number(g.trim()) };
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
export async function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(t);
}
