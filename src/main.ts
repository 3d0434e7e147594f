/** The daemon: read env and config, make sure Redis is there, wire everything, serve, stop cleanly. */
import { configWarnings } from './config/config-warnings.js';
import { checkEnvWithConfig, listenProblem } from './config/env-checks.js';
import { EnvError, engineWorkerEnv, readEnv } from './config/env.js';
import { loadConfig, ConfigError } from './config/load-config.js';
import { buildContainer } from './container.js';
import { startEngineWorkers } from './platform/engine-workers.js';
import { ensureRedis } from './platform/redis-launcher.js';
import { readOtelEnv } from './config/otel-env.js';
import { createLogger } from './telemetry/logger.js';
import { createMetrics } from './telemetry/metrics.js';
import { startOtelSdk } from './telemetry/otel-sdk.js';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.logLevel);
  if (env.clockSpeed !== 1) logger.warn({ clockSpeed: env.clockSpeed }, 'TOCSIN_CLOCK_SPEED is not 1: every wait runs faster (drill/test mode)');
  const config = loadConfig(env.configDir, { clockSpeed: env.clockSpeed });
  for (const w of configWarnings(config)) logger.warn({ file: w.file, path: w.path }, w.message);
  const findings = checkEnvWithConfig(env, config.sources);
  if (findings.problems.length > 0) throw new EnvError(findings.problems);
  for (const w of findings.warnings) logger.warn({ variable: w.variable }, w.message);
  const otel = await startOtelSdk(readOtelEnv(), logger);
  const redisTarget = await ensureRedis(env.redisUrl, './data/redis', logger);
  // escalation.workers > 1: engine-only processes beside this one, on the same Redis
  const extra = config.daemon.escalation.workers - 1;
  const metrics = createMetrics();
  const here = fileURLToPath(import.meta.url);
  const workers =
    extra > 0
      ? startEngineWorkers({
          count: extra,
          entry: join(dirname(here), `engine-worker${extname(here)}`),
          envOf: (n) => engineWorkerEnv(redisTarget.url, n),
          logger,
          metrics,
          restart: config.daemon.escalation.workerRestart,
          stopTimeoutMs: config.daemon.escalation.workerStop,
          metricsTimeoutMs: config.daemon.escalation.workerMetricsWait,
        })
      : undefined;
  const container = await buildContainer({ env, config, logger, metrics, redisUrl: redisTarget.url, ...(workers ? { peerMetrics: () => workers.metrics() } : {}) });
  await container.start();
  const port = await container.listen(env.port, env.host).catch(async (e: unknown) => {
    const problem = listenProblem(e, env.host);
    if (problem === undefined) throw e;
    await Promise.allSettled([workers?.stop(), container.stop()]);
    throw new EnvError([problem]);
  });
  logger.info({ port, host: env.host, config: config.dir, playbooks: config.playbooks.version, prefix: env.redisPrefix, engineWorkers: workers?.pids() ?? [] }, 'tocsin listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await workers?.stop();
    await container.stop();
    await redisTarget.stop();
    await otel?.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof EnvError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`tocsin: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
