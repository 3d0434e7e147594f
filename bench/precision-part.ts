/** `npm run bench` part "precision": options from the environment, the table on stdout. */
import { envNumber as num } from './env-number.js';
import { formatPrecision, PRECISION_DEFAULTS, runPrecision, type PrecisionOptions } from './precision.js';

/**
 * BENCH_PRECISION_INCIDENTS (10000), _SPEED (10: tier 1 at T+30 s), _BODY (100 alerts), _CONNECTIONS (4),
 * _OPEN_S (5: openings, and so due times, spread over 5 s), _TIMEOUT_S (300); BENCH_PRECISION_FAST_ENGINE=1 lets the clock speed shorten the engine's tick too.
 * BENCH_PRECISION_WORKERS (`1,2`): escalation.workers of each run, one table per run.
 */
export function precisionOptionsFromEnv(env: NodeJS.ProcessEnv): PrecisionOptions {
  const d = PRECISION_DEFAULTS;
  return {
    incidents: Math.round(num(env.BENCH_PRECISION_INCIDENTS, d.incidents)),
    clockSpeed: num(env.BENCH_PRECISION_SPEED, d.clockSpeed),
    bodySize: Math.round(num(env.BENCH_PRECISION_BODY, d.bodySize)),
    concurrency: Math.round(num(env.BENCH_PRECISION_CONNECTIONS, d.concurrency)),
    openSeconds: num(env.BENCH_PRECISION_OPEN_S, d.openSeconds),
    realTimeEngine: env.BENCH_PRECISION_FAST_ENGINE !== '1',
    timeoutMs: num(env.BENCH_PRECISION_TIMEOUT_S, d.timeoutMs / 1000) * 1000,
    workers: d.workers,
  };
}

/** The escalation.workers of each run (BENCH_PRECISION_WORKERS, default 1 then 2). */
export function precisionWorkersFromEnv(env: NodeJS.ProcessEnv): number[] {
  const list = (env.BENCH_PRECISION_WORKERS ?? '1,2').split(',').map((s) => Math.round(Number(s.trim())));
  if (list.some((n) => !Number.isFinite(n) || n < 1 || n > 16)) throw new Error(`BENCH_PRECISION_WORKERS: expected numbers 1–16 separated by commas, got "${env.BENCH_PRECISION_WORKERS}"`);
  return list;
}

export async function runPrecisionPart(options: PrecisionOptions, workers: readonly number[] = [options.workers]): Promise<void> {
  for (const w of workers) {
    process.stderr.write(`precision: ${options.incidents} incidents, clock ×${options.clockSpeed}, escalation.workers ${w}\n`);
    const r = await runPrecision({ ...options, workers: w });
    process.stdout.write(`\n${formatPrecision(r)}\n`);
  }
}
