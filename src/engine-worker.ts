/**
 * An engine worker: the escalation engine alone, started by the daemon when escalation.workers > 1
 * (src/platform/engine-workers.ts). It reads the same env and config, uses the Redis the daemon
 * gave it, claims batches beside the daemon, answers the daemon's requests for its metrics, and stops
 * on SIGTERM or when the daemon is gone.
 */
import { readEnv } from './config/env.js';
import { loadConfig } from './config/load-config.js';
import { readOtelEnv } from './config/otel-env.js';
import { buildContainer } from './container.js';
import { METRICS_REPLY, METRICS_REQUEST, type MetricsReply, type MetricsRequest } from './platform/engine-workers.js';
import { createLogger } from './telemetry/logger.js';
import { startOtelSdk } from './telemetry/otel-sdk.js';

async function worker(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.logLevel).child({ worker: env.engineWorker ?? 0 });
  const config = loadConfig(env.configDir, { clockSpeed: env.clockSpeed });
  const otel = await startOtelSdk(readOtelEnv(), logger);
  if (!env.redisUrl) throw new Error('REDIS_URL is not set (an engine worker is started by the daemon, which sets it)');
  const container = await buildContainer({ env, config, logger, redisUrl: env.redisUrl });
  await container.startEngine();

  process.on('message', (msg: unknown) => {
    const m = msg as Partial<MetricsRequest>;
    if (m?.type !== METRICS_REQUEST || typeof m.id !== 'number') return;
    const id = m.id;
    void container.metrics.registry.getMetricsAsJSON().then((metrics) => {
      if (process.connected) process.send?.({ type: METRICS_REPLY, id, metrics } satisfies MetricsReply);
    });
  });

  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'engine worker stopping');
    await container.stop();
    await otel?.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // the daemon is gone (even killed): a worker never runs on alone
  process.on('disconnect', () => void shutdown('daemon gone'));
  logger.info({ pid: process.pid }, 'engine worker running');
}

worker().catch((e: unknown) => {
  process.stderr.write(`tocsin engine worker: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
