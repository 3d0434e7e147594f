/** The engine-worker supervisor with tiny worker scripts: restarts with a growing pause, metrics asked in time, stop. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/logger.js';
import { createMetrics } from '../telemetry/metrics.js';
import { ENGINE_WORKER_ENV, engineWorkerEnv } from '../config/env.js';
import { exposition } from '../telemetry/exposition.js';
import { METRICS_REPLY, METRICS_REQUEST, startEngineWorkers, type EngineWorkers } from './engine-workers.js';

const dir = mkdtempSync(join(tmpdir(), 'tocsin-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, body);
  return file;
}

function harness() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', sink), metrics: createMetrics({ defaultMetrics: false }) };
}

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('startEngineWorkers', () => {
  it('starts a worker that keeps exiting again after a pause that doubles up to the maximum, and counts each exit', async () => {
    const h = harness();
    const w = startEngineWorkers({ count: 1, entry: script('crash', 'process.exit(3);\n'), envOf: (n) => engineWorkerEnv('redis://127.0.0.1:1', n, {}), logger: h.logger, metrics: h.metrics, metricsTimeoutMs: 2_000, restart: { first: 40, max: 160, steady: 60_000 }, stopTimeoutMs: 1_000 });
    try {
      await until(() => h.lines.filter((l) => l.msg === 'engine worker exited; starting it again').length >= 5);
    } finally {
      await w.stop();
    }
    const exits = h.lines.filter((l) => l.msg === 'engine worker exited; starting it again');
    expect(exits.slice(0, 5).map((l) => l.restartInMs)).toEqual([40, 80, 160, 160, 160]);
    expect(exits.every((l) => l.code === 3 && l.worker === 1)).toBe(true);
    expect((await h.metrics.engineWorkerExits.get()).values[0]?.value).toBeGreaterThanOrEqual(5);
    const started = h.lines.filter((l) => l.msg === 'engine worker started').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(h.lines.filter((l) => l.msg === 'engine worker started')).toHaveLength(started); // stopped: no more restarts
  });

  it('starts a worker that had run `steady` before it exited again after the first pause, not a doubled one', async () => {
    const h = harness();
    const w = startEngineWorkers({ count: 1, entry: script('late-crash', 'setTimeout(() => process.exit(3), 250);\n'), envOf: (n) => engineWorkerEnv('redis://127.0.0.1:1', n, {}), logger: h.logger, metricsTimeoutMs: 2_000, restart: { first: 40, max: 160, steady: 200 }, stopTimeoutMs: 1_000 });
    try {
      await until(() => h.lines.filter((l) => l.msg === 'engine worker exited; starting it again').length >= 3);
    } finally {
      await w.stop();
    }
    const exits = h.lines.filter((l) => l.msg === 'engine worker exited; starting it again');
    expect(exits.slice(0, 3).map((l) => l.restartInMs)).toEqual([40, 40, 40]);
  });

  it('collects each worker’s metrics, leaves out one that does not answer in time, and kills one that ignores SIGTERM', async () => {
    const h = harness();
    const answering = script(
      'answer',
      `process.on('message', (m) => { if (m.type === '${METRICS_REQUEST}') process.send({ type: '${METRICS_REPLY}', id: m.id, metrics: [{ name: 'x_total', help: 'x', type: 'counter', aggregator: 'sum', values: [{ value: Number(process.env.${ENGINE_WORKER_ENV}), labels: {} }] }] }); });
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1000);\n`,
    );
    const silent = script('silent', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);\n");
    let w: EngineWorkers | undefined;
    let mute: EngineWorkers | undefined;
    try {
      w = startEngineWorkers({ count: 2, entry: answering, envOf: (n) => engineWorkerEnv('redis://127.0.0.1:1', n, {}), logger: h.logger, metrics: h.metrics, metricsTimeoutMs: 2_000, restart: { first: 40, max: 160, steady: 60_000 }, stopTimeoutMs: 1_000 });
      await until(() => w!.pids().length === 2);
      expect((await h.metrics.engineWorkers.get()).values[0]?.value).toBe(2);
      const got = await w.metrics();
      expect(got.map((m) => m[0]?.values[0]?.value).sort()).toEqual([1, 2]); // worker 1 and worker 2

      mute = startEngineWorkers({ count: 1, entry: silent, envOf: (n) => engineWorkerEnv('redis://127.0.0.1:1', n, {}), logger: h.logger, metricsTimeoutMs: 100, restart: { first: 40, max: 160, steady: 60_000 }, stopTimeoutMs: 200 });
      await until(() => mute!.pids().length === 1);
      const pid = mute.pids()[0] as number;
      expect(await mute.metrics()).toEqual([]);
      expect(h.lines.some((l) => l.msg === 'engine worker did not answer for its metrics; left out of this scrape')).toBe(true);
      await mute.stop();
      expect(() => process.kill(pid, 0)).toThrow(); // killed after the stop timeout
      expect(h.lines.some((l) => l.msg === 'engine worker exited; starting it again')).toBe(false);
    } finally {
      await w?.stop();
      await mute?.stop();
    }
    expect((await h.metrics.engineWorkers.get()).values[0]?.value).toBe(0);
  });

  it('keeps what an exited worker had counted in the sums, so its restart is no counter reset; its gauges go with it', async () => {
    const h = harness();
    const counting = script(
      'count',
      `process.on('message', (m) => { if (m.type === '${METRICS_REQUEST}') process.send({ type: '${METRICS_REPLY}', id: m.id, metrics: [
  { name: 'pages_total', help: 'p', type: 'counter', aggregator: 'sum', values: [{ value: 7, labels: { channel: 'sms' } }] },
  { name: 'open_now', help: 'o', type: 'gauge', aggregator: 'sum', values: [{ value: 3, labels: {} }] },
] }); });
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1000);\n`,
    );
    const w = startEngineWorkers({ count: 1, entry: counting, envOf: (n) => engineWorkerEnv('redis://127.0.0.1:1', n, {}), logger: h.logger, metricsTimeoutMs: 2_000, restart: { first: 40, max: 40, steady: 60_000 }, stopTimeoutMs: 1_000 });
    const text = async () => exposition(h.metrics.registry, () => w.metrics());
    try {
      await until(() => w.pids().length === 1);
      expect(await text()).toContain('pages_total{channel="sms"} 7');
      const first = w.pids()[0] as number;
      process.kill(first, 'SIGKILL');
      await until(() => w.pids().length === 1 && w.pids()[0] !== first);
      const after = await text();
      expect(after).toContain('pages_total{channel="sms"} 14'); // 7 counted before the kill + 7 since
      expect(after).toContain('open_now 3'); // the gauge: the running worker's alone
      process.kill(w.pids()[0] as number, 'SIGKILL');
      await until(() => w.pids().length === 1 && w.pids()[0] !== first);
      await until(() => h.lines.filter((l) => l.msg === 'engine worker started').length >= 3);
      expect(await text()).toContain('pages_total{channel="sms"} 21');
    } finally {
      await w.stop();
    }
  });
});
