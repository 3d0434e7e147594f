/**
 * Storm: 100 000 Alertmanager alerts in bursts against one daemon in log mode, with the shipped
 * config (rate limits, throttles, bundling, inhibition as they ship). The sender retries 429 and 503
 * like Alertmanager. Then waits until every tier-0 page has gone (bundles wait out `bundleWindow`,
 * critical pages at most a `minGap`) and reads back what happened: incidents, pages by status,
 * messages actually sent, duplicates merged; checks that nothing critical was lost or sent twice;
 * the daemon's peak RSS and Redis memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Incident } from '../src/domain/incident.js';
import { auditPages, type PageAudit } from './page-audit.js';
import { readPageLog } from './page-log.js';
import { startRedis, startTocsin, type Proc } from './processes.js';
import { byLabel, fetchMetrics, total } from './prom-text.js';
import { DONE_STATUSES, pagesOf, readback } from './redis-readback.js';
import { watchRss, type RssReport } from './rss.js';
import { expectedIncidents, stormWorkload, type StormAlert } from './storm-workload.js';
import { emptyStats, postAll, webhookBody, type SendStats } from './webhook-sender.js';

export interface StormOptions {
  /** Alerts sent in all (default 100 000). */
  readonly alerts: number;
  readonly bursts: number;
  /** Alerts per webhook body. */
  readonly bodySize: number;
  /** Connections sending at once. */
  readonly concurrency: number;
  /** Quiet time between two bursts (ms). */
  readonly pauseMs: number;
  /** TOCSIN_CLOCK_SPEED for the daemon (1: throttles and bundles wait real minutes). */
  readonly clockSpeed: number;
  /** Longest wait for tier 0 to settle after the last burst (real ms). */
  readonly settleTimeoutMs: number;
  /** Extra node flags for the daemon (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Where the daemon's log goes (default: a temp file removed afterwards). */
  readonly logFile?: string;
}

export const STORM_DEFAULTS: StormOptions = { alerts: 100_000, bursts: 10, bodySize: 50, concurrency: 4, pauseMs: 1_000, clockSpeed: 1, settleTimeoutMs: 8 * 60_000 };

export interface StormResult {
  readonly options: StormOptions;
  readonly send: SendStats & { readonly seconds: number; readonly alertsPerSec: number };
  readonly settleSeconds: number;
  readonly settled: boolean;
  readonly distinctAlerts: number;
  readonly incidents: { readonly expected: number; readonly found: number; readonly byClass: Record<string, number>; readonly eventCount: number };
  readonly metrics: {
    readonly events: Record<string, number>;
    readonly duplicatesMerged: number;
    readonly rateLimited: number;
    readonly notifications: Record<string, number>;
    readonly suppressed: Record<string, number>;
  };
  /** Page records (one per incident, step, person, channel, attempt) by status; bundled: folded into another message. */
  readonly pages: { readonly records: number; readonly byStatus: Record<string, number>; readonly bundled: number; readonly byTier: Record<string, number> };
  /** Messages actually sent (log lines: a bundle is one message), by channel and per person. */
  readonly messages: { readonly total: number; readonly byChannel: Record<string, number>; readonly maxPerPerson: number };
  /** Open incidents whose pages inhibition holds back (a power outage at their site). */
  readonly inhibitedIncidents: number;
  readonly audit: PageAudit;
  readonly rss: RssReport;
  readonly redis: { readonly usedMiB: number; readonly peakMiB: number };
}

