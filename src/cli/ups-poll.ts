/**
 * `tocsin ups-poll --upsd HOST:PORT --ups NAME[,NAME…] --site S [--url URL] [--interval 5s] [--once]`
 * Polls upsd every interval (charge and runtime thresholds need polling: upsmon notifies only on
 * status changes) and posts each UPS's variables to `<url>/webhooks/ups`. When upsd cannot reach
 * the UPS (driver not connected, stale data) or upsd itself cannot be reached, it posts
 * `event: "COMMBAD"`; the first good poll after that carries `event: "COMMOK"`. A UPS that upsd
 * refuses at the first poll (not in its ups.conf, access denied) is a mistake in the command line:
 * the poller exits 78 naming it (with --once too); one refused later, after it was seen, is reported
 * COMMBAD. `--once` exits 0 when every UPS was read and its report accepted, 1 when tocsin did not
 * accept a report, 69 when a UPS could not be read (upsd or its driver down: reported COMMBAD).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { CliEnv } from '../config/cli-env.js';
import { parseDurationOrSeconds } from '../config/durations.js';
import { UpsdClient, parseUpsdAddress, type UpsdAddress } from '../nut/upsd-client.js';
import { convertVars } from '../nut/upsd-protocol.js';
import type { Logger } from '../telemetry/logger.js';
import { postUpsReport, type UpsReport } from './post-ups.js';

import { EX_CONFIG, EX_UNAVAILABLE, EX_USAGE } from './exit-codes.js';

export { EX_USAGE };

export interface UpsPollDeps {
  readonly env: CliEnv;
  readonly logger: Logger;
  /** Stops the loop (SIGINT/SIGTERM in the CLI, the test's teardown). */
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  /** Usage errors go here (stderr in the CLI). */
  readonly usage?: (text: string) => void;
}

export interface UpsPollOptions {
  readonly upsd: UpsdAddress;
  readonly upses: readonly string[];
  readonly site: string;
  readonly url: string;
  readonly intervalMs: number;
  readonly once: boolean;
  readonly timeoutMs: number;
}

export const UPS_POLL_USAGE = 'usage: tocsin ups-poll --upsd HOST:PORT --ups NAME[,NAME...] --site S [--url URL] [--interval 5s] [--timeout 5s] [--once]\n';

/** Parses the command line (with TOCSIN_URL / TOCSIN_SITE as defaults); a string is the usage problem. */
export function parseUpsPollArgs(args: readonly string[], env: CliEnv): UpsPollOptions | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        upsd: { type: 'string' },
        ups: { type: 'string' },
        site: { type: 'string' },
        url: { type: 'string' },
        interval: { type: 'string', default: '5s' },
        timeout: { type: 'string', default: '5s' },
        once: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return (e as Error).message;
  }
  if (values.upsd === undefined) return '--upsd HOST:PORT is required: where NUT\'s upsd listens (e.g. 127.0.0.1:3493 on the UPS host)';
  const upsd = parseUpsdAddress(values.upsd);
  if (upsd === undefined) return `--upsd must be HOST:PORT, got "${values.upsd}"`;
  const upses = (values.ups ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (upses.length === 0) return '--ups NAME[,NAME...] is required';
  const site = values.site ?? env.site;
  if (site === undefined || site.trim() === '') return '--site is required (or TOCSIN_SITE)';
  // as in daemon.yaml: `5s`, `1m30s`, or a bare number of seconds
  const intervalMs = parseDurationOrSeconds(values.interval);
  if (intervalMs === undefined || intervalMs <= 0) return `--interval must be a duration like 5s (a bare number is seconds), got "${values.interval}"`;
  const timeoutMs = parseDurationOrSeconds(values.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) return `--timeout must be a duration like 5s (a bare number is seconds), got "${values.timeout}"`;
  return { upsd, upses, site: site.trim(), url: (values.url ?? env.tocsinUrl).replace(/\/+$/, ''), intervalMs, once: values.once, timeoutMs };
}

/**
 * Runs until `signal` aborts (exit 0), or once with --once: 0 when every UPS was read and reported,
 * 1 when tocsin did not accept a report, 69 when a UPS could not be read (reported COMMBAD). 64 on
 * bad usage; 78 when upsd refuses a UPS at the first poll.
 */
