/** `tocsin <command>`: check-config, schema, drill, ups-poll, ups-notify. */
import { join } from 'node:path';
import { runCheckConfig } from './cli/check-config.js';
import { runDrill } from './cli/drill.js';
import { runSchema } from './cli/schema.js';
import { readCliEnv } from './config/cli-env.js';
import { configDirOf } from './config/env.js';
import { SCHEMA_DIR } from './config/json-schema.js';
import { loadConfig } from './config/load-config.js';
import { runUpsNotify } from './cli/ups-notify.js';
import { runUpsPoll } from './cli/ups-poll.js';
import { EX_USAGE } from './cli/exit-codes.js';
import { judgeArgs, USAGE } from './cli/usage.js';
import { createLogger } from './telemetry/logger.js';


export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined) {
    const verdict = judgeArgs(command, rest);
    if (verdict.kind === 'help') {
      process.stdout.write(verdict.text);
      return 0;
    }
    if (verdict.kind === 'usage-error') {
      process.stderr.write(verdict.text);
      return EX_USAGE;
    }
  }
  switch (command) {
    case 'check-config':
      return runCheckConfig(rest, process.stdout, process.stderr);
    case 'schema':
      return runSchema(rest, process.stdout, join(configDirOf(), SCHEMA_DIR));
    case 'drill':
      return runDrillCommand(rest);
    case 'ups-poll':
      return runUpsPollCommand(rest);
    case 'ups-notify':
      return runUpsNotify(readCliEnv(), { logger: createLogger(readCliEnv().logLevel, process.stderr) });
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? EX_USAGE : 0;
    default:
      process.stderr.write(`tocsin: unknown command "${command}"\n${USAGE}`);
      return EX_USAGE;
  }
}

async function runDrillCommand(args: readonly string[]): Promise<number> {
  const env = readCliEnv();
  let names: Readonly<Record<string, { name: string }>> = {};
  try {
    names = loadConfig(configDirOf()).playbooks.classes;
  } catch {
    /* names are a nicety; the daemon validates the class */
  }
  return runDrill(args, { fetch, baseUrl: env.tocsinUrl, token: env.apiToken, out: process.stdout, err: process.stderr, className: (id) => names[id]?.name });
}

async function runUpsPollCommand(args: readonly string[]): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runUpsPoll(args, {
      env: readCliEnv(),
      logger: createLogger(readCliEnv().logLevel, process.stderr),
      signal: stop.signal,
      usage: (text) => process.stderr.write(text),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
