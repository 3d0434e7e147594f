/**
 * `tocsin ups-notify`: a NUT NOTIFYCMD. upsmon sets NOTIFYTYPE and UPSNAME (`ups@host[:port]`, empty
 * for SHUTDOWN); this posts `{device, site, event, reporter: "upsmon", host}` to `<TOCSIN_URL>/webhooks/ups` with a short
 * timeout. When the daemon cannot be reached it leaves a local log line (and a line in
 * TOCSIN_NOTIFY_LOG when set) and exits 1, so nothing is lost silently.
 */
import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { CliEnv } from '../config/cli-env.js';
import { UPSMON_DEVICE } from '../domain/ups-device.js';
import type { Logger } from '../telemetry/logger.js';
import { postUpsReport, type UpsReport } from './post-ups.js';

/** The device name used when upsmon gives no UPSNAME (its SHUTDOWN notification). */
export const NO_UPS_DEVICE = UPSMON_DEVICE;

export interface UpsNotifyDeps {
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Default 3 s: upsmon forks one NOTIFYCMD per event; none should hang around. */
  readonly timeoutMs?: number;
  /** Appends a line to a file (fs by default). */
  readonly appendLine?: (path: string, line: string) => Promise<void>;
  /** Today's time for the fallback line (ISO string). */
  readonly now?: () => Date;
  /** The host upsmon runs on (os.hostname() by default): NOPARENT names it, the upsmon to restart. */
  readonly hostname?: () => string;
}

/** `ups1@127.0.0.1:13493` → `ups1`; `ups1` → `ups1`; empty → undefined. */
export function upsNameToDevice(upsName: string | undefined): string | undefined {
  const s = (upsName ?? '').trim();
  if (s === '') return undefined;
  const at = s.indexOf('@');
  const name = at < 0 ? s : s.slice(0, at);
  return name === '' ? undefined : name;
}

export async function runUpsNotify(env: CliEnv, deps: UpsNotifyDeps): Promise<number> {
  const log = deps.logger;
  const event = env.notifyType;
  if (event === undefined) {
    log.error({}, 'NOTIFYTYPE is not set: ups-notify is meant to run as upsmon NOTIFYCMD');
    return 1;
  }
  const device = upsNameToDevice(env.upsName) ?? NO_UPS_DEVICE;
  if (env.site === undefined) log.warn({ device, event }, 'TOCSIN_SITE is not set; posting without a site');
  const host = (deps.hostname ?? hostname)().trim();
  const report: UpsReport = { device, ...(env.site === undefined ? {} : { site: env.site }), event, reporter: 'upsmon', ...(host === '' ? {} : { host }) };
  const res = await postUpsReport(report, { baseUrl: env.tocsinUrl, token: env.ingestToken, timeoutMs: deps.timeoutMs ?? 3_000, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  if (res.ok) {
    log.info({ device, event, status: res.status }, 'ups event posted');
    return 0;
  }
  log.error({ device, event, site: env.site, url: env.tocsinUrl, reason: res.reason }, 'ups event not delivered');
  if (env.notifyLog !== undefined) {
    const at = (deps.now ?? (() => new Date()))().toISOString();
    const line = `${at} tocsin ups-notify: not delivered event=${event} device=${device} site=${env.site ?? ''} url=${env.tocsinUrl} reason=${JSON.stringify(res.reason)}\n`;
    try {
      await (deps.appendLine ?? appendFile)(env.notifyLog, line);
    } catch (e) {
      log.error({ path: env.notifyLog, err: e }, 'cannot write the fallback log');
    }
  }
  return 1;
}
