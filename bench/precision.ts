/**
 * Escalation precision: 10 000 open incidents whose tier 1 falls due within moments of each other,
 * and how late the engine runs it. app_network_acd incidents (one per site) are opened through the
 * webhook as fast as the daemon takes them; their tier 1 (supervisor, 5 min after opening) comes due
 * `5m / TOCSIN_CLOCK_SPEED` later. The daemon's clock is the real one — TOCSIN_CLOCK_SPEED only
 * divides the configured waits — so every lateness here is in real seconds.
 *
 * So that only the playbook's waits are sped up, the engine's own cadence (escalation.tick, audit;
 * the lease is real time anyway) is multiplied back by the speed in a config copy: the engine ticks exactly as in production
 * (every 1 s, 200 claims). Throttles hold no phase in that copy: a throttle holding a page back is
 * intended delay, not lateness (the storm bench shows throttles).
 *
 * Lateness, per incident: `engine` = when the tick that ran the tier started − the tier's due time
 * (the `late` of its tier_reached entry; what tocsin_escalation_lateness_seconds observes); `page` =
 * when the tier's page was sent (its record's time) − the due time. Tick durations come from
 * tocsin_escalation_tick_duration_seconds, scraped before the first tier-1 due time and after the last.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../src/config/durations.js';
import { copyConfig } from './config-copy.js';
import { startRedis, startTocsin, type Proc } from './processes.js';
import { fetchMetrics, histogram, histogramDelta, maxBound, quantile, total, type Histogram } from './prom-text.js';
import { DONE_STATUSES, pagesOf, readback } from './redis-readback.js';
import { childPids, cpuSeconds, watchRss, type RssReport } from './rss.js';
import { emptyStats, postAll, webhookBody, type AmAlert, type SendStats } from './webhook-sender.js';

export interface PrecisionOptions {
  /** Incidents opened (default 10 000). */
  readonly incidents: number;
  /** TOCSIN_CLOCK_SPEED (default 10: tier 1 at T+30 s real). */
  readonly clockSpeed: number;
  readonly bodySize: number;
  readonly concurrency: number;
  /** Keep the engine's tick and audit at their real-time production values (default true). */
  readonly realTimeEngine: boolean;
  /** Real seconds over which the openings are spread (so are the due times), however fast the daemon takes them. */
  readonly openSeconds: number;
  /** Longest wait for every incident to reach tier 1 after its due time (real ms). */
  readonly timeoutMs: number;
  readonly nodeArgs?: readonly string[];
  /** escalation.workers: processes running the engine (the daemon and workers − 1 beside it). */
  readonly workers: number;
}

export const PRECISION_DEFAULTS: PrecisionOptions = { incidents: 10_000, clockSpeed: 10, bodySize: 100, concurrency: 4, openSeconds: 5, realTimeEngine: true, timeoutMs: 5 * 60_000, workers: 1 };

/** The class, and its tier, whose lateness is measured. */
const CLASS = 'app_network_acd';
const TIER = 1;

export interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

export interface PrecisionResult {
  readonly options: PrecisionOptions;
  readonly tierAfterMs: number;
  readonly tickMs: number;
  readonly batch: number;
  readonly open: SendStats & { readonly seconds: number; readonly incidents: number };
  /** Real seconds between the first and the last tier-1 due time. */
  readonly dueSpreadSeconds: number;
  /** Tier 0 was done for every incident before the first tier-1 due time. */
  readonly tier0DoneFirst: boolean;
  readonly reached: number;
  readonly engineLate: Spread;
  readonly pageLate: Spread;
  /** From the lateness histogram, tier-1 window only. */
  readonly histogramLate: { readonly p50: number; readonly p99: number; readonly maxBound: number; readonly count: number };
  readonly ticks: { readonly count: number; readonly meanMs: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxBoundMs: number };
  /** Seconds from the first due time until the last incident reached the tier. */
  readonly drainSeconds: number;
  readonly rss: RssReport;
  /** Each engine worker's peak RSS (MiB). */
  readonly workersHwmMiB: readonly number[];
  /** Redis commands the daemon sent in the tier-1 window, busiest first (INFO commandstats delta). */
  readonly commands: readonly (readonly [string, number])[];
  /** CPU seconds used in the tier-1 window by the daemon (all its threads) and by Redis. */
  readonly cpu: { readonly daemon: number; readonly redis: number };
}

