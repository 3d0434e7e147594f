/** A pino logger whose lines land in an array (parsed JSON). */
import { createLogger, type Logger } from '../../src/telemetry/logger.js';

export function captureLogger(level = 'debug'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}
