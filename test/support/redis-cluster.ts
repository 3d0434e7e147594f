/** A private three-master Redis Cluster on free loopback ports (redis-server --cluster-enabled + redis-cli --cluster create). */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, stopAll, untilAnswers } from './redis-server.js';

const run = promisify(execFile);

export class PrivateRedisCluster {
  private readonly children: ChildProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'tocsin-cluster-'));
  private constructor(readonly ports: readonly number[]) {}

  static async start(size = 3): Promise<PrivateRedisCluster> {
    const ports: number[] = [];
    while (ports.length < size) {
      const p = await freePort();
      // the cluster bus listens on port + 10000: both must be below 65536 and free
      if (p + 10_000 < 65_536 && !ports.includes(p)) ports.push(p);
    }
    const c = new PrivateRedisCluster(ports);
    try {
      await c.boot();
    } catch (e) {
      await c.destroy();
      throw e;
    }
    return c;
  }

  /** `redis+cluster://` seed list of every node, the form tocsin's REDIS_URL takes. */
  get url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  private async boot(): Promise<void> {
    for (const port of this.ports) {
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--appendonly', 'no', '--save', ''],
        { stdio: 'ignore' },
      );
      this.children.push(child);
    }
    for (const port of this.ports) await untilAnswers(port, 'cluster node');
    await run('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    // wait until every node reports the cluster healthy
    for (const port of this.ports) {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
      try {
        for (let i = 0; i < 200; i++) {
          const info = String(await r.call('CLUSTER', 'INFO'));
          if (info.includes('cluster_state:ok')) break;
          await new Promise((res) => setTimeout(res, 50));
        }
      } finally {
        r.disconnect();
      }
    }
  }

  /** The node (port) that serves `key`'s slot. */
  async slotOf(key: string): Promise<number> {
    const r = new Redis(this.ports[0] ?? 0, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      return Number(await r.call('CLUSTER', 'KEYSLOT', key));
    } finally {
      r.disconnect();
    }
  }

  /** Every key on every node whose name starts with `prefix`. */
  async keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const port of this.ports) {
      const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      try {
        out.push(...(await r.keys(`${prefix}*`)));
      } finally {
        r.disconnect();
      }
    }
    return out;
  }

  async destroy(): Promise<void> {
    await stopAll(this.children, this.dir);
  }
}
