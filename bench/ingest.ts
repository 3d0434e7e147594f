/** Intake throughput: tocsin's /webhooks/alertmanager vs Alertmanager's /api/v2/alerts, same generator. */
import autocannon from 'autocannon';

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
