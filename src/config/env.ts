/** The environment variables of CONTRACT.md, read in one place. */
import { TocsinError } from '../domain/errors.js';

export interface Env {
  readonly port: number;
  readonly host: string;
  readonly configDir: string;
  /** Undefined when REDIS_URL is unset: the daemon may start a private redis-server. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly publicUrl: string;
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

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const port = int(env.PORT, 8080, 'PORT');
  const speed = env.TOCSIN_CLOCK_SPEED === undefined || env.TOCSIN_CLOCK_SPEED === '' ? 1 : Number(env.TOCSIN_CLOCK_SPEED);
  if (!Number.isFinite(speed) || speed <= 0) throw new TocsinError('TOCSIN_ERR_CONFIG_INVALID', `TOCSIN_CLOCK_SPEED must be a positive number, got "${env.TOCSIN_CLOCK_SPEED ?? ''}"`);
  const sid = nonEmpty(env.TWILIO_ACCOUNT_SID);
  const token = nonEmpty(env.TWILIO_AUTH_TOKEN);
  const from = nonEmpty(env.TWILIO_FROM);
  const apiUrl = (nonEmpty(env.TWILIO_API_URL) ?? 'https://api.twilio.com').replace(/\/+$/, '');
  return {
    port,
    host: nonEmpty(env.HOST) ?? '0.0.0.0',
    configDir: nonEmpty(env.TOCSIN_CONFIG) ?? './config',
    redisUrl: nonEmpty(env.REDIS_URL),
    redisPrefix: env.TOCSIN_REDIS_PREFIX ?? 'tocsin:',
    publicUrl: (nonEmpty(env.PUBLIC_URL) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    ingestToken: nonEmpty(env.TOCSIN_INGEST_TOKEN),
    apiToken: nonEmpty(env.TOCSIN_API_TOKEN),
    twilio: sid && token && from ? { accountSid: sid, authToken: token, from, apiUrl } : undefined,
    twilioAuthToken: token,
    twilioApi: sid && token ? { accountSid: sid, authToken: token, apiUrl } : undefined,
    smtpUrl: nonEmpty(env.SMTP_URL),
    mailFrom: nonEmpty(env.MAIL_FROM) ?? 'tocsin@localhost',
    linkSecret: nonEmpty(env.TOCSIN_LINK_SECRET),
    clockSpeed: speed,
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    engineWorker: nonEmpty(env[ENGINE_WORKER_ENV]) === undefined ? undefined : Number(env[ENGINE_WORKER_ENV]),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TocsinError('TOCSIN_ERR_CONFIG_INVALID', `${name} must be a port number, got "${v}"`);
  return n;
}
