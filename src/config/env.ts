/** The environment variables of CONTRACT.md, read in one place. */
import { isIP } from 'node:net';
import { TocsinError } from '../domain/errors.js';
import { otelEnvProblems } from './otel-env.js';
import { redisUrlProblem } from './redis-url.js';

export interface Env {
  readonly port: number;
  readonly host: string;
  readonly configDir: string;
  /** Undefined when REDIS_URL is unset: the daemon may start a private redis-server. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly publicUrl: string;
  /** PUBLIC_URL was given (else publicUrl is http://localhost:PORT, which no provider can reach). */
  readonly publicUrlSet: boolean;
  readonly ingestToken: string | undefined;
  readonly apiToken: string | undefined;
  readonly twilio: { readonly accountSid: string; readonly authToken: string; readonly from: string; readonly apiUrl: string } | undefined;
  /** Needed to check Twilio signatures even when sending is off. */
  readonly twilioAuthToken: string | undefined;
  /** The account and token alone (no TWILIO_FROM needed): reading the TaskRouter API. */
  readonly twilioApi: { readonly accountSid: string; readonly authToken: string; readonly apiUrl: string } | undefined;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** Secret that signs acknowledge / resolve links (TOCSIN_LINK_SECRET); undefined = derived at start-up. */
  readonly linkSecret: string | undefined;
  readonly clockSpeed: number;
  readonly logLevel: string;
  /** In an engine worker, its number (1, 2, …; TOCSIN_ENGINE_WORKER, set by the daemon); else undefined. */
  readonly engineWorker: number | undefined;
}

/** The variable the daemon sets for each engine worker it starts: the worker's number. */
export const ENGINE_WORKER_ENV = 'TOCSIN_ENGINE_WORKER';

/** The environment of engine worker `n`: the daemon's own, with the Redis it uses and the worker's number. */
export function engineWorkerEnv(redisUrl: string, n: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, REDIS_URL: redisUrl, [ENGINE_WORKER_ENV]: String(n) };
}

/** The levels LOG_LEVEL may name (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An E.164 number: a `+`, then the country code and the number, 7 to 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/** The variables that only work together: some of them set is a mistake (the rest named at start-up). */
const TWILIO_SEND = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const;

/**
 * The environment is wrong: every problem, one a line (`VARIABLE: what is wrong`). Start-up exits 78
 * with it, as for an invalid configuration.
 */
export class EnvError extends TocsinError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('TOCSIN_ERR_CONFIG_INVALID', `invalid environment:\n${problems.join('\n')}`);
    this.problems = problems;
  }
}

