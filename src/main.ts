/** The daemon: read env and config, make sure Redis is there, wire everything, serve, stop cleanly. */
import { readEnv } from './config/env.js';
import { loadConfig, ConfigError } from './config/load-config.js';
import { buildContainer } from './container.js';
import { ensureRedis } from './platform/redis-launcher.js';
import { readOtelEnv } from './config/otel-env.js';
import { createLogger } from './telemetry/logger.js';
import { startOtelSdk } from './telemetry/otel-sdk.js';

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.logLevel);
  if (env.clockSpeed !== 1) logger.warn({ clockSpeed: env.clockSpeed }, 'TOCSIN_CLOCK_SPEED is not 1: every wait runs faster (drill/test mode)');
  const config = loadConfig(env.configDir, { clockSpeed: env.clockSpeed });
  const otel = await startOtelSdk(readOtelEnv(), logger);
  const redisTarget = await ensureRedis(env.redisUrl, './data/redis', logger);
  const container = await buildContainer({ env, config, logger, redisUrl: redisTarget.url });
  await container.start();
  const port = await container.listen(env.port, env.host);
  logger.info({ port, host: env.host, config: config.dir, playbooks: config.playbooks.version, prefix: env.redisPrefix }, 'tocsin listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await container.stop();
    await redisTarget.stop();
    await otel?.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`tocsin: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
