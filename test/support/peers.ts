/**
 * Real peers for end-to-end tests: Debian's `prometheus-alertmanager` and `prometheus`, each with its
 * config and storage in a temporary folder, on a free loopback port (neither can bind port 0 and
 * report it). Missing binaries fail with the Debian package to install.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { stopProcess } from './nut.js';
import { freePort } from './ports.js';

export const PEER_PACKAGES = { 'prometheus-alertmanager': 'prometheus-alertmanager', prometheus: 'prometheus', promtool: 'prometheus', amtool: 'prometheus-alertmanager' } as const;

/** The absolute path of a peer binary on PATH (or /usr/bin), else an error naming the Debian package. */
export function requireBinary(name: keyof typeof PEER_PACKAGES): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin'];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  const pkg = PEER_PACKAGES[name];
  throw new Error(`${name} is not installed: install the Debian package ${pkg} (apt-get update && apt-get install -y ${pkg})`);
}

interface Daemon {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The daemon's recent output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function startDaemon(bin: string, args: (dir: string, port: number) => string[], prepare: (dir: string) => Promise<void>, prefix: string): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await prepare(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out: string[] = [];
  const child: ChildProcess = spawn(bin, args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    out.push(b.toString('utf8'));
    if (out.length > 300) out.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const daemon: Daemon = {
    url,
    port,
    dir,
    output: () => out.join(''),
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await daemon.stop();
      throw new Error(`${bin} exited with ${child.exitCode}:\n${daemon.output()}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return daemon;
    if (Date.now() > until) {
      const text = daemon.output();
      await daemon.stop();
      throw new Error(`${bin} not ready on ${url} within 30 s:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------- Alertmanager

export interface AmAlertIn {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

export interface AlertmanagerOptions {
  /** Where the webhook receiver posts (tocsin's /webhooks/alertmanager). */
  readonly webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  readonly bearerToken?: string;
  readonly groupBy?: readonly string[];
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
  /** Alertmanager's resolve_timeout (how long an alert without endsAt stays firing). */
  readonly resolveTimeout?: string;
}

export interface Alertmanager extends Daemon {
  /** POST /api/v2/alerts. */
  postAlerts(alerts: readonly AmAlertIn[]): Promise<void>;
  /** Posts the same label set again with endsAt now: Alertmanager resolves it. */
  resolveAlerts(alerts: readonly AmAlertIn[]): Promise<void>;
  /** GET /api/v2/alerts. */
  alerts(): Promise<{ labels: Record<string, string>; status: { state: string }; fingerprint: string }[]>;
}

/** The receiver config the harness writes (exported so a test can check it with amtool). */
export function alertmanagerConfig(o: AlertmanagerOptions): Record<string, unknown> {
  return {
    global: { resolve_timeout: o.resolveTimeout ?? '5m' },
    route: {
      receiver: 'tocsin',
      group_by: [...(o.groupBy ?? ['alertname', 'site'])],
      group_wait: o.groupWait ?? '1s',
      group_interval: o.groupInterval ?? '1s',
      repeat_interval: o.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'tocsin',
        webhook_configs: [
          {
            url: o.webhookUrl,
            send_resolved: true,
            max_alerts: 0,
            ...(o.bearerToken === undefined ? {} : { http_config: { authorization: { type: 'Bearer', credentials: o.bearerToken } } }),
          },
        ],
      },
    ],
  };
}

export async function startAlertmanager(o: AlertmanagerOptions): Promise<Alertmanager> {
  const bin = requireBinary('prometheus-alertmanager');
  const d = await startDaemon(
    bin,
    (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    (dir) => writeFile(join(dir, 'alertmanager.yml'), stringify(alertmanagerConfig(o))),
    'tocsin-am-',
  );
  const post = async (alerts: readonly AmAlertIn[]) => {
    const res = await fetch(`${d.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (!res.ok) throw new Error(`Alertmanager refused the alerts: HTTP ${res.status} ${await res.text()}`);
  };
  return {
    ...d,
    postAlerts: post,
    resolveAlerts: (alerts) => post(alerts.map((a) => ({ ...a, endsAt: new Date().toISOString() }))),
    async alerts() {
      const res = await fetch(`${d.url}/api/v2/alerts`);
      return (await res.json()) as { labels: Record<string, string>; status: { state: string }; fingerprint: string }[];
    },
  };
}

// ---------------------------------------------------------------- Prometheus

export interface PrometheusOptions {
  /** `host:port` of what to scrape (tocsin's /metrics). */
  readonly targets: readonly string[];
  readonly job?: string;
  readonly metricsPath?: string;
  readonly scrapeInterval?: string;
  readonly evaluationInterval?: string;
  /** Rule files to load (absolute paths). */
  readonly ruleFiles?: readonly string[];
}

export type PromQueryResult =
  | { readonly status: 'success'; readonly data: { readonly resultType: string; readonly result: readonly PromSample[] | unknown } }
  | { readonly status: 'error'; readonly errorType: string; readonly error: string };

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value?: readonly [number, string];
}

export interface Prometheus extends Daemon {
  /** GET /api/v1/query (instant query). Never throws for a PromQL error: it returns status "error". */
  query(expr: string): Promise<PromQueryResult>;
  /** Waits until every target has been scraped successfully at least once (up == 1). */
  waitForScrape(ms?: number): Promise<void>;
  /** GET /api/v1/rules: the loaded rule groups. */
  rules(): Promise<{ name: string; rules: { name: string; type: string; health: string; query: string }[] }[]>;
}

export function prometheusConfig(o: PrometheusOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: o.scrapeInterval ?? '1s', evaluation_interval: o.evaluationInterval ?? '1s' },
    ...(o.ruleFiles === undefined ? {} : { rule_files: [...o.ruleFiles] }),
    scrape_configs: [
      {
        job_name: o.job ?? 'tocsin',
        metrics_path: o.metricsPath ?? '/metrics',
        static_configs: [{ targets: [...o.targets] }],
      },
    ],
  };
}

export async function queryPrometheus(baseUrl: string, expr: string, time?: number): Promise<PromQueryResult> {
  const params = new URLSearchParams({ query: expr });
  if (time !== undefined) params.set('time', String(time));
  const res = await fetch(`${baseUrl}/api/v1/query?${params.toString()}`);
  return (await res.json()) as PromQueryResult;
}

export async function startPrometheus(o: PrometheusOptions): Promise<Prometheus> {
  const bin = requireBinary('prometheus');
  const d = await startDaemon(
    bin,
    (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    (dir) => writeFile(join(dir, 'prometheus.yml'), stringify(prometheusConfig(o))),
    'tocsin-prom-',
  );
  return {
    ...d,
    query: (expr) => queryPrometheus(d.url, expr),
    async waitForScrape(ms = 30_000) {
      const until = Date.now() + ms;
      const want = o.targets.length;
      for (;;) {
        const r = await queryPrometheus(d.url, `up{job="${o.job ?? 'tocsin'}"} == 1`);
        if (r.status === 'success' && Array.isArray(r.data.result) && r.data.result.length >= want) return;
        if (Date.now() > until) throw new Error(`Prometheus did not scrape ${o.targets.join(', ')} within ${ms} ms: ${JSON.stringify(r)}\n${d.output()}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    },
    async rules() {
      const res = await fetch(`${d.url}/api/v1/rules`);
      const body = (await res.json()) as { data: { groups: { name: string; rules: { name: string; type: string; health: string; query: string }[] }[] } };
      return body.data.groups;
    },
  };
}