export async function runUpsPoll(args: readonly string[], deps: UpsPollDeps): Promise<number> {
  const opts = parseUpsPollArgs(args, deps.env);
  if (typeof opts === 'string') {
    (deps.usage ?? ((t) => deps.logger.error({ problem: t }, 'bad usage')))(`tocsin ups-poll: ${opts}\n${UPS_POLL_USAGE}`);
    return EX_USAGE;
  }
  const poller = new UpsPoller(opts, deps);
  deps.logger.info({ upsd: `${opts.upsd.host}:${opts.upsd.port}`, ups: opts.upses, site: opts.site, url: opts.url, intervalMs: opts.intervalMs }, 'ups-poll started');
  for (let first = true; ; first = false) {
    const accepted = await poller.pollOnce();
    const refused = first ? poller.refusedNeverSeen() : [];
    if (refused.length > 0) {
      const which = refused.map(([ups, error]) => `"${ups}" (${error})`).join(', ');
      (deps.usage ?? ((t) => deps.logger.error({ problem: t }, 'ups-poll stopped')))(
        `tocsin ups-poll: upsd at ${opts.upsd.host}:${opts.upsd.port} refuses ${which}: check --ups against upsd's ups.conf (and upsd.users)\n`,
      );
      return EX_CONFIG;
    }
    if (opts.once) return !accepted ? 1 : poller.unread().length > 0 ? EX_UNAVAILABLE : 0;
    if (deps.signal?.aborted) break;
    try {
      await sleep(opts.intervalMs, undefined, deps.signal === undefined ? {} : { signal: deps.signal });
    } catch {
      break; // aborted
    }
  }
  deps.logger.info({}, 'ups-poll stopped');
  return 0;
}

/** One poll cycle per call; remembers which UPSes were unreachable so it can say COMMOK. */
export class UpsPoller {
  private readonly commBad = new Set<string>();
  /** UPSes upsd has answered for at least once. */
  private readonly seen = new Set<string>();
  /** UPSes upsd refused at the last poll, with its error. */
  private readonly refused = new Map<string, string>();
  /** UPSes whose figures the last poll could not read (upsd or the driver down, data stale, not ready). */
  private readonly notRead = new Set<string>();

  /** The UPSes the last poll could not read. */
  unread(): string[] {
    return [...this.notRead];
  }

  /** The UPSes upsd refused at the last poll that it never answered for: a name it does not know. */
  refusedNeverSeen(): [string, string][] {
    return [...this.refused].filter(([ups]) => !this.seen.has(ups));
  }

  constructor(
    private readonly opts: UpsPollOptions,
    private readonly deps: Pick<UpsPollDeps, 'env' | 'logger' | 'fetch'>,
  ) {}

  /** True when tocsin accepted every report made (`unread` and `refusedNeverSeen` say which UPS had none, or only COMMBAD). */
  async pollOnce(): Promise<boolean> {
    this.notRead.clear();
    const reports = await this.collect();
    let all = true;
    for (const r of reports) {
      if (r === undefined) continue;
      const res = await postUpsReport(r, { baseUrl: this.opts.url, token: this.deps.env.ingestToken, timeoutMs: this.opts.timeoutMs, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
      if (res.ok) {
        this.deps.logger.debug({ device: r.device, event: r.event, status: res.status }, 'ups report posted');
      } else {
        all = false;
        this.deps.logger.warn({ device: r.device, event: r.event, url: this.opts.url, reason: res.reason }, 'ups report not accepted');
      }
    }
    return all;
  }

  /** One report per UPS (undefined where there is nothing to report, e.g. upsd does not know it). */
  private async collect(): Promise<(UpsReport | undefined)[]> {
    const { site, upses } = this.opts;
    let client: UpsdClient;
    try {
      client = await UpsdClient.connect(this.opts.upsd, { timeoutMs: this.opts.timeoutMs });
    } catch (e) {
      this.deps.logger.warn({ upsd: `${this.opts.upsd.host}:${this.opts.upsd.port}`, err: e }, 'upsd unreachable');
      return upses.map((device) => this.commbad(device, site));
    }
    const out: (UpsReport | undefined)[] = [];
    try {
      for (const device of upses) {
        let result;
        try {
          result = await client.listVars(device);
        } catch (e) {
          this.deps.logger.warn({ device, err: e }, 'upsd poll failed');
          out.push(this.commbad(device, site));
          continue;
        }
        if (result.ok && result.vars['ups.status'] === 'WAIT') {
          // A driver that has just (re)connected says WAIT until it has read the UPS: nothing to report yet.
          this.deps.logger.debug({ device }, 'ups driver not ready yet');
          this.notRead.add(device);
          out.push(undefined);
        } else if (result.ok) {
          this.seen.add(device);
          this.refused.delete(device);
          const wasBad = this.commBad.delete(device);
          out.push({ device, site, ...(wasBad ? { event: 'COMMOK' } : {}), vars: convertVars(result.vars), reporter: 'ups-poll' });
        } else if (result.error === 'DRIVER-NOT-CONNECTED' || result.error === 'DATA-STALE') {
          this.deps.logger.warn({ device, error: result.error }, 'ups not reachable through upsd');
          out.push(this.commbad(device, site));
        } else {
          this.deps.logger.error({ device, error: result.error }, 'upsd refused the ups');
          this.refused.set(device, result.error);
          // known before, refused now (upsd's configuration changed): nothing more is heard of it
          out.push(this.seen.has(device) ? this.commbad(device, site) : undefined);
        }
      }
    } finally {
      await client.close();
    }
    return out;
  }

  private commbad(device: string, site: string): UpsReport {
    this.commBad.add(device);
    this.notRead.add(device);
    return { device, site, event: 'COMMBAD', reporter: 'ups-poll' };
  }
}
