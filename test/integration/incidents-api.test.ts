/** /api/incidents: report by hand, list, get, acknowledge, resolve. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

describe('incidents API', () => {
  it('reports a fire by hand, lists it, acknowledges and resolves it, with who and when on the record', async () => {
    const created = await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'fire alarm, hall B', details: { kind: 'fire', hall: 'B' }, level: 4 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^[0-9A-Z]{26}$/);

    const open = await app.request('GET', '/api/incidents?state=open');
    expect(open.body.incidents.map((i: any) => i.id)).toEqual([id]);
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ class: 'security', site: 'hq', level: 4, state: 'open', summary: 'fire alarm, hall B', drill: false, eventCount: 1, labels: { kind: 'fire', hall: 'B' } });

    app.clock.advance(90_000);
    const acked = await app.request('POST', `/api/incidents/${id}/ack`, { by: 'grace_okafor' });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'grace_okafor' });
    expect(Date.parse(acked.body.acknowledgedAt) - Date.parse(acked.body.openedAt)).toBe(90_000);
    expect((await app.request('GET', '/api/incidents?state=acknowledged')).body.incidents).toHaveLength(1);
    expect((await app.request('GET', '/api/incidents?state=open')).body.incidents).toHaveLength(0);
    expect((await app.request('GET', '/api/incidents?state=unresolved')).body.incidents.map((i: any) => i.id)).toEqual([id]);

    const resolved = await app.request('POST', `/api/incidents/${id}/resolve`, { by: 'grace_okafor', note: 'false alarm: toaster' });
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: 'grace_okafor' });
    const states = resolved.body.timeline.filter((t: any) => ['opened', 'acknowledged', 'resolved'].includes(t.type));
    expect(states.map((t: any) => t.type)).toEqual(['opened', 'acknowledged', 'resolved']);
    expect(states[2]).toMatchObject({ via: 'api', note: 'false alarm: toaster' });
    expect((await app.request('GET', '/api/incidents?state=resolved')).body.incidents).toHaveLength(1);
    expect((await app.request('GET', '/api/incidents?state=unresolved')).body.incidents).toHaveLength(0);

    const late = await app.request('POST', `/api/incidents/${id}/ack`, { by: 'x' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('TOCSIN_ERR_INCIDENT_STATE');
  });

  it('the timeline reads in time order: opened, then each tier reached before the pages it sent', async () => {
    const created = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
    await app.container.engine.idle();
    app.clock.advance(5 * 60_000);
    await app.container.engine.tick(app.clock.now());
    const { timeline } = (await app.request('GET', `/api/incidents/${created.body.id}`)).body as { timeline: { at: string; type: string; tier?: number }[] };
    const story = timeline.filter((e) => ['opened', 'tier_reached', 'notified'].includes(e.type)).map((e) => (e.type === 'opened' ? 'opened' : `${e.type}:${e.tier}`));
    expect(story[0]).toBe('opened');
    for (const tier of [0, 1]) {
      const reached = story.indexOf(`tier_reached:${tier}`);
      expect(reached, `tier ${tier} reached`).toBeGreaterThan(0);
      expect(story.indexOf(`notified:${tier}`), `tier ${tier} paged after it was reached`).toBeGreaterThan(reached);
    }
    const times = timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('a broken percent-escape in a path, or a compressed body that does not decompress, is the client\'s fault: 400, not 500', async () => {
    for (const [method, path] of [
      ['GET', '/api/incidents/%ZZ'],
      ['POST', '/api/incidents/%ZZ/ack'],
      ['DELETE', '/api/maintenance/%E0%A4%A'],
    ] as const) {
      const r = await app.request(method, path, method === 'GET' ? undefined : { by: 'x' });
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe('TOCSIN_ERR_INPUT_MALFORMED');
    }
    for (const [path, encoding] of [
      ['/webhooks/ups', 'gzip'],
      ['/api/incidents', 'br'],
      ['/webhooks/alertmanager', 'deflate'],
    ] as const) {
      const r = await app.request('POST', path, '{"not":"compressed"}', { 'content-encoding': encoding });
      expect(r.status, `${path} ${encoding}`).toBe(400);
      expect(r.body.error.code).toBe('TOCSIN_ERR_INPUT_MALFORMED');
    }
  });

  it('details nested deeper than 32 levels are refused (422), not a stack overflow (500)', async () => {
    const deep = (n: number) => `{"class":"security","site":"hq","summary":"x","details":{"x":${'['.repeat(n)}${']'.repeat(n)}}}`;
    const r = await app.request('POST', '/api/incidents', deep(5000));
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('details: nests deeper than 32 levels');
    expect((await app.request('POST', '/api/incidents', deep(30))).status).toBe(201);
  });

  it('every human-reported class can be reported, each report its own incident', async () => {
    for (const c of ['complaint_escalation', 'urgent_work_order', 'abnormal_call', 'media', 'personal_accident']) {
      expect((await app.request('POST', '/api/incidents', { class: c, site: 'hq', summary: `${c} report` })).status).toBe(201);
    }
    await app.request('POST', '/api/incidents', { class: 'media', site: 'hq', summary: 'second media enquiry' });
    const list = (await app.request('GET', '/api/incidents')).body.incidents;
    expect(list).toHaveLength(6);
    expect(list.find((i: any) => i.class === 'personal_accident').level).toBe(2);
  });

  it('drill reports live in their own namespace and never appear among live incidents', async () => {
    const live = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'mains lost' });
    const drill = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'DRILL mains lost', drill: true });
    expect(drill.body.id).toMatch(/^drill-/);
    expect(drill.body.id).not.toBe(live.body.id);
    expect((await app.request('GET', '/api/incidents')).body.incidents.map((i: any) => i.id)).toEqual([live.body.id]);
    expect((await app.request('GET', '/api/incidents?drill=true')).body.incidents.map((i: any) => i.id)).toEqual([drill.body.id]);
    expect((await app.request('GET', `/api/incidents/${drill.body.id}`)).body.drill).toBe(true);
  });

  it('rejects unknown classes, unknown fields and bad values with a code and a message', async () => {
    const unknown = await app.request('POST', '/api/incidents', { class: 'alien_invasion', site: 'hq', summary: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'TOCSIN_ERR_CLASS_UNKNOWN' });
    expect(unknown.body.error.message).toMatch(/power/);
    const extra = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'x', colour: 'red' });
    expect(extra.status).toBe(422);
    expect(extra.body.error.message).toMatch(/colour/);
    const level = await app.request('POST', '/api/incidents', { class: 'power', site: 'hq', summary: 'x', level: 7 });
    expect(level.status).toBe(422);
    expect(level.body.error.message).toMatch(/level/);
    expect((await app.request('GET', '/api/incidents/01ABCDEFGHJKMNPQRSTVWXYZ00')).status).toBe(404);
    expect((await app.request('GET', '/api/incidents?state=sleeping')).status).toBe(422);
    expect((await app.request('POST', '/api/incidents/nope/ack', { by: 'x' })).status).toBe(404);
    expect((await app.request('POST', '/api/incidents/nope/ack', {})).status).toBe(422);
    expect((await app.request('GET', '/api/incidents')).body.incidents).toHaveLength(0);
  });
});