/** TOCSIN_CONFIG, or ./config: all the CLI needs of the daemon's environment. */
export function configDirOf(env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(env.TOCSIN_CONFIG) ?? './config';
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const problems: string[] = [];
  const port = int(env.PORT, 8080, 'PORT', problems);
  const speed = env.TOCSIN_CLOCK_SPEED === undefined || env.TOCSIN_CLOCK_SPEED === '' ? 1 : Number(env.TOCSIN_CLOCK_SPEED);
  if (!Number.isFinite(speed) || speed <= 0) problems.push(`TOCSIN_CLOCK_SPEED must be a positive number, got "${env.TOCSIN_CLOCK_SPEED ?? ''}"`);
  const sid = nonEmpty(env.TWILIO_ACCOUNT_SID);
  const token = nonEmpty(env.TWILIO_AUTH_TOKEN);
  const from = nonEmpty(env.TWILIO_FROM);
  const apiUrl = (nonEmpty(env.TWILIO_API_URL) ?? 'https://api.twilio.com').replace(/\/+$/, '');
  problems.push(...twilioProblems(env));
  const publicUrl = nonEmpty(env.PUBLIC_URL);
  if (publicUrl !== undefined && !isUrl(publicUrl, ['http:', 'https:'])) problems.push(`PUBLIC_URL must be an http:// or https:// URL such as https://tocsin.example.com, got "${publicUrl}"`);
  if (!isUrl(apiUrl, ['http:', 'https:'])) problems.push(`TWILIO_API_URL must be an http:// or https:// URL such as https://api.twilio.com, got "${apiUrl}"`);
  const smtpUrl = nonEmpty(env.SMTP_URL);
  // never echoed: it may carry the mail server's password
  if (smtpUrl !== undefined && !isUrl(smtpUrl, ['smtp:', 'smtps:'])) problems.push('SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587');
  const logLevel = nonEmpty(env.LOG_LEVEL) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const host = nonEmpty(env.HOST) ?? '0.0.0.0';
  if (!isHost(host)) problems.push(`HOST must be an IP address (0.0.0.0, ::, 127.0.0.1) or a host name, got "${host}"`);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const redisProblem = redisUrl === undefined ? undefined : redisUrlProblem(redisUrl);
  if (redisProblem !== undefined) problems.push(redisProblem);
  // the number calls and messages come from: a call's caller id is a phone number, so no short code or sender id
  if (from !== undefined && !E164.test(from)) problems.push(`TWILIO_FROM must be the Twilio number in E.164 form, a + and the country code and number (7 to 15 digits, no spaces), such as +15005550006, got "${from}"`);
  problems.push(...otelEnvProblems(env));
  if (problems.length > 0) throw new EnvError(problems);
  return {
    port,
    host,
    configDir: configDirOf(env),
    redisUrl,
    redisPrefix: env.TOCSIN_REDIS_PREFIX ?? 'tocsin:',
    publicUrl: (publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    publicUrlSet: publicUrl !== undefined,
    ingestToken: nonEmpty(env.TOCSIN_INGEST_TOKEN),
    apiToken: nonEmpty(env.TOCSIN_API_TOKEN),
    twilio: sid && token && from ? { accountSid: sid, authToken: token, from, apiUrl } : undefined,
    twilioAuthToken: token,
    twilioApi: sid && token ? { accountSid: sid, authToken: token, apiUrl } : undefined,
    smtpUrl,
    mailFrom: nonEmpty(env.MAIL_FROM) ?? 'tocsin@localhost',
    linkSecret: nonEmpty(env.TOCSIN_LINK_SECRET),
    clockSpeed: speed,
    logLevel,
    engineWorker: nonEmpty(env[ENGINE_WORKER_ENV]) === undefined ? undefined : Number(env[ENGINE_WORKER_ENV]),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** A host name's label: letters, digits and dashes, not starting or ending with a dash. */
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * An address to listen on: an IPv4 or IPv6 address, or a host name (RFC 1123 labels, the last not all
 * digits: `999.1.1.1` is no address and no name). Whether a name resolves is found when listening.
 */
function isHost(v: string): boolean {
  if (isIP(v) !== 0) return true;
  const name = v.endsWith('.') ? v.slice(0, -1) : v;
  const labels = name.split('.');
  return name.length > 0 && name.length <= 253 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels.at(-1) ?? '');
}

/**
 * The Twilio variables set without those they need: TWILIO_FROM is of no use without the account and
 * token, nor the account without its token. The token alone checks the signatures of TaskRouter's
 * callbacks, and the account and token alone read the TaskRouter API (checked against the config).
 */
function twilioProblems(env: NodeJS.ProcessEnv): string[] {
  const set = TWILIO_SEND.filter((name) => nonEmpty(env[name]) !== undefined);
  const missing = TWILIO_SEND.filter((name) => !set.includes(name));
  const needed = set.includes('TWILIO_FROM') ? missing : set.includes('TWILIO_ACCOUNT_SID') ? missing.filter((name) => name === 'TWILIO_AUTH_TOKEN') : [];
  return needed.map((name) => `${name} is not set, while ${listed(set)} ${set.length === 1 ? 'is' : 'are'}: SMS and calls need ${listed(TWILIO_SEND)}`);
}

function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

function isUrl(v: string, protocols: readonly string[]): boolean {
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}

function int(v: string | undefined, dflt: number, name: string, problems: string[]): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${name} must be a port number, got "${v}"`);
  return n;
}
