/** The incident record (JSON and Markdown) and drills (CLI → daemon → drill namespace → drill record), real Redis and HTTP. */
import { afterEach, describe, expect, it } from 'vitest';
import { runDrill, EX_DATAERR, EX_UNAVAILABLE, EX_USAGE } from '../../src/cli/drill.js';
import { startTestApp, type TestApp } from '../support/app.js';

const MIN = 60_000;

function sink() {
  let text = '';
  return { write: (s: string) => (text += s), get text() { return text; } };
}

describe('incident report', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.stop();
  });

  it('GET /api/incidents/:id/report gives the record as JSON: paged people, who acknowledged, times to acknowledge and resolve', async () => {
    app = await startTestApp();
    const opened = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'agents cannot log in' });
    const id = opened.body.id as string;
    await app.container.engine.idle();
    app.clock.advance(4 * MIN);
    expect((await app.request('POST', `/api/incidents/${id}/ack`, { by: 'lin_wei' })).status).toBe(200);
    app.clock.advance(11 * MIN);
    expect((await app.request('POST', `/api/incidents/${id}/resolve`, { by: 'lin_wei' })).status).toBe(200);
    await app.container.engine.idle();

    const incident = (await app.request('GET', `/api/incidents/${id}`)).body;
    const r = await app.request('GET', `/api/incidents/${id}/report`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.body.incident).toMatchObject({ id, class: 'app_network_acd', className: 'Application, network or ACD outage', site: 'hq', state: 'resolved', eventCount: 1 });
    expect(r.body.drill).toBe(false);
    expect(r.body.acknowledged).toEqual({ by: 'lin_wei', name: 'Lin Wei', at: '2026-11-23T10:04:00.000Z' });
    expect(r.body.resolved).toMatchObject({ by: 'lin_wei', at: '2026-11-23T10:15:00.000Z' });
    expect(r.body.timeToAcknowledgeSeconds).toBe(240);
    expect(r.body.timeToResolveSeconds).toBe(900);
    expect(r.body.tiers[0]).toMatchObject({ tier: 0, reachedAt: '2026-11-23T10:00:00.000Z' });
    expect(r.body.notifications).toHaveLength(incident.notifications.length);
    // Tier 0 pages the duty lead and IT ops on duty at 18:00 Shanghai time.
    expect(r.body.paged.map((p: any) => p.person).sort()).toEqual(['lin_wei', 'omar_haddad']); // it_ops turns weekly at 09:00 on Mondays: 23 November is Omar Haddad's week
    expect(r.body.timeline.map((e: any) => e.type)).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'resolved']));
  });

  it('?format=md and Accept: text/markdown give a Markdown report', async () => {
    app = await startTestApp();
    const id = (await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'fire alarm, hall B', details: { kind: 'fire' } })).body.id as string;
    await app.container.engine.idle();
    app.clock.advance(90_000);
    await app.request('POST', `/api/incidents/${id}/ack`, { by: 'li_qiang' });

    const md = await app.request('GET', `/api/incidents/${id}/report?format=md`);
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toContain('text/markdown');
    const text = md.body as string;
    expect(text.split('\n')[0]).toBe('# Incident report: fire alarm, hall B');
    expect(text).toContain('| Site | hq |');
    expect(text).toContain('| Time to acknowledge | 1m 30s |');
    expect(text).toContain('## Notifications');
    expect(text).toContain('## Timeline');
    expect(text).toMatch(/\*\*acknowledged\*\*/);

    const byAccept = await app.request('GET', `/api/incidents/${id}/report`, undefined, { accept: 'text/markdown' });
    expect(byAccept.headers.get('content-type')).toContain('text/markdown');
    expect((byAccept.body as string).split('\n')[0]).toBe('# Incident report: fire alarm, hall B');

    expect((await app.request('GET', '/api/incidents/nope/report')).status).toBe(404);
    expect((await app.request('GET', `/api/incidents/${id}/report?format=pdf`)).status).toBe(422);
  });
});

