/** `npm run bench` part "storm": options from the environment, the table on stdout. */
import { envNumber as num } from './env-number.js';
import { formatStorm, runStorm, STORM_DEFAULTS, type StormOptions } from './storm.js';

/** BENCH_STORM_ALERTS (100000), _BURSTS (10), _BODY (50 alerts), _CONNECTIONS (4), _PAUSE_MS (1000), _SPEED (1), _SETTLE_S (480). */
export function stormOptionsFromEnv(env: NodeJS.ProcessEnv): StormOptions {
  const d = STORM_DEFAULTS;
  return {
    alerts: Math.round(num(env.BENCH_STORM_ALERTS, d.alerts)),
    bursts: Math.round(num(env.BENCH_STORM_BURSTS, d.bursts)),
    bodySize: Math.round(num(env.BENCH_STORM_BODY, d.bodySize)),
    concurrency: Math.round(num(env.BENCH_STORM_CONNECTIONS, d.concurrency)),
    pauseMs: env.BENCH_STORM_PAUSE_MS === '0' ? 0 : num(env.BENCH_STORM_PAUSE_MS, d.pauseMs),
    clockSpeed: num(env.BENCH_STORM_SPEED, d.clockSpeed),
    settleTimeoutMs: num(env.BENCH_STORM_SETTLE_S, d.settleTimeoutMs / 1000) * 1000,
  };
}

export async function runStormPart(options: StormOptions): Promise<void> {
  process.stderr.write(`storm: ${options.alerts} alerts in ${options.bursts} bursts\n`);
  const r = await runStorm(options);
  process.stdout.write(`\n${formatStorm(r)}\n`);
}
