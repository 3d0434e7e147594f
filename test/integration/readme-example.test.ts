/**
 * The README's first example, with the files it posts (`examples/alertmanager/`), through the real
 * app: the capture of two firing alerts opens one incident, sent again it is a duplicate, and its
 * resolution resolves both alerts and the incident.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const example = (name: string) => JSON.parse(readFileSync(`examples/alertmanager/${name}`, 'utf8')) as Record<string, any>;

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

const post = (body: unknown) => app.request('POST', '/webhooks/alertmanager', body);

describe('the README example (examples/alertmanager/)', () => {
  it('opens one power incident of two members, counts the same body again as duplicates, and its resolution resolves it', async () => {
    const first = await post(example('webhook-v4-firing-2alerts.json'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 2, truncatedAlerts: 0 });
    expect(first.body.results.map((r: any) => [r.fingerprint, r.result])).toEqual([
      ['7f5bef8d1e742f32', 'opened'],
      ['7f51ef8d1e6bdaad', 'merged'],
    ]);
    const id = first.body.results[0].incident as string;
    const open = (await app.request('GET', '/api/incidents?state=open')).body.incidents;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ id, class: 'power', level: 3, state: 'open', site: 'dc1', summary: 'UPS ups1 on battery', eventCount: 2, memberCount: 2 });

    const again = await post(example('webhook-v4-firing-2alerts.json'));
    expect(again.body.results.map((r: any) => r.result)).toEqual(['duplicate', 'duplicate']);
    expect((await app.request('GET', `/api/incidents/${id}`)).body.eventCount).toBe(4);

    const resolution = await post(example('webhook-v4-resolved.json'));
    expect(resolution.status).toBe(200);
    expect(resolution.body.results.map((r: any) => [r.fingerprint, r.result, r.incident])).toEqual([
      ['7f5bef8d1e742f32', 'merged', id],
      ['7f51ef8d1e6bdaad', 'resolved', id],
    ]);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'source:alertmanager', eventCount: 6 });
    expect(Object.values<any>(inc.members).map((m) => m.status)).toEqual(['resolved', 'resolved']);
    expect((await app.request('GET', '/api/incidents?state=open')).body.incidents).toEqual([]);
  });
});