describe('drills', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.stop();
  });

  it('`tocsin drill app_network_acd --site hq` opens a drill in its own namespace and GET /api/drills keeps its record', async () => {
    app = await startTestApp();
    const out = sink();
    const err = sink();
    const code = await runDrill(['app_network_acd', '--site', 'hq'], { fetch, baseUrl: app.baseUrl, out, err, className: () => 'Application, network or ACD outage' });
    expect(err.text).toBe('');
    expect(code).toBe(0);
    const id = /drill incident (\S+) opened/.exec(out.text)?.[1] ?? '';
    expect(id.startsWith('drill-')).toBe(true);
    expect(out.text).toContain(`GET ${app.baseUrl}/api/incidents/${id}`);

    const drill = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(drill).toMatchObject({ drill: true, class: 'app_network_acd', site: 'hq', summary: 'DRILL: Application, network or ACD outage' });
    expect((await app.request('GET', '/api/incidents')).body.incidents).toEqual([]); // live incidents untouched

    await app.container.engine.idle();
    app.clock.advance(3 * MIN);
    await app.request('POST', `/api/incidents/${id}/ack`, { by: 'lin_wei' });

    const drills = await app.request('GET', '/api/drills');
    expect(drills.status).toBe(200);
    expect(drills.body.drills).toEqual([
      expect.objectContaining({
        id,
        at: '2026-11-23T10:00:00.000Z',
        scenario: 'app_network_acd',
        site: 'hq',
        acknowledged: { by: 'lin_wei', name: 'Lin Wei', at: '2026-11-23T10:03:00.000Z' },
        timeToAcknowledgeSeconds: 180,
      }),
    ]);
    expect(drills.body.drills[0].paged.map((p: any) => p.person).sort()).toEqual(['lin_wei', 'omar_haddad']); // it_ops turns weekly at 09:00 on Mondays: 23 November is Omar Haddad's week

    const report = await app.request('GET', `/api/incidents/${id}/report?format=md`);
    expect((report.body as string).startsWith('# Incident report: DRILL: Application, network or ACD outage')).toBe(true);
  });

  it('the drill command sends an idempotency key: a run whose answer was lost, run again with the --key it printed, opens no second drill', async () => {
    app = await startTestApp();
    // the daemon records the drill, but its answer never comes back (a timeout, a dropped connection)
    const lostAnswer: typeof fetch = async (...args) => {
      await fetch(...args);
      throw new Error('The operation was aborted due to timeout');
    };
    const err = sink();
    const lost = await runDrill(['media', '--site', 'hq'], { fetch: lostAnswer, baseUrl: app.baseUrl, out: sink(), err, newKey: () => 'drill-run-0001' });
    expect(lost).toBe(EX_UNAVAILABLE);
    expect(err.text).toContain('run again with --key drill-run-0001');
    const drills = async () => (await app.request('GET', '/api/incidents?drill=true')).body.incidents as any[];
    const [opened] = await drills();
    expect(opened).toBeDefined();

    const out = sink();
    const again = await runDrill(['media', '--site', 'hq', '--key', 'drill-run-0001'], { fetch, baseUrl: app.baseUrl, out, err: sink() });
    expect(again).toBe(0);
    // it says what the daemon answered: the earlier run's drill, nothing opened now
    expect(out.text.split('\n')[0]).toBe(`drill incident ${opened.id} was opened by an earlier run with key drill-run-0001 (duplicate): nothing opened, nobody paged again`);
    expect((await drills()).map((d) => d.id)).toEqual([opened.id]);

    // each run without --key is a drill of its own (media: an incident per report)
    const other = await runDrill(['media', '--site', 'hq'], { fetch, baseUrl: app.baseUrl, out: sink(), err: sink() });
    expect(other).toBe(0);
    expect(await drills()).toHaveLength(2);
    expect((await runDrill(['power', '--key', 'bad key'], { fetch, baseUrl: app.baseUrl, out: sink(), err: sink() }))).toBe(EX_USAGE);
  });

  it('the drill command reports usage errors, unknown classes, a missing token and an unreachable daemon', async () => {
    app = await startTestApp({ env: { TOCSIN_API_TOKEN: 'drill-secret' } });
    const run = async (args: string[], o: { token?: string; baseUrl?: string } = {}) => {
      const out = sink();
      const err = sink();
      const code = await runDrill(args, { fetch, baseUrl: o.baseUrl ?? app.baseUrl, token: o.token, out, err, timeoutMs: 5_000 });
      return { code, out: out.text, err: err.text };
    };
    expect((await run([])).code).toBe(EX_USAGE);
    expect((await run(['power', '--site'])).code).toBe(EX_USAGE);

    const noToken = await run(['power', '--site', 'hq']);
    expect(noToken.code).toBe(EX_DATAERR);
    expect(noToken.err).toContain('401');

    const unknown = await run(['earthquake'], { token: 'drill-secret' });
    expect(unknown.code).toBe(EX_DATAERR);
    expect(unknown.err).toContain('TOCSIN_ERR_CLASS_UNKNOWN');

    const ok = await run(['power', '--site=hq'], { token: 'drill-secret' });
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^drill incident drill-\S+ opened: power at hq\n/);
    // power is grouped per site: a second run while the first drill is open joins it, and says so
    const id = /^drill incident (\S+) opened/.exec(ok.out)?.[1] ?? '';
    const joined = await run(['power', '--site=hq'], { token: 'drill-secret' });
    expect(joined.code).toBe(0);
    expect(joined.out.split('\n')[0]).toBe(`drill incident ${id} was already open for power at hq (merged): this drill joined it, no second incident opened`);

    const down = await run(['power'], { baseUrl: 'http://127.0.0.1:1' });
    expect(down.code).toBe(EX_UNAVAILABLE);
    expect(down.err).toContain('cannot reach the daemon');
  });
});
