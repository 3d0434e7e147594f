/**
 * Every query in every Grafana dashboard against a real Prometheus scraping the real tocsin after
 * some traffic (Alertmanager, UPS and ACD webhooks, pages through a Twilio-compatible server and an
 * SMTP server, one Twilio failure, an acknowledgement and a resolution, a role with nobody on duty):
 * each is valid PromQL, names only metrics tocsin exports, and returns data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RosterConfig } from '../../src/config/schema.js';
import { nextHandover } from '../../src/domain/roster.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { catalogueNames } from '../support/catalogue.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { startPrometheus, type Prometheus } from '../support/peers.js';
import { dashboardExprs, metricNamesIn, substituteVariables } from '../support/promql.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { shippedConfigWith, startLiveApp, type LiveApp } from './live-app.js';

const DIR = join(import.meta.dirname, '..', '..', 'grafana', 'dashboards');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const dashboards = FILES.map((f) => ({ file: f, json: JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown> }));
const exprs = dashboards.flatMap((d) => dashboardExprs(d.json).map((e) => ({ ...e, file: d.file, query: substituteVariables(e.expr) })));

const SID = `AC${'2'.repeat(32)}`;

type Panel = { title?: string; targets?: { expr?: string; legendFormat?: string }[]; fieldConfig?: { defaults?: { unit?: string }; overrides?: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[] }; panels?: Panel[] };
/** The panel of that title in that dashboard (rows' nested panels included). */
function panelOf(file: string, title: string): Panel {
  const all: Panel[] = [];
  const walk = (ps: Panel[] | undefined) => ps?.forEach((p) => (all.push(p), walk(p.panels)));
  walk(dashboards.find((d) => d.file === file)?.json.panels as Panel[]);
  const found = all.filter((p) => p.title === title);
  expect(found, `${file} "${title}"`).toHaveLength(1);
  return found[0]!;
}
const oneLine = (s: string) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
const shippedRules = parse(readFileSync(join(import.meta.dirname, '..', '..', 'prometheus', 'rules', 'tocsin.rules.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
const ruleExpr = (alert: string) => shippedRules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert)?.expr ?? '';
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The roster with the vendor desk on duty only on a day that is not today: a coverage gap now. */
function rosterWithGap(roster: RosterConfig): RosterConfig {
  const today = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', weekday: 'short' }).format(new Date()).toLowerCase();
  const other = WEEKDAYS[(WEEKDAYS.indexOf(today as (typeof WEEKDAYS)[number]) + 3) % 7]!;
  const vendor = roster.schedules.vendor!;
  return { ...roster, schedules: { ...roster.schedules, vendor: { ...vendor, shifts: vendor.shifts.map((s) => ({ ...s, days: [other] })) } } };
}

describe('PromQL reading helpers', () => {
  it('finds metric names and skips functions, labels, keywords and durations', () => {
    expect(metricNamesIn('histogram_quantile(0.9, sum by (le, channel) (rate(tocsin_x_bucket{a=~"b|c"}[5m])))')).toEqual(['tocsin_x_bucket']);
    expect(metricNamesIn('sum(a) / on (site) group_left (queue) b offset 5m or vector(0)').sort()).toEqual(['a', 'b']);
    expect(metricNamesIn('time() - max by (source) (tocsin_source_last_seen_timestamp_seconds)')).toEqual(['tocsin_source_last_seen_timestamp_seconds']);
    expect(metricNamesIn('{__name__=~"tocsin_a|tocsin_b"}').sort()).toEqual(['tocsin_a', 'tocsin_b']);
    expect(substituteVariables('rate(x{c=~"$class"}[$__rate_interval]) ${site}')).toBe('rate(x{c=~".*"}[1m]) .*');
  });
});

describe('Grafana dashboards', () => {
  it('are the three of issue 5, with fixed uids and a ${datasource} Prometheus variable used by every panel', () => {
    expect(FILES).toEqual(['escalations.json', 'intake.json', 'power-acd.json']);
    expect(dashboards.map((d) => d.json.uid)).toEqual(['tocsin-escalations', 'tocsin-intake', 'tocsin-power-acd']);
    for (const { json } of dashboards) {
      const vars = (json.templating as { list: { name: string; type: string; query: unknown }[] }).list;
      expect(vars.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
      const panels = (json.panels as { type: string; datasource?: { uid?: string } }[]).filter((p) => p.type !== 'row');
      expect(panels.length).toBeGreaterThan(5);
      for (const p of panels) expect(p.datasource?.uid).toBe('${datasource}');
    }
  });

  it('"Failed share by channel" is the ratio TocsinChannelFailing alerts on (failed or undelivered, of every attempt sent or failed)', () => {
    const ratio = oneLine(ruleExpr('TocsinChannelFailing')).replace(/\s*>\s*[\d.]+$/, '').replaceAll('[10m]', '[$__rate_interval]');
    expect(ratio).toContain('result=~"failed|undelivered"');
    expect(ratio).toContain('result=~"sent|failed"');
    expect(panelOf('escalations.json', 'Failed share by channel').targets?.map((t) => oneLine(t.expr ?? ''))).toEqual([ratio]);
  });

  it('"Overdue escalations and lateness" shows the overdue count without the seconds unit', () => {
    const p = panelOf('escalations.json', 'Overdue escalations and lateness');
    expect(p.fieldConfig?.defaults?.unit).toBe('s');
    const count = p.targets?.find((t) => t.expr?.includes('tocsin_escalations_overdue'))?.legendFormat ?? '';
    const units = (p.fieldConfig?.overrides ?? []).filter((o) => ['byName', 'byRegexp'].includes(o.matcher.id) && (o.matcher.id === 'byName' ? o.matcher.options === count : new RegExp(`^(?:${o.matcher.options})$`).test(count)));
    expect(units.flatMap((o) => o.properties)).toContainEqual({ id: 'unit', value: 'none' });
  });

  it('gauges every replica sets alike (from Redis) are taken with max() over replicas, never summed', () => {
    const shared = /\b(tocsin_incidents_open|tocsin_oncall_people|tocsin_oncall_coverage_gaps|tocsin_ups_\w+|tocsin_acd_\w+)\b/g;
    const wrong: string[] = [];
    const check = (where: string, expr: string) => {
      for (const m of expr.matchAll(shared)) if (!/max(\s+by\s*\([^)]*\))?\s*\(\s*$/.test(expr.slice(0, m.index))) wrong.push(`${where}: ${m[1]} in ${expr}`);
    };
    for (const e of exprs) check(`${e.file} "${e.panel}"`, e.expr);
    for (const r of shippedRules.groups.flatMap((g) => g.rules)) check(r.alert, r.expr);
    expect(wrong).toEqual([]);
  });

  it('"Time to acknowledge" and "Time to resolve" take rare events over a day, not $__rate_interval (NaN nearly always)', () => {
    for (const title of ['Time to acknowledge', 'Time to resolve']) {
      const targets = panelOf('escalations.json', title).targets ?? [];
      expect(targets.length).toBeGreaterThan(1);
      for (const t of targets) {
        expect(t.expr).not.toContain('$__rate_interval');
        expect([...(t.expr ?? '').matchAll(/\[([^\]]+)\]/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['1d']));
      }
    }
  });

  it('"Surge tier per site and queue" keeps each queue apart, as the README says', () => {
    const [t] = panelOf('power-acd.json', 'Surge tier per site and queue').targets ?? [];
    expect(t?.expr).toMatch(/^max by \(site, queue\) \(tocsin_acd_surge_tier\{/);
    expect(t?.legendFormat).toBe('{{site}}/{{queue}}');
  });

  it('event rates read in events per second, not requests (a request carries many events)', () => {
    for (const title of ['Events per source', 'Events by outcome']) expect(panelOf('intake.json', title).fieldConfig?.defaults?.unit).toBe('suffix: events/s');
  });

  it('acknowledgements, resolutions and their times leave drills out (drill!="true": also right before the label exists)', () => {
    const real = /\b(tocsin_(?:incidents_opened_total|incidents_acknowledged_total|incidents_resolved_total|time_to_acknowledge_seconds\w*|time_to_resolve_seconds\w*))(\{[^}]*\})?/g;
    const wrong: string[] = [];
    let seen = 0;
    for (const e of exprs) {
      for (const m of e.expr.matchAll(real)) {
        seen++;
        if (!/\bdrill\s*(!=\s*"true"|=\s*"false")/.test(m[2] ?? '')) wrong.push(`${e.file} "${e.panel}": ${m[0]}`);
      }
    }
    expect(seen).toBeGreaterThanOrEqual(8);
    expect(wrong).toEqual([]);
  });

  it('every query names only metrics from the catalogue (tocsin_ prefixed)', async () => {
    const known = await catalogueNames(createMetrics());
    expect(exprs.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const e of exprs) {
      const names = metricNamesIn(e.query);
      if (names.length === 0) problems.push(`${e.file} "${e.panel}": selects no metric: ${e.expr}`);
      for (const n of names) if (!known.has(n)) problems.push(`${e.file} "${e.panel}": unknown metric ${n} in ${e.expr}`);
    }
    expect(problems).toEqual([]);
  });

  it('every metric tocsin exports is on a dashboard (a metric nobody sees watches nothing)', async () => {
    // tocsin's own metrics; Node's process and runtime metrics (tocsin_process_*, tocsin_nodejs_*) are there for whoever wants them
    const ours = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('tocsin_') && !/^tocsin_(process|nodejs)_/.test(n));
    expect(ours.length).toBeGreaterThan(30);
    const shown = new Set(exprs.flatMap((e) => metricNamesIn(e.query)));
    // a histogram is queried by its series (_bucket, _sum, _count)
    const unseen = ours.filter((n) => ![n, `${n}_bucket`, `${n}_sum`, `${n}_count`].some((s) => shown.has(s)));
    expect(unseen).toEqual([]);
  });
});

describe('dashboard queries against a real Prometheus scraping the real tocsin', () => {
  const twilio = new FakeTwilio({ accountSid: SID, authToken: 'dash-token' });
  const smtp = new SmtpSink();
  let app: LiveApp;
  let prom: Prometheus;

  const post = async (path: string, body: unknown) => {
    const res = await app.request('POST', path, body);
    return res;
  };
  const am = (alerts: { labels: Record<string, string>; summary: string }[], extra: Record<string, unknown> = {}) => ({
    version: '4',
    status: 'firing',
    receiver: 'tocsin',
    alerts: alerts.map((a) => ({ status: 'firing', labels: a.labels, annotations: { summary: a.summary }, startsAt: new Date(Date.now() - 60_000).toISOString() })),
    ...extra,
  });

  async function traffic(): Promise<void> {
    // the first SMS is refused by "Twilio" with 21211 (invalid number): a failed page and a Twilio error
    twilio.failNext(1, { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    const first = am(
      [
        { labels: { alertname: 'UpsOnBattery', site: 'hq', severity: 'critical' }, summary: 'UPS ups1 on battery' },
        { labels: { alertname: 'CrmUnreachable', site: 'hq', service: 'crm', severity: 'warning' }, summary: 'CRM unreachable' },
        { labels: { alertname: 'Watchdog', severity: 'none' }, summary: 'always firing' },
      ],
      { truncatedAlerts: 1 },
    );
    expect((await post('/webhooks/alertmanager', first)).status).toBe(200);
    expect((await post('/webhooks/alertmanager', first)).body.results.map((r: any) => r.result)).toEqual(['duplicate', 'duplicate']);
    expect((await post('/webhooks/alertmanager', { version: '3' })).status).toBe(422);
    expect((await post('/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': 55, 'battery.runtime': 1200, 'input.voltage': 0 } })).status).toBe(200);
    const acd = { site: 'hq', queue: 'main', metrics: { calls_waiting: 40, longest_wait_seconds: 300, agents_logged_in: 20, agents_available: 0, calls_offered: 600, calls_abandoned: 80, service_level: 0.45, interval_seconds: 900 } };
    expect((await post('/webhooks/acd', acd)).status).toBe(200);
    const hvac = await post('/api/incidents', { class: 'hvac', site: 'hq', summary: 'hall B air-conditioning down' });
    expect(hvac.status).toBe(201);
    await app.container.engine.idle();
    expect((await post(`/api/incidents/${hvac.body.id}/ack`, { by: 'lin_wei' })).status).toBe(200);
    expect((await post(`/api/incidents/${hvac.body.id}/resolve`, { by: 'lin_wei' })).status).toBe(200);
    await app.container.handover.tick(Date.now());
    // and a shift handover's notices (by SMS through the fake Twilio), as 14 minutes before a coming
    // one: one more than an hour away, whose notices the tick above cannot have sent already (within
    // 15 minutes of a handover it sends that one's)
    const next = nextHandover(app.container.config.roster, 'shift_lead', Date.now() + 60 * 60_000);
    expect(next).toBeDefined();
    expect(await app.container.handover.tick((next?.at ?? 0) - 14 * 60_000)).toBeGreaterThan(0);
    await app.container.handover.tick(Date.now()); // the on-call gauges as of now again
    await app.container.engine.audit(Date.now());
    await app.container.engine.idle();
  }

  beforeAll(async () => {
    await twilio.start();
    await smtp.start();
    app = await startLiveApp({
      env: { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'dash-token', TWILIO_FROM: '+15005550001', TWILIO_API_URL: twilio.url, SMTP_URL: smtp.url },
      config: shippedConfigWith((c) => ({ roster: rosterWithGap(c.roster) })),
    });
    await traffic();
    // the surge tier gauge is refreshed (coalesced) after the traffic's events
    const m = app.container.metrics;
    for (let i = 0; i < 50 && (await m.acdSurgeTier.get()).values.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    prom = await startPrometheus({ targets: [app.address], scrapeInterval: '1s' });
    await prom.waitForScrape();
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    await app?.stop();
    await smtp.stop();
    await twilio.stop();
  });

  it('the traffic paged through the real channels, with one Twilio failure', async () => {
    expect(twilio.messages().length + twilio.calls().length).toBeGreaterThan(1);
    const m = app.container.metrics;
    expect((await m.twilioErrors.get()).values).toEqual([expect.objectContaining({ labels: { code: '21211' }, value: 1 })]);
    expect((await m.notifications.get()).values.some((v) => v.labels.result === 'failed' && v.value >= 1)).toBe(true);
    expect((await m.acdSurgeTier.get()).values).toEqual([expect.objectContaining({ labels: { site: 'hq', queue: 'main' } })]);
    // open incidents by class, level and state, as the Escalations dashboard shows them
    // (the gauge follows the store a moment after each change)
    const open = await app.until('the open-incident gauge settled', async () => {
      const now = (await m.incidentsOpen.get()).values.map((v) => `${v.labels.class}/${v.labels.level}/${v.labels.state}=${v.value}`).sort();
      return now.some((x) => x.startsWith('hvac/')) ? undefined : now; // acknowledged, then resolved
    });
    expect(open).toEqual(expect.arrayContaining(['power/4/open=1', 'inbound_surge/3/open=1']));
  });

  it('every query is valid PromQL (Prometheus answers status success)', async () => {
    const problems: string[] = [];
    for (const e of exprs) {
      const r = await prom.query(e.query);
      if (r.status !== 'success') problems.push(`${e.file} "${e.panel}": ${r.error} in ${e.query}`);
    }
    expect(problems).toEqual([]);
  });

  it('every query returns data from the real daemon after the traffic', async () => {
    // rate()/increase() need two samples: let a few scrapes pass, with more traffic in between.
    await new Promise((r) => setTimeout(r, 3_000));
    await post('/webhooks/alertmanager', am([{ labels: { alertname: 'FileServerDown', site: 'hq' }, summary: 'file server down' }]));
    await post('/webhooks/ups', { device: 'ups1', site: 'hq', vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': 54 } });
    await app.container.engine.idle();
    await new Promise((r) => setTimeout(r, 2_000));
    const empty: string[] = [];
    for (const e of exprs) {
      const r = await prom.query(e.query);
      if (r.status !== 'success' || !Array.isArray(r.data.result) || r.data.result.length === 0) empty.push(`${e.file} "${e.panel}": ${e.query}`);
    }
    expect(empty, 'queries without data').toEqual([]);
  });
});
