/** `npm run bench` part "precision": options from the environment, the table on stdout. */
import { envNumber as num } from './env-number.js';
import { formatPrecision, PRECISION_DEFAULTS, runPrecision, type PrecisionOptions } from './precision.js';

/**
 * BENCH_PRECISION_INCIDENTS (10000), _SPEED (10: tier 1 at T+30 s), _BODY (100 alerts), _CONNECTIONS (4),
 * _OPEN_S (5: openings, and so due times, spread over 5 s), _TIMEOUT_S (300); BENCH_PRECISION_FAST_ENGINE=1 lets the clock speed shorten the engine's tick too.
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
  };
}

export async function runPrecisionPart(options: PrecisionOptions): Promise<void> {
  process.stderr.write(`precision: ${options.incidents} incidents, clock ×${options.clockSpeed}\n`);
  const r = await runPrecision(options);
  process.stdout.write(`\n${formatPrecision(r)}\n`);
}
