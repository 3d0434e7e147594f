/**
 * Telemetry whose site, queue or UPS name is a phone number written in a national format (no
 * country code: `138 0013 8000`, `020-7946-0958`, `(010) 6552 9988`, `06 12 34 56 78`) leaves it in
 * no log line and no metric label: masked and tagged as an E.164 number is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../support/log-capture.js';
import { startTestApp, type TestApp } from '../support/app.js';

/** The numbers sent, and the digits each ends with (the last two are kept by the mask). */
const NUMBERS = ['138 0013 8000', '020-7946-0958', '(010) 6552 9988', '06 12 34 56 78', '0755.8888.1234'];

/** Every written form of the numbers that must not appear: as sent, and their digits alone. */
const FORMS = NUMBERS.flatMap((n) => [n, n.replace(/\D/g, ''), n.replace(/\D/g, '').slice(-8)]);

let app: TestApp;
const capture = captureLogger('debug');

beforeAll(async () => {
  app = await startTestApp({ logger: capture.logger, env: { LOG_LEVEL: 'debug' } });
});
afterAll(async () => {
  await app?.stop();
});

async function metricsText(): Promise<string> {
  return fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
}

describe('phone numbers in national formats', () => {
  it('a report whose site is a national phone number leaves no such digits in the logs nor in /metrics', async () => {
    const acd = await app.request('POST', '/webhooks/acd', { site: '138 0013 8000', queue: '020-7946-0958', metrics: { calls_waiting: 45, longest_wait_seconds: 400 } });
    expect(acd.status).toBe(200);
    expect(acd.body.results.map((r: { result: string }) => r.result)).toContain('opened');
    const ups = await app.request('POST', '/webhooks/ups', { device: '(010) 6552 9988', site: '06 12 34 56 78', event: 'ONBATT', vars: { 'ups.status': 'OB DISCHRG', 'battery.charge': 55 } });
    expect(ups.status).toBe(200);
    // a report that changes nothing is logged with its device; a maintenance window with its sites
    const quiet = await app.request('POST', '/webhooks/ups', { device: '0755.8888.1234', site: 'hq', vars: {} });
    expect(quiet.status).toBe(200);
    const from = new Date(app.clock.now()).toISOString();
    const until = new Date(app.clock.now() + 3_600_000).toISOString();
    expect((await app.request('POST', '/api/maintenance', { name: 'line works', from, until, sites: ['020 7946 0958'] })).status).toBe(201);
    const report = await app.request('POST', '/api/incidents', { class: 'security', site: '0755.8888.1234', summary: 'fire alarm, hall B' });
    expect(report.status).toBe(201);
    await app.container.engine.tick(app.clock.now());
    await app.container.engine.idle();

    // the reports reached the gauges, under masked and tagged labels
    const end = Date.now() + 5_000;
    let text = await metricsText();
    while (!/^tocsin_acd_calls_waiting\{/m.test(text) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      text = await metricsText();
    }
    expect(text).toMatch(/^tocsin_acd_calls_waiting\{site="\*\*\*00~[a-p]{10}",queue="\*\*\*58~[a-p]{10}"\} 45$/m);
    expect(text).toMatch(/^tocsin_ups_battery_charge_ratio\{site="\*\*\*78~[a-p]{10}",device="\*\*\*88~[a-p]{10}"\} 0\.55$/m);
    const labels = text
      .split('\n')
      .filter((l) => !l.startsWith('#') && l.includes('{'))
      .map((l) => l.slice(l.indexOf('{'), l.lastIndexOf('}') + 1))
      .join('\n');
    for (const form of FORMS) expect(labels, form).not.toContain(form);

    // the logs did speak of these reports and their incidents, without the numbers
    const lines = capture.lines.map((l) => JSON.stringify(l));
    const said = (msg: string) => capture.lines.find((l) => l.msg === msg);
    expect(said('ups report changes nothing')).toMatchObject({ device: '***34' });
    expect(said('maintenance window created')).toMatchObject({ sites: ['***58'] });
    const leaks = lines.filter((l) => FORMS.some((form) => l.includes(form)));
    expect(leaks, leaks.slice(0, 5).join('\n')).toEqual([]);
  });
});
