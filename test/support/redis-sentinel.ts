/**
 * A private primary, its replica and a Sentinel watching them, on free loopback ports: the way many
 * teams run a Redis that survives losing its server. The Sentinel's quorum is 1 and it judges a
 * primary down after one second, so a failover takes a few seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, stopAll, untilAnswers } from './redis-server.js';

export const PRIMARY_NAME = 'tocsin-test';

export class PrivateRedisSentinel {
  private readonly children = new Map<number, ChildProcess>();
  readonly dir = mkdtempSync(join(tmpdir(), 'tocsin-sentinel-'));
  private constructor(
    /** The first primary, then its replica. */
    readonly servers: readonly [number, number],
    readonly sentinelPort: number,
  ) {}

  static async start(): Promise<PrivateRedisSentinel> {
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(await freePort());
    const [a, b, s] = [...ports] as [number, number, number];
    const r = new PrivateRedisSentinel([a, b], s);
    try {
      await r.boot();
    } catch (e) {
      await r.destroy();
      throw e;
    }
    return r;
  }

  /** `redis+sentinel://` with the Sentinel and the primary's name: the form tocsin's REDIS_URL takes. */
  get url(): string {
    return `redis+sentinel://127.0.0.1:${this.sentinelPort}/${PRIMARY_NAME}`;
  }

  private server(port: number, extra: string[]): void {
    const dir = join(this.dir, String(port));
    mkdirSync(dir);
    this.children.set(port, spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', ...extra], { stdio: 'ignore' }));
  }

  private async boot(): Promise<void> {
    const [primary, replica] = this.servers;
    this.server(primary, []);
    this.server(replica, ['--replicaof', '127.0.0.1', String(primary)]);
    // a Sentinel rewrites its config file as it learns: it needs one of its own, writable
    const conf = join(this.dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${this.sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${PRIMARY_NAME} 127.0.0.1 ${primary} 1`,
        `sentinel down-after-milliseconds ${PRIMARY_NAME} 1000`,
        `sentinel failover-timeout ${PRIMARY_NAME} 5000`,
        '',
      ].join('\n'),
    );
    this.children.set(this.sentinelPort, spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    for (const port of [primary, replica, this.sentinelPort]) await untilAnswers(port);
    // ready once the replica is in sync and the Sentinel knows it
    const p = new Redis(primary, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const s = new Redis(this.sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      for (let i = 0; ; i++) {
        const info = await p.info('replication');
        const replicas = (await s.call('SENTINEL', 'REPLICAS', PRIMARY_NAME)) as unknown[];
        if (/connected_slaves:1/.test(info) && /state=online/.test(info) && replicas.length === 1) break;
        if (i > 200) throw new Error('the replica did not come in sync, or the Sentinel did not see it');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      p.disconnect();
      s.disconnect();
    }
  }

  /** The port of the server the Sentinel names primary now. */
  async primaryPort(): Promise<number> {
    const s = new Redis(this.sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const [, port] = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', PRIMARY_NAME)) as [string, string];
      return Number(port);
    } finally {
      s.disconnect();
    }
  }

  /**
   * Waits until the replica holds everything written to the primary so far. WAIT covers the writes
   * of its own connection only (a fresh one has none, and WAIT answers at once), so this connection
   * writes a marker first: the replication stream is one, so the marker comes after every earlier write.
   */
  async replicated(): Promise<void> {
    const p = new Redis(await this.primaryPort(), '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      await p.set('tocsin-test:replicated', String(Date.now()));
      if (Number(await p.call('WAIT', '1', '5000')) < 1) throw new Error('the replica did not acknowledge the writes');
    } finally {
      p.disconnect();
    }
  }

  /** Kills the server that is primary now, as a crash would (SIGKILL). */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    const c = this.children.get(port);
    if (c && c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    }
    return port;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server on `port`: a replica that stops confirming. */
  signal(port: number, sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.children.get(port)?.kill(sig);
  }

  async destroy(): Promise<void> {
    for (const c of this.children.values()) c.kill('SIGCONT'); // a frozen server cannot stop
    await stopAll(this.children.values(), this.dir);
  }
}
