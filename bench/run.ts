/**
 * `npm run bench`: intake throughput of tocsin against Debian's Alertmanager, side by side in one run.
 * 50 connections, unique label sets per request, 1- and 10-alert bodies, interleaved rounds, medians.
 * BENCH_SECONDS (default 8) and BENCH_ROUNDS (default 3) tune the length.
 * Then the storm (bench/storm.ts) and escalation precision (bench/precision.ts). BENCH_ONLY picks
 * parts (`ingest,storm,precision`, comma-separated); BENCH_STORM_* and BENCH_PRECISION_* size them.
 */
import { copyConfig } from './config-copy.js';
import { envNumber } from './env-number.js';
import { alertmanagerBody, load, measuredLoad, tocsinBody, type MeasuredLoad } from './ingest.js';
import { precisionOptionsFromEnv, precisionWorkersFromEnv, runPrecisionPart } from './precision-part.js';
import { startAlertmanager, startFloor, startRedis, startTocsin, type Proc } from './processes.js';
import { runStormPart, stormOptionsFromEnv } from './storm-part.js';

/** The intake targets the table is read against: alerts/s as a multiple of Alertmanager's, and tocsin's p99. */
const TARGETS: Readonly<Record<number, number>> = { 1: 1.0, 10: 3.0 };
const P99_TARGET_MS = 50;

const seconds = envNumber(process.env.BENCH_SECONDS, 8);
const rounds = Math.round(envNumber(process.env.BENCH_ROUNDS, 3));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function summarize(rs: MeasuredLoad[]) {
  return {
    peerCpuUs: median(rs.map((r) => r.peerCpuUs)),
    redisCpuUs: median(rs.map((r) => r.redisCpuUs)),
    generatorCpuUs: median(rs.map((r) => r.generatorCpuUs)),
    idle: median(rs.map((r) => r.idle)),
    alertsPerSec: median(rs.map((r) => r.alertsPerSec)),
    requestsPerSec: median(rs.map((r) => r.requestsPerSec)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    failed: rs.reduce((a, r) => a + r.non2xx + r.errors, 0),
  };
}

async function ingest(): Promise<void> {
  const procs: Proc[] = [];
  try {
    const redis = await startRedis();
    procs.push(redis);
    // The shipped per-source rate limits would answer 429 to a flood like this one: measured without them.
    const config = copyConfig({ daemon: (d) => void d.delete('rateLimits') });
    procs.push({ name: 'config', url: config.dir, pid: 0, stop: async () => config.remove() });
    const tocsin = await startTocsin(redis.url, { TOCSIN_CONFIG: config.dir });
    procs.push(tocsin);
    const am = await startAlertmanager();
    procs.push(am);
    const floor = await startFloor(redis.url);
    procs.push(floor);

    const rows: string[] = [];
    const verdicts: string[] = [];
    for (const n of [1, 10]) {
      const results: Record<'tocsin' | 'alertmanager' | 'floor', MeasuredLoad[]> = { tocsin: [], alertmanager: [], floor: [] };
      // warm-up, then interleaved rounds so both see the same machine state
      await load(`${tocsin.url}/webhooks/alertmanager`, tocsinBody(n), n, 2);
      await load(`${am.url}/api/v2/alerts`, alertmanagerBody(n), n, 2);
      await load(floor.url, tocsinBody(n), n, 2);
      for (let i = 0; i < rounds; i++) {
        results.alertmanager.push(await measuredLoad(am.pid, undefined, `${am.url}/api/v2/alerts`, alertmanagerBody(n), n, seconds));
        results.tocsin.push(await measuredLoad(tocsin.pid, redis.pid, `${tocsin.url}/webhooks/alertmanager`, tocsinBody(n), n, seconds));
        results.floor.push(await measuredLoad(floor.pid, redis.pid, floor.url, tocsinBody(n), n, seconds));
        process.stderr.write(`  ${n}-alert bodies: round ${i + 1}/${rounds} done\n`);
      }
      const t = summarize(results.tocsin);
      const a = summarize(results.alertmanager);
      const f = summarize(results.floor);
      const fmt = (name: string, s: ReturnType<typeof summarize>, ratio: string) =>
        `| ${`${n} alert${n > 1 ? 's' : ''}`.padEnd(8)} | ${name.padEnd(12)} | ${s.requestsPerSec.toFixed(0).padStart(7)} | ${s.alertsPerSec.toFixed(0).padStart(8)} | ${s.p50.toFixed(1).padStart(6)} | ${s.p99.toFixed(1).padStart(6)} | ${String(s.failed).padStart(6)} | ${ratio.padStart(7)} | ${s.peerCpuUs.toFixed(0).padStart(8)} | ${(Number.isNaN(s.redisCpuUs) ? '—' : s.redisCpuUs.toFixed(0)).padStart(9)} | ${s.generatorCpuUs.toFixed(0).padStart(6)} | ${`${(s.idle * 100).toFixed(0)} %`.padStart(5)} |`;
      const ratio = t.alertsPerSec / a.alertsPerSec;
      const floorRatio = f.alertsPerSec / a.alertsPerSec;
      rows.push(fmt('alertmanager', a, '1.00×'));
      rows.push(fmt('tocsin', t, `${ratio.toFixed(2)}×`));
      rows.push(fmt('node floor', f, `${floorRatio.toFixed(2)}×`));
      const target = TARGETS[n] ?? 1;
      const mark = (ok: boolean) => (ok ? '✓' : '✗');
      verdicts.push(
        `${n}-alert bodies: tocsin ${ratio.toFixed(2)}× Alertmanager ${mark(ratio >= target)} (target ≥ ${target.toFixed(1)}×; the floor ${floorRatio.toFixed(2)}×), p99 ${t.p99.toFixed(0)} ms ${mark(t.p99 <= P99_TARGET_MS)} (target ≤ ${P99_TARGET_MS} ms)`,
      );
    }
    const header = [
      `Intake, 50 connections, ${rounds} interleaved rounds of ${seconds}s each, medians (latency in ms);`,
      'node floor: bare node:http, JSON.parse and one Redis write per webhook (bench/floor-server.ts), the least a Node daemon that answers after Redis can do',
      'CPU: µs per answered request, from /proc: the peer process (all its threads), the Redis it writes to (Alertmanager has none) and the generator (autocannon, in this process); idle: the machine\'s CPU left unused during the run',
      '| body     | peer         |   req/s | alerts/s |    p50 |    p99 | failed | vs AM   | CPU µs   | Redis µs  | gen µs | idle  |',
      '|----------|--------------|---------|----------|--------|--------|--------|---------|----------|-----------|--------|-------|',
    ];
    process.stdout.write(`${[...header, ...rows, '', ...verdicts].join('\n')}\n`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

async function main(): Promise<void> {
  const only = new Set((process.env.BENCH_ONLY ?? 'ingest,storm,precision').split(',').map((s) => s.trim()));
  if (only.has('ingest')) await ingest();
  if (only.has('storm')) await runStormPart(stormOptionsFromEnv(process.env));
  if (only.has('precision')) await runPrecisionPart(precisionOptionsFromEnv(process.env), precisionWorkersFromEnv(process.env));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
