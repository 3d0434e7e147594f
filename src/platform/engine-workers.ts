/**
 * Engine workers (escalation.workers > 1): processes beside the daemon that run only the escalation
 * engine — no HTTP, no jobs — each claiming its own batches from Redis, as replicas do, so that the
 * engine is not bound to one core. The daemon starts them, starts one again when it exits (after a
 * pause that grows while it keeps exiting), collects their metrics for /metrics, and stops them when
 * it stops. A worker whose daemon is gone stops by itself (its IPC channel closes). The counters and
 * histograms an exited worker last reported stay in the sums, so its restart is no counter reset.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../telemetry/logger.js';
import { addTotals, type MetricsJson } from '../telemetry/exposition.js';
import type { Metrics } from '../telemetry/metrics.js';

/** The daemon asks a worker for its metrics; the worker answers with the same `id`. */
export const METRICS_REQUEST = 'tocsin:metrics?';
export const METRICS_REPLY = 'tocsin:metrics';

export interface MetricsRequest {
  readonly type: typeof METRICS_REQUEST;
  readonly id: number;
}
export interface MetricsReply {
  readonly type: typeof METRICS_REPLY;
  readonly id: number;
  readonly metrics: MetricsJson;
}

export interface EngineWorkersOptions {
  /** Workers to run beside the daemon. */
  readonly count: number;
  /** The worker's entry script (dist/engine-worker.js, or the .ts under tsx). */
  readonly entry: string;
  /** The environment of worker `n` (1, 2, …): config/env.ts engineWorkerEnv. */
  readonly envOf: (n: number) => NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** tocsin_engine_workers (running now) and tocsin_engine_worker_exits_total. */
  readonly metrics?: Pick<Metrics, 'engineWorkers' | 'engineWorkerExits'>;
  /**
   * Pause before starting an exited worker again (daemon.yaml escalation.workerRestart, ms): `first`,
   * doubling up to `max` while it keeps exiting; `first` again for a worker that had run `steady`.
   */
  readonly restart: { readonly first: number; readonly max: number; readonly steady: number };
  /** A worker that has not answered a metrics request in this time is left out of that scrape (escalation.workerMetricsWait). */
  readonly metricsTimeoutMs: number;
  /** A stopping worker still running after this is killed (escalation.workerStop). */
  readonly stopTimeoutMs: number;
}

export interface EngineWorkers {
  /**
   * Each running worker's metrics (those that answered in time), and the totals of workers that have
   * exited (their counters and histograms as last collected).
   */
  metrics(): Promise<MetricsJson[]>;
  /** The workers' process ids, for the operator and for tests. */
  pids(): number[];
  stop(): Promise<void>;
}

interface Slot {
  child: ChildProcess | undefined;
  pauseMs: number;
  timer: NodeJS.Timeout | undefined;
  /** The worker's metrics as last collected. */
  last: MetricsJson | undefined;
}

export function startEngineWorkers(o: EngineWorkersOptions): EngineWorkers {
  const { restart } = o;
  const slots: Slot[] = [];
  // what exited workers had counted, folded in order (a chain, so no exit is lost to a race)
  let retired: Promise<MetricsJson | undefined> = Promise.resolve(undefined);
  let stopping = false;
  let nextId = 0;
  const count = () => o.metrics?.engineWorkers.set(slots.filter((s) => s.child !== undefined).length);

  const launch = (n: number): void => {
    const slot = slots[n - 1];
    if (!slot || stopping) return;
    const startedAt = Date.now();
    const child = fork(o.entry, [], { env: o.envOf(n), stdio: 'inherit' });
    slot.child = child;
    count();
    child.on('error', (err) => o.logger.error({ worker: n, err: { message: err.message } }, 'engine worker error'));
    child.once('exit', (code, signal) => {
      slot.child = undefined;
      count();
      const last = slot.last;
      slot.last = undefined;
      if (last) retired = retired.then((earlier) => addTotals(earlier, last)).catch(() => undefined);
      if (stopping) return;
      o.metrics?.engineWorkerExits.inc();
      // a worker that ran `steady` before exiting starts again after the first pause
      slot.pauseMs = Date.now() - startedAt >= restart.steady ? restart.first : Math.min(restart.max, slot.pauseMs * 2 || restart.first);
      o.logger.error({ worker: n, code, signal, restartInMs: slot.pauseMs }, 'engine worker exited; starting it again');
      slot.timer = setTimeout(() => launch(n), slot.pauseMs);
    });
    o.logger.info({ worker: n, pid: child.pid }, 'engine worker started');
  };

  for (let n = 1; n <= o.count; n++) {
    slots.push({ child: undefined, pauseMs: 0, timer: undefined, last: undefined });
    launch(n);
  }

  const ask = (slot: Slot, child: ChildProcess): Promise<MetricsJson | undefined> =>
    new Promise((resolve) => {
      const id = nextId++;
      const done = (m: MetricsJson | undefined) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (m && slot.child === child) slot.last = m;
        resolve(m);
      };
      const onMessage = (msg: unknown) => {
        const r = msg as Partial<MetricsReply>;
        if (r?.type === METRICS_REPLY && r.id === id && Array.isArray(r.metrics)) done(r.metrics);
      };
      const onExit = () => done(undefined);
      const timer = setTimeout(() => {
        o.logger.warn({ pid: child.pid }, 'engine worker did not answer for its metrics; left out of this scrape');
        done(undefined);
      }, o.metricsTimeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      try {
        child.send({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
      } catch {
        done(undefined);
      }
    });

  return {
    async metrics() {
      const answers = await Promise.all(slots.map((s) => (s.child?.connected ? ask(s, s.child) : undefined)));
      const gone = await retired;
      return [...answers, gone].filter((m): m is MetricsJson => m !== undefined);
    },
    pids() {
      return slots.flatMap((s) => (s.child?.pid !== undefined ? [s.child.pid] : []));
    },
    async stop() {
      stopping = true;
      await Promise.all(
        slots.map(async (s) => {
          clearTimeout(s.timer);
          const child = s.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          await new Promise<void>((resolve) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), o.stopTimeoutMs);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          });
        }),
      );
    },
  };
}
