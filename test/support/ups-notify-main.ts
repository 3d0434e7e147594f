/** Runs `ups-notify` from source, as the NOTIFYCMD of a test upsmon (node --import tsx this-file). */
import { readCliEnv } from '../../src/config/cli-env.js';
import { runUpsNotify } from '../../src/cli/ups-notify.js';
import { createLogger } from '../../src/telemetry/logger.js';

const env = readCliEnv();
process.exitCode = await runUpsNotify(env, { logger: createLogger(env.logLevel, process.stderr as never) });