const LOG_MODE = { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM: '', SMTP_URL: '', TOCSIN_INGEST_TOKEN: '', TOCSIN_API_TOKEN: '', OTEL_SDK_DISABLED: 'true' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tier 0 has settled: every incident not inhibited reached it and none of its pages is still waiting. */
function tier0Settled(incidents: readonly Incident[]): boolean {
  return incidents.every((inc) => {
    const waiting = pagesOf(inc).some((p) => p.tier === 0 && p.status === 'planned');
    const reached = inc.timeline.some((e) => e.type === 'tier_reached' && e.tier === 0);
    const inhibited = inc.timeline.some((e) => e.type === 'inhibited');
    return !waiting && (reached || inhibited);
  });
}

export async function runStorm(opts: Partial<StormOptions> = {}): Promise<StormResult> {
  const o: StormOptions = { ...STORM_DEFAULTS, ...opts };
  const work = stormWorkload(o.alerts, o.bursts, o.bodySize);
  const logDir = o.logFile ? undefined : mkdtempSync(join(tmpdir(), 'tocsin-bench-storm-'));
  const logFile = o.logFile ?? join(logDir ?? '.', 'tocsin.log');
  const procs: Proc[] = [];
  try {
    const redis = await startRedis();
    procs.push(redis);
    const tocsin = await startTocsin(redis.url, { ...LOG_MODE, TOCSIN_CLOCK_SPEED: String(o.clockSpeed) }, [...(o.nodeArgs ?? [])], logFile);
    procs.push(tocsin);
    const rb = readback(redis.url);
    try {
      const rss = watchRss(tocsin.pid);
      const stats = emptyStats();
      const url = `${tocsin.url}/webhooks/alertmanager`;
      const sent = new Set<StormAlert>();
      const started = performance.now();
      for (const [i, burst] of work.bursts.entries()) {
        if (i > 0 && o.pauseMs > 0) await sleep(o.pauseMs);
        for (const body of burst) for (const a of body) sent.add(a);
        await postAll(url, burst.map((b) => webhookBody(b)), o.concurrency, stats);
        process.stderr.write(`  storm: burst ${i + 1}/${work.bursts.length} sent\n`);
      }
      const seconds = (performance.now() - started) / 1000;

      const settleStart = performance.now();
      let incidents = await rb.incidents();
      let settled = tier0Settled(incidents);
      while (!settled && performance.now() - settleStart < o.settleTimeoutMs) {
        await sleep(2_000);
        incidents = await rb.incidents();
        settled = tier0Settled(incidents);
      }
      const settleSeconds = (performance.now() - settleStart) / 1000;
      process.stderr.write(`  storm: tier 0 ${settled ? 'settled' : 'NOT settled'} ${settleSeconds.toFixed(0)} s after the last burst\n`);
      await sleep(500); // the last log lines reach the file
      const rssReport = rss.stop();
      const samples = await fetchMetrics(tocsin.url);
      const memory = await rb.memory();
      const log = readPageLog(logFile);

      const pages = incidents.flatMap((inc) => pagesOf(inc));
      const count = <T>(xs: readonly T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((a, x) => ((a[key(x)] = (a[key(x)] ?? 0) + 1), a), {});
      const perPerson = count(log, (l) => l.person);
      const criticalMembers = work.distinct.filter((a) => a.critical && sent.has(a)).map((a) => `am:${a.fingerprint}`);
      return {
        options: o,
        send: { ...stats, seconds, alertsPerSec: o.alerts / seconds },
        settleSeconds,
        settled,
        distinctAlerts: sent.size,
        incidents: {
          expected: expectedIncidents(sent),
          found: incidents.length,
          byClass: count(incidents, (i) => i.class),
          eventCount: incidents.reduce((a, i) => a + i.eventCount, 0),
        },
        metrics: {
          events: byLabel(samples.filter((s) => s.labels.source === 'alertmanager'), 'tocsin_events_received_total', 'result'),
          duplicatesMerged: total(samples, 'tocsin_duplicates_merged_total'),
          rateLimited: total(samples, 'tocsin_events_rejected_total', { reason: 'TOCSIN_ERR_RATE_LIMITED' }),
          notifications: byLabel(samples, 'tocsin_notifications_total', 'result'),
          suppressed: byLabel(samples, 'tocsin_notifications_suppressed_total', 'reason'),
        },
        pages: {
          records: pages.length,
          byStatus: count(pages, (p) => p.status),
          bundled: pages.filter((p) => p.bundledInto && DONE_STATUSES.has(p.status)).length,
          byTier: count(pages, (p) => `t${p.tier}`),
        },
        messages: { total: log.length, byChannel: count(log, (l) => l.channel), maxPerPerson: Math.max(0, ...Object.values(perPerson)) },
        inhibitedIncidents: incidents.filter((inc) => inc.timeline.some((e) => e.type === 'inhibited')).length,
        audit: auditPages(incidents, log, criticalMembers),
        rss: rssReport,
        redis: memory,
      };
    } finally {
      await rb.close();
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  }
}

const fmtMap = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '—';

/** The result as a markdown table (goals: RSS < 500 MiB, nothing critical lost, none twice). */
export function formatStorm(r: StormResult): string {
  const o = r.options;
  const a = r.audit;
  const okLost = a.lost === 0 && a.criticalAlertsMissing === 0 && a.tier0NotReached === 0;
  const okTwice = a.twice === 0 && a.twiceAnywhere === 0 && a.repeatedIds === 0;
  const rows: [string, string][] = [
    ['alerts sent', `${o.alerts} (${r.distinctAlerts} distinct, ${o.bursts} bursts, ${o.bodySize} per body, ${o.concurrency} connections, clock ×${o.clockSpeed})`],
    ['send time', `${r.send.seconds.toFixed(1)} s (${r.send.alertsPerSec.toFixed(0)} alerts/s incl. ${o.pauseMs} ms pauses)`],
    ['refused and retried', `429: ${r.send.refused429}, 503: ${r.send.refused503}, errors: ${r.send.errors}; given up: ${r.send.failed}; rate-limited (metric): ${r.metrics.rateLimited}`],
    ['events by result', fmtMap(r.metrics.events)],
    ['duplicates merged', String(r.metrics.duplicatesMerged)],
    ['incidents', `${r.incidents.found} (expected ${r.incidents.expected}): ${fmtMap(r.incidents.byClass)}; ${r.inhibitedIncidents} inhibited`],
    ['events on incidents', `${r.incidents.eventCount} (sum of eventCount)`],
    ['tier 0 settled', `${r.settled ? 'yes' : 'NO'}, ${r.settleSeconds.toFixed(0)} s after the last burst`],
    ['page records', `${r.pages.records}: ${fmtMap(r.pages.byStatus)}; bundled into another message: ${r.pages.bundled}; by tier: ${fmtMap(r.pages.byTier)}`],
    ['messages sent', `${r.messages.total}: ${fmtMap(r.messages.byChannel)}; most to one person: ${r.messages.maxPerPerson}`],
    ['notifications metric', fmtMap(r.metrics.notifications)],
    ['held back (metric)', fmtMap(r.metrics.suppressed)],
    ['critical alerts', `${a.criticalAlerts} distinct → ${a.criticalIncidents} incidents; missing: ${a.criticalAlertsMissing}; tier 0 not reached: ${a.tier0NotReached}`],
    ['critical pages', `${a.expected} (incident, tier, person) named by reached tiers: ${a.pagedOnce} paged once, ${a.lost} lost ${okLost ? '✓' : '✗'}`],
    ['sent twice', `critical: ${a.twice}, any incident: ${a.twiceAnywhere}, repeated ids in the log: ${a.repeatedIds} ${okTwice ? '✓' : '✗'}`],
    ['daemon RSS peak', `${r.rss.hwmMiB.toFixed(0)} MiB (VmHWM; sampled every 100 ms: ${r.rss.peakMiB.toFixed(0)} MiB, at the end ${r.rss.lastMiB.toFixed(0)} MiB) ${r.rss.hwmMiB < 500 ? '✓' : '✗'} goal < 500 MB`],
    ['redis memory', `${r.redis.usedMiB.toFixed(1)} MiB used, peak ${r.redis.peakMiB.toFixed(1)} MiB`],
  ];
  return [`Storm: ${o.alerts} Alertmanager alerts in bursts, shipped config, log mode`, '| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
