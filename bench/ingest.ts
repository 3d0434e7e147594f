/** Intake throughput: tocsin's /webhooks/alertmanager vs Alertmanager's /api/v2/alerts, same generator. */
import autocannon from 'autocannon';
import { cpuSeconds, machineTicks } from './rss.js';

export interface LoadResult {
  readonly requestsPerSec: number;
  readonly alertsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

const ID = '[<id>]';

function alert(k: number, at: string) {
  return {
    labels: { alertname: 'BenchServiceDown', site: 'hq', service: 'crm', instance: `${ID}-${k}`, severity: 'warning' },
    annotations: { summary: `CRM instance ${ID}-${k} down` },
    startsAt: at,
  };
}

/** The Alertmanager webhook body tocsin receives: `alerts` unique per request. */
export function tocsinBody(n: number): string {
  const at = new Date().toISOString();
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="BenchServiceDown"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'tocsin',
    groupLabels: { alertname: 'BenchServiceDown' },
    commonLabels: { alertname: 'BenchServiceDown', site: 'hq' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: n }, (_, k) => ({ status: 'firing', ...alert(k, at), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `${ID}${k}` })),
  });
}

/** What a Prometheus posts to Alertmanager: the same alerts. */
export function alertmanagerBody(n: number): string {
  const at = new Date().toISOString();
  return JSON.stringify(Array.from({ length: n }, (_, k) => alert(k, at)));
}

export function load(url: string, body: string, alertsPerRequest: number, seconds: number, connections = 50): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        idReplacement: true,
        connections,
        duration: seconds,
      },
      (err, r) => {
        if (err) return reject(err);
        const ok = r.requests.total - r.non2xx;
        resolve({
          requestsPerSec: ok / seconds,
          alertsPerSec: (ok * alertsPerRequest) / seconds,
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
  });
}

/** A load run with the CPU its peer (and the peer's Redis, when it has one) spent per answered request, from /proc. */
export interface MeasuredLoad extends LoadResult {
  /** µs of CPU per 2xx request: the peer's process (every thread of it). */
  readonly peerCpuUs: number;
  /** µs of CPU per 2xx request in the peer's Redis; NaN when it has none. */
  readonly redisCpuUs: number;
  /** µs of CPU per 2xx request in the load generator (this process, which runs autocannon). */
  readonly generatorCpuUs: number;
  /** Share of the machine's CPU left idle during the run (0–1): none left means the machine was full. */
  readonly idle: number;
}

export async function measuredLoad(peerPid: number, redisPid: number | undefined, url: string, body: string, alertsPerRequest: number, seconds: number): Promise<MeasuredLoad> {
  const peer0 = cpuSeconds(peerPid);
  const redis0 = redisPid === undefined ? Number.NaN : cpuSeconds(redisPid);
  const gen0 = process.cpuUsage();
  const m0 = machineTicks();
  const r = await load(url, body, alertsPerRequest, seconds);
  const m1 = machineTicks();
  const gen = process.cpuUsage(gen0);
  const answered = Math.max(1, r.requestsPerSec * seconds);
  const perRequest = (before: number, after: number) => ((after - before) * 1e6) / answered;
  return {
    ...r,
    peerCpuUs: perRequest(peer0, cpuSeconds(peerPid)),
    redisCpuUs: redisPid === undefined ? Number.NaN : perRequest(redis0, cpuSeconds(redisPid)),
    generatorCpuUs: (gen.user + gen.system) / answered,
    idle: (m1.idle - m0.idle) / Math.max(1, m1.total - m0.total),
  };
}