const LOG_MODE = { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM: '', SMTP_URL: '', TOCSIN_INGEST_TOKEN: '', TOCSIN_API_TOKEN: '', OTEL_SDK_DISABLED: 'true' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Waits until the daemon has started its engine workers; watches their memory. */
async function workersUp(pid: number, n: number): Promise<{ stop(): RssReport }[]> {
  const end = Date.now() + 20_000;
  while (childPids(pid).length < n) {
    if (Date.now() > end) throw new Error(`the daemon did not start ${n} engine worker(s)`);
    await sleep(100);
  }
  return childPids(pid).map((p) => watchRss(p));
}

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? Number.NaN, n: s.length };
}

/** Calls per command between two readings, busiest first; the bench's own INFO calls left out. */
function commandDelta(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  const out: [string, number][] = [];
  for (const [cmd, calls] of after) {
    const d = calls - (before.get(cmd) ?? 0);
    if (d > 0 && cmd !== 'info') out.push([cmd, d]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

function ms(v: unknown, fallback: number): number {
  return (typeof v === 'number' ? v * 1000 : typeof v === 'string' ? parseDuration(v) : undefined) ?? fallback;
}

async function waitForMetric(url: string, name: string, labels: Record<string, string>, atLeast: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (total(await fetchMetrics(url), name, labels) >= atLeast) return true;
    await sleep(250);
  }
  return false;
}

export async function runPrecision(opts: Partial<PrecisionOptions> = {}): Promise<PrecisionResult> {
  const o: PrecisionOptions = { ...PRECISION_DEFAULTS, ...opts };
  const S = o.clockSpeed;
  const shipped = parse(readFileSync('config/daemon.yaml', 'utf8')) as { escalation?: Record<string, unknown> };
  const playbooks = parse(readFileSync('config/playbooks.yaml', 'utf8')) as { classes: Record<string, { tiers: { after?: unknown }[] }> };
  const esc = shipped.escalation ?? {};
  const tickMs = ms(esc.tick, 1_000);
  const batch = typeof esc.batch === 'number' ? esc.batch : 200;
  const tierAfterMs = Math.round(ms(playbooks.classes[CLASS]?.tiers[TIER]?.after, 300_000) / S);
  const config = copyConfig({
    daemon: (d) => {
      if (o.realTimeEngine) {
        // bare numbers are seconds; the daemon divides them by the speed again
        d.setIn(['escalation', 'tick'], (tickMs * S) / 1000);
        d.setIn(['escalation', 'audit'], (ms(esc.audit, 60_000) * S) / 1000);
      }
      d.setIn(['throttle', 'phases'], []);
      d.setIn(['escalation', 'workers'], o.workers);
    },
  });
  const logDir = mkdtempSync(join(tmpdir(), 'tocsin-bench-precision-'));
  const procs: Proc[] = [];
  try {
    const redis = await startRedis();
    procs.push(redis);
    const env = { ...LOG_MODE, TOCSIN_CONFIG: config.dir, TOCSIN_CLOCK_SPEED: String(S) };
    const tocsin = await startTocsin(redis.url, env, [...(o.nodeArgs ?? [])], join(logDir, 'tocsin.log'));
    procs.push(tocsin);
    const rb = readback(redis.url);
    try {
      const rss = watchRss(tocsin.pid);
      const workerRss = await workersUp(tocsin.pid, o.workers - 1);
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const alerts: AmAlert[] = Array.from({ length: o.incidents }, (_, i) => ({
        labels: { alertname: 'CrmDown', service: 'crm', site: `site${i}`, severity: 'warning' },
        annotations: { summary: `CRM down at site${i}` },
        startsAt,
        fingerprint: `prec${i.toString(16).padStart(6, '0')}`,
      }));
      const bodies: string[] = [];
      for (let i = 0; i < alerts.length; i += o.bodySize) bodies.push(webhookBody(alerts.slice(i, i + o.bodySize)));
      const stats = emptyStats();
      const opened0 = Date.now();
      await postAll(`${tocsin.url}/webhooks/alertmanager`, bodies, o.concurrency, stats, undefined, (o.openSeconds * 1000) / Math.max(1, bodies.length));
      const openSeconds = (Date.now() - opened0) / 1000;
      process.stderr.write(`  precision: ${o.incidents} incidents sent in ${openSeconds.toFixed(1)} s; tier ${TIER} due ${(tierAfterMs / 1000).toFixed(0)} s after each opening\n`);

      const firstDue = opened0 + tierAfterMs; // no incident opened before the first body was sent
      // tier 0 done for every incident, then a scrape before tier 1 comes due
      await waitForMetric(tocsin.url, 'tocsin_escalation_tier_reached_total', { tier: '0' }, o.incidents, Math.max(firstDue, Date.now()) + o.timeoutMs);
      const tier0DoneFirst = Date.now() < firstDue;
      const [before, cmdsBefore, redisCpu0] = await Promise.all([fetchMetrics(tocsin.url), rb.commandCounts(), rb.cpuSeconds()]);
      const engines = [tocsin.pid, ...childPids(tocsin.pid)];
      const cpu0 = sum(engines.map(cpuSeconds));
      await waitForMetric(tocsin.url, 'tocsin_escalation_tier_reached_total', { tier: String(TIER) }, o.incidents, Math.max(firstDue, Date.now()) + o.timeoutMs);
      const [after, cmdsAfter, redisCpu1] = await Promise.all([fetchMetrics(tocsin.url), rb.commandCounts(), rb.cpuSeconds()]);
      const cpu = { daemon: sum(engines.map(cpuSeconds)) - cpu0, redis: redisCpu1 - redisCpu0 };
      const rssReport = rss.stop();
      const workersHwmMiB = workerRss.map((w) => w.stop().hwmMiB);
      const commands = commandDelta(cmdsBefore, cmdsAfter);

      const incidents = await rb.incidents();
      const dues: number[] = [];
      const engineLate: number[] = [];
      const pageLate: number[] = [];
      let lastReached = 0;
      for (const inc of incidents) {
        const e = inc.timeline.find((t) => t.type === 'tier_reached' && t.tier === TIER);
        if (!e) continue;
        const due = Date.parse(inc.openedAt) + tierAfterMs;
        dues.push(due);
        engineLate.push(Number(e.late ?? 0) / 1000);
        lastReached = Math.max(lastReached, Date.parse(e.at));
        const sent = pagesOf(inc).filter((p) => p.tier === TIER && DONE_STATUSES.has(p.status));
        if (sent.length > 0) pageLate.push((Math.max(...sent.map((p) => Date.parse(p.at))) - due) / 1000);
      }
      const lateH = histogramDelta(histogram(after, 'tocsin_escalation_lateness_seconds'), histogram(before, 'tocsin_escalation_lateness_seconds'));
      const tickH: Histogram = histogramDelta(histogram(after, 'tocsin_escalation_tick_duration_seconds'), histogram(before, 'tocsin_escalation_tick_duration_seconds'));
      const minDue = Math.min(...dues);
      return {
        options: o,
        tierAfterMs,
        tickMs,
        batch,
        open: { ...stats, seconds: openSeconds, incidents: incidents.length },
        dueSpreadSeconds: (Math.max(...dues) - minDue) / 1000,
        tier0DoneFirst,
        reached: engineLate.length,
        engineLate: spread(engineLate),
        pageLate: spread(pageLate),
        histogramLate: { p50: quantile(lateH, 0.5), p99: quantile(lateH, 0.99), maxBound: maxBound(lateH), count: lateH.count },
        ticks: { count: tickH.count, meanMs: (tickH.sum / Math.max(1, tickH.count)) * 1000, p50Ms: quantile(tickH, 0.5) * 1000, p99Ms: quantile(tickH, 0.99) * 1000, maxBoundMs: maxBound(tickH) * 1000 },
        drainSeconds: (lastReached - minDue) / 1000,
        rss: rssReport,
        workersHwmMiB,
        commands,
        cpu,
      };
    } finally {
      await rb.close();
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
    config.remove();
    rmSync(logDir, { recursive: true, force: true });
  }
}

function commandsLine(r: PrecisionResult): string {
  const per = (n: number) => (n / Math.max(1, r.reached)).toFixed(1);
  const all = r.commands.reduce((a, [, n]) => a + n, 0);
  return `${per(all)} (${r.commands.slice(0, 6).map(([c, n]) => `${c} ${per(n)}`).join(', ')})`;
}

const s3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/** The result as a markdown table (goal: p99 lateness of a tier < 1 s). */
export function formatPrecision(r: PrecisionResult): string {
  const o = r.options;
  const ok = (x: number) => (x < 1 ? '✓' : '✗');
  const rows: [string, string][] = [
    ['incidents', `${r.open.incidents} ${CLASS} opened in ${r.open.seconds.toFixed(1)} s (paced over ${o.openSeconds} s; ${o.bodySize} alerts per body, ${o.concurrency} connections; 429: ${r.open.refused429}, 503: ${r.open.refused503}, given up: ${r.open.failed})`],
    ['clock', `×${o.clockSpeed}: tier ${TIER} due ${(r.tierAfterMs / 1000).toFixed(1)} s (real) after opening; engine tick ${o.realTimeEngine ? `${r.tickMs} ms real (as shipped)` : `${(r.tickMs / o.clockSpeed).toFixed(0)} ms (sped up)`}, batch ${r.batch}`],
    ['due times spread over', `${r.dueSpreadSeconds.toFixed(1)} s; tier 0 done everywhere before the first was due: ${r.tier0DoneFirst ? 'yes' : 'no'}`],
    [`reached tier ${TIER}`, `${r.reached} / ${o.incidents} ${r.reached === o.incidents ? '✓' : '✗'}`],
    ['lateness, engine (tick start − due)', `p50 ${s3(r.engineLate.p50)} s, p99 ${s3(r.engineLate.p99)} s ${ok(r.engineLate.p99)}, max ${s3(r.engineLate.max)} s`],
    ['lateness, page sent − due', `p50 ${s3(r.pageLate.p50)} s, p99 ${s3(r.pageLate.p99)} s ${ok(r.pageLate.p99)}, max ${s3(r.pageLate.max)} s`],
    ['lateness histogram (tier-1 window)', `${r.histogramLate.count} claims: p50 ${s3(r.histogramLate.p50)} s, p99 ${s3(r.histogramLate.p99)} s, all ≤ ${r.histogramLate.maxBound} s`],
    ['ticks (tier-1 window)', `${r.ticks.count}: mean ${r.ticks.meanMs.toFixed(0)} ms, p50 ${r.ticks.p50Ms.toFixed(0)} ms, p99 ${r.ticks.p99Ms.toFixed(0)} ms, all ≤ ${r.ticks.maxBoundMs} ms`],
    ['first due → last incident at tier', `${r.drainSeconds.toFixed(1)} s (${(r.reached / Math.max(0.001, r.drainSeconds)).toFixed(0)} incidents/s)`],
    ['engine processes', o.workers === 1 ? '1: the daemon (escalation.workers 1, as shipped)' : `${o.workers}: the daemon and ${o.workers - 1} engine worker${o.workers > 2 ? 's' : ''} (escalation.workers ${o.workers})`],
    ['daemon RSS peak', `${r.rss.hwmMiB.toFixed(0)} MiB${r.workersHwmMiB.length > 0 ? `; engine workers ${r.workersHwmMiB.map((m) => m.toFixed(0)).join(', ')} MiB` : ''}`],
    ['CPU per incident (tier-1 window)', `${o.workers === 1 ? 'daemon' : 'engine processes'} ${((r.cpu.daemon * 1000) / Math.max(1, r.reached)).toFixed(2)} ms, Redis ${((r.cpu.redis * 1000) / Math.max(1, r.reached)).toFixed(2)} ms`],
    ['Redis commands per incident (tier-1 window)', commandsLine(r)],
  ];
  return [`Escalation precision: ${o.incidents} incidents, tier ${TIER} due together, real seconds`, '| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
