/**
 * An incident of many members through the real app: its JSON lists at most `incidents.membersShown`
 * of them and says how many there are; GET /api/incidents/:id/members pages through every one.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startTestApp, type TestApp } from '../support/app.js';

const firing = JSON.parse(readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json', 'utf8')) as { alerts: Record<string, any>[] };
const SHOWN = 5;
const UPSES = 40;

let app: TestApp;
beforeEach(async () => {
  const config = loadConfig('config');
  app = await startTestApp({ config: { ...config, daemon: { ...config.daemon, incidents: { ...config.daemon.incidents, membersShown: SHOWN } } } });
});
afterEach(async () => {
  await app.stop();
});

/** One power outage at dc1: `n` UPSes on battery, one alert each, as Alertmanager groups them. */
function outage(n: number) {
  const model = firing.alerts[0]!;
  const alerts = Array.from({ length: n }, (_, i) => ({
    ...model,
    labels: { ...model.labels, ups: `ups${i}` },
    annotations: { ...model.annotations, summary: `UPS ups${i} on battery` },
    fingerprint: `f${String(i).padStart(15, '0')}`,
  }));
  return { ...firing, alerts };
}

describe('an incident of many members', () => {
  it('lists as many members as configured with their details, counts them all, and pages through every one', async () => {
    const posted = await app.request('POST', '/webhooks/alertmanager', outage(UPSES));
    expect(posted.status).toBe(200);
    const id = posted.body.results[0].incident as string;
    expect(new Set(posted.body.results.map((r: any) => r.incident))).toEqual(new Set([id]));

    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc.memberCount).toBe(UPSES);
    expect(Object.keys(inc.members)).toHaveLength(SHOWN);
    for (const m of Object.values<any>(inc.members)) expect(m).toMatchObject({ status: 'firing', source: 'alertmanager', details: { alertname: 'UpsOnBattery' } });
    // the list shows the same bounded incident
    const listed = (await app.request('GET', '/api/incidents?state=open')).body.incidents[0];
    expect(listed).toMatchObject({ id, memberCount: UPSES });
    expect(Object.keys(listed.members)).toHaveLength(SHOWN);

    const seen = new Map<string, any>();
    let cursor: string | null = '0';
    let pages = 0;
    while (cursor !== null) {
      const page: { status: number; body: any } = await app.request('GET', `/api/incidents/${id}/members?cursor=${cursor}&count=7`);
      expect(page.status).toBe(200);
      expect(page.body.memberCount).toBe(UPSES);
      for (const [name, m] of Object.entries<any>(page.body.members)) seen.set(name, m);
      cursor = page.body.cursor;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect([...seen.keys()].sort()).toEqual(Array.from({ length: UPSES }, (_, i) => `am:f${String(i).padStart(15, '0')}`).sort());
    for (const [name, m] of seen) expect(m).toMatchObject({ status: 'firing', details: { fingerprint: name.slice(3), annotations: { summary: expect.stringMatching(/^UPS ups\d+ on battery$/) } } });
  });

  it('lists every member when there are no more than configured', async () => {
    const posted = await app.request('POST', '/webhooks/alertmanager', outage(SHOWN));
    const inc = (await app.request('GET', `/api/incidents/${posted.body.results[0].incident}`)).body;
    expect(inc.memberCount).toBe(SHOWN);
    expect(Object.keys(inc.members)).toHaveLength(SHOWN);
    const page = (await app.request('GET', `/api/incidents/${inc.id}/members`)).body;
    expect(page.cursor).toBeNull();
    expect(page.members).toEqual(inc.members);
  });

  it('answers 422 naming the cursor for one Redis would refuse (above 2^64 - 1), never a 500; the largest it takes is a page', async () => {
    const posted = await app.request('POST', '/webhooks/alertmanager', outage(3));
    const id = posted.body.results[0].incident as string;
    const over = ['99999999999999999999', '18446744073709551616', '-1', 'abc', '123456789012345678901'];
    for (const cursor of over) {
      const bad = await app.request('GET', `/api/incidents/${id}/members?cursor=${cursor}`);
      expect(bad.status, cursor).toBe(422);
      expect(bad.body.error.code, cursor).toBe('TOCSIN_ERR_INPUT_INVALID');
      expect(bad.body.error.details.problems, cursor).toEqual([expect.stringMatching(/^cursor: a cursor from the previous page, or 0/)]);
    }
    const largest = await app.request('GET', `/api/incidents/${id}/members?cursor=18446744073709551615`);
    expect(largest.status).toBe(200);
    expect(largest.body.memberCount).toBe(3);
  });

  it('answers 404 for an incident that does not exist and 422 for a bad cursor or count', async () => {
    const missing = await app.request('GET', '/api/incidents/01JDQ7Z3K9X2V5T8N4M6P0R1AB/members');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('TOCSIN_ERR_INCIDENT_NOT_FOUND');
    for (const q of ['cursor=abc', 'count=0', 'count=5000', 'extra=1']) {
      const bad = await app.request('GET', `/api/incidents/01JDQ7Z3K9X2V5T8N4M6P0R1AB/members?${q}`);
      expect(bad.status, q).toBe(422);
      expect(bad.body.error.code, q).toBe('TOCSIN_ERR_INPUT_INVALID');
    }
  });
});
