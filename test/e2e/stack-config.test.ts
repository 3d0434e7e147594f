/**
 * The docker-compose stack's files hang together (no Docker engine runs here, so the parts are
 * checked one by one): compose parses and names only files that exist; Alertmanager's config passes
 * the real amtool; the rules pass promtool and load into a real Prometheus, healthy, naming only
 * metrics tocsin exports.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longestAttemptMs } from '../../src/config/claim-timings.js';
import { parseDuration } from '../../src/config/durations.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { catalogueNames } from '../support/catalogue.js';
import { requireBinary, startPrometheus, type Prometheus } from '../support/peers.js';
import { freePort } from '../support/ports.js';
import { metricNamesIn } from '../support/promql.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const yamlOf = <T>(p: string) => parse(read(p)) as T;

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown> | string[];
  stop_grace_period?: string;
}
const compose = yamlOf<{ services: Record<string, Service>; volumes: Record<string, unknown> }>('docker-compose.yml');
const am = yamlOf<{ receivers: { name: string; webhook_configs?: { url: string; http_config?: { authorization?: { type: string; credentials: string } } }[] }[] }>('alertmanager/alertmanager.yml');
const prom = yamlOf<{ rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[]; alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } }>('prometheus/prometheus.yml');
const rules = yamlOf<{ groups: { name: string; rules: { alert: string; expr: string; labels: Record<string, string> }[] }[] }>('prometheus/rules/tocsin.rules.yml');

describe('docker-compose.yml', () => {
  it('has the six services of the stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'grafana', 'mailpit', 'prometheus', 'redis', 'tocsin']);
  });

  it('runs Redis append-only on a volume', () => {
    const r = compose.services.redis!;
    expect(r.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(r.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('builds tocsin from the Dockerfile (node 20, npm ci, build, node dist/main.js) and wires Redis and mailpit', () => {
    const t = compose.services.tocsin!;
    expect(t.build?.dockerfile).toBe('Dockerfile');
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main\.js"\]/);
    for (const src of [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '))) expect(existsSync(join(ROOT, src)), `Dockerfile copies ${src}`).toBe(true);
    expect(t.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(t.environment?.SMTP_URL).toMatch(/^smtp:\/\/mailpit:1025$/);
    expect(t.ports).toContain('8080:8080');
  });

  it('gives tocsin time to finish its sends on stop: its engine workers\' stop, then a page\'s longest attempt of its own', () => {
    const { daemon } = loadConfig(join(ROOT, 'config'));
    const attempt = longestAttemptMs(daemon.redis, Math.max(daemon.channels.twilio.timeout + daemon.channels.twilio.lookupTimeout, daemon.channels.email.sendTimeout));
    const grace = parseDuration(compose.services.tocsin!.stop_grace_period ?? '10s') ?? 0;
    expect(grace).toBeGreaterThan(daemon.escalation.workerStop + attempt);
  });

  it('mounts only files and folders that exist', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) expect(existsSync(join(ROOT, src)), `${name} mounts ${src}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name} uses volume ${src}`).toContain(src);
      }
    }
  });

  it('points Prometheus at tocsin and its rules, and Alertmanager at tocsin with the ingest token', () => {
    expect(compose.services.prometheus!.volumes).toEqual(expect.arrayContaining(['./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './prometheus/rules:/etc/prometheus/rules:ro']));
    expect(prom.scrape_configs.find((s) => s.job_name === 'tocsin')?.static_configs[0]?.targets).toEqual(['tocsin:8080']);
    expect(prom.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(prom.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
    const hook = am.receivers.find((r) => r.name === 'tocsin')?.webhook_configs?.[0];
    expect(hook?.url).toBe('http://tocsin:8080/webhooks/alertmanager');
    expect(hook?.http_config?.authorization).toEqual({ type: 'Bearer', credentials: compose.services.tocsin!.environment?.TOCSIN_INGEST_TOKEN });
  });

  it('provisions Grafana with the Prometheus data source and the dashboards folder', () => {
    const g = compose.services.grafana!;
    expect(g.volumes).toEqual(expect.arrayContaining(['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    const ds = yamlOf<{ datasources: { type: string; url: string }[] }>('grafana/provisioning/datasources/prometheus.yaml');
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const dash = yamlOf<{ providers: { type: string; options: { path: string } }[] }>('grafana/provisioning/dashboards/tocsin.yaml');
    expect(dash.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    expect(g.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe('/var/lib/grafana/dashboards/escalations.json');
  });
});

/** The README's YAML blocks whose first line is `# <marker>`, written to a temp file each. */
const snippetDirs: string[] = [];
afterAll(() => {
  for (const d of snippetDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function readmeBlocks(marker: string): string[] {
  const blocks = [...read('README.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const found = blocks.filter((b) => b.startsWith(`# ${marker}`));
  expect(found.length, `README blocks starting "# ${marker}"`).toBeGreaterThan(0);
  return found.map((b) => {
    const dir = mkdtempSync(join(tmpdir(), 'tocsin-readme-'));
    snippetDirs.push(dir);
    const path = join(dir, 'snippet.yml');
    writeFileSync(path, b.replaceAll('<TOCSIN_INGEST_TOKEN>', 'secret'));
    return path;
  });
}

describe("the README's snippets", () => {
  it('its alertmanager.yml passes amtool, and its Prometheus rule file passes promtool', async () => {
    const amtool = requireBinary('amtool');
    const promtool = requireBinary('promtool');
    for (const f of readmeBlocks('alertmanager.yml (0.25')) await expect(run(amtool, ['check-config', f])).resolves.toMatchObject({ stdout: expect.stringContaining('SUCCESS') });
    for (const f of readmeBlocks('a Prometheus rule file')) await expect(run(promtool, ['check', 'rules', f])).resolves.toMatchObject({ stdout: expect.stringContaining('SUCCESS') });
  });
});

describe('alertmanager/alertmanager.yml', () => {
  it('passes the real amtool check-config', async () => {
    const amtool = requireBinary('amtool');
    const { stdout } = await run(amtool, ['check-config', join(ROOT, 'alertmanager/alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
  });
});

describe('prometheus/ config and rules', () => {
  let server: Prometheus;

  beforeAll(async () => {
    server = await startPrometheus({ targets: [`127.0.0.1:${await freePort()}`], ruleFiles: [join(ROOT, 'prometheus/rules/tocsin.rules.yml')], evaluationInterval: '1s' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('pass promtool', async () => {
    const promtool = requireBinary('promtool');
    await expect(run(promtool, ['check', 'rules', join(ROOT, 'prometheus/rules/tocsin.rules.yml')])).resolves.toMatchObject({ stdout: expect.stringContaining('SUCCESS') });
    await expect(run(promtool, ['check', 'config', '--syntax-only', join(ROOT, 'prometheus/prometheus.yml')])).resolves.toMatchObject({ stdout: expect.stringContaining('SUCCESS') });
  });

  it('cover tocsin down, escalations overdue, a channel failing and engine workers exiting, labelled component="tocsin"', () => {
    const own = rules.groups.filter((g) => g.name === 'tocsin').flatMap((g) => g.rules);
    expect(own.map((r) => r.alert)).toEqual(expect.arrayContaining(['TocsinDown', 'TocsinEscalationsOverdue', 'TocsinChannelFailing', 'TocsinEngineWorkerExits']));
    expect(own.find((r) => r.alert === 'TocsinEngineWorkerExits')?.expr).toContain('tocsin_engine_worker_exits_total');
    for (const r of own) expect(r.labels).toMatchObject({ component: 'tocsin', severity: expect.stringMatching(/^(critical|warning)$/) });
  });

  it('ship an always-firing Watchdog that the heartbeats config expects', () => {
    const watchdog = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'Watchdog');
    expect(watchdog?.expr).toBe('vector(1)');
  });

  it('name only metrics tocsin exports (and up)', async () => {
    const known = await catalogueNames(createMetrics());
    known.add('up');
    const unknown = rules.groups.flatMap((g) => g.rules).flatMap((r) => metricNamesIn(r.expr).filter((n) => !known.has(n)).map((n) => `${r.alert}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('load into a real Prometheus and evaluate healthy; TocsinDown goes pending when tocsin cannot be scraped', async () => {
    let groups: Awaited<ReturnType<Prometheus['rules']>> = [];
    const until = Date.now() + 20_000;
    const ready = () => groups.length > 0 && groups.every((g) => g.rules.every((r) => r.health === 'ok'));
    while (Date.now() < until && !ready()) {
      await new Promise((r) => setTimeout(r, 500));
      groups = await server.rules();
    }
    expect(groups.flatMap((g) => g.rules.map((r) => `${r.name}:${r.health}`)).sort()).toEqual(rules.groups.flatMap((g) => g.rules.map((r) => `${r.alert}:ok`)).sort());
    // Nothing listens on the target, so up == 0 and the rule is pending (it fires after `for: 1m`).
    let down: { state?: string } | undefined;
    for (let i = 0; i < 40 && down?.state !== 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      down = (await server.rules()).flatMap((g) => g.rules as { name: string; state?: string }[]).find((r) => r.name === 'TocsinDown');
    }
    expect(down?.state).toBe('pending');
  });
});
