/** Maintenance windows and inhibition through HTTP with real Redis: what the SuppressionPolicy says. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startTestApp, type TestApp } from '../support/app.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function open(app: TestApp, body: Record<string, unknown>) {
  const r = await app.request('POST', '/api/incidents', { summary: 'test', ...body });
  expect(r.status).toBe(201);
  const inc = await app.request('GET', `/api/incidents/${r.body.id}`);
  expect(inc.status).toBe(200);
  return inc.body;
}

describe('maintenance windows', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.stop();
  });

  it('pause escalations in scope until the window ends; events are still recorded', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const w = await app.request('POST', '/api/maintenance', { name: 'CRM upgrade', until: iso(now + 60 * MIN), sites: ['hq'], classes: ['app_network_acd'] });
    expect(w.status).toBe(201);

    const inside = await open(app, { class: 'app_network_acd', site: 'hq' });
    expect(inside.eventCount).toBe(1);
    expect(await app.container.suppression.check(inside, now)).toEqual({ kind: 'maintenance', window: w.body.id, until: now + 60 * MIN });

    const otherSite = await open(app, { class: 'app_network_acd', site: 'branch' });
    const otherClass = await open(app, { class: 'network_infosys', site: 'hq' });
    expect(await app.container.suppression.check(otherSite, now)).toEqual({ kind: 'none' });
    expect(await app.container.suppression.check(otherClass, now)).toEqual({ kind: 'none' });

    const listed = await app.request('GET', '/api/maintenance');
    expect(listed.body.windows).toEqual([
      expect.objectContaining({ id: w.body.id, name: 'CRM upgrade', from: iso(now), until: iso(now + 60 * MIN), sites: ['hq'], classes: ['app_network_acd'], source: 'api', active: true }),
    ]);

    app.clock.advance(60 * MIN);
    expect(await app.container.suppression.check(inside, app.clock.now())).toEqual({ kind: 'none' });
    expect((await app.request('GET', '/api/maintenance')).body.windows).toEqual([]);
  });

  it('scheduled ahead: not in force before it starts; scoped by labels; deletable', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const later = await app.request('POST', '/api/maintenance', { name: 'network work', from: iso(now + 30 * MIN), until: iso(now + 90 * MIN), labels: { service: 'crm' } });
    expect(later.status).toBe(201);
    const crm = await open(app, { class: 'app_network_acd', site: 'hq', labels: { service: 'crm' } });
    const acd = await open(app, { class: 'app_network_acd', site: 'branch', labels: { service: 'acd' } });
    expect(await app.container.suppression.check(crm, now)).toEqual({ kind: 'none' });
    expect((await app.request('GET', '/api/maintenance')).body.windows[0].active).toBe(false);

    app.clock.advance(30 * MIN);
    expect(await app.container.suppression.check(crm, app.clock.now())).toMatchObject({ kind: 'maintenance', window: later.body.id });
    expect(await app.container.suppression.check(acd, app.clock.now())).toEqual({ kind: 'none' });

    expect((await app.request('DELETE', `/api/maintenance/${later.body.id}`)).status).toBe(204);
    expect(await app.container.suppression.check(crm, app.clock.now())).toEqual({ kind: 'none' });
    expect((await app.request('GET', '/api/maintenance')).body.windows).toEqual([]);
    // sent again (a retry after a 503): ends nothing twice, and is no error
    expect((await app.request('DELETE', `/api/maintenance/${later.body.id}`)).status).toBe(204);
    expect((await app.request('DELETE', '/api/maintenance/no-such-window')).status).toBe(404);
  });

  it('always end, at most maxAhead away, and only name known classes', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const post = (b: unknown) => app.request('POST', '/api/maintenance', b);
    expect((await post({ name: 'forever', sites: ['hq'] })).status).toBe(422);
    const far = await post({ name: 'too long', until: iso(now + 8 * 24 * 60 * MIN), sites: ['hq'] });
    expect(far.status).toBe(422);
    expect(far.body.error.message).toContain('maxAhead');
    expect((await post({ name: 'past', until: iso(now - MIN) })).status).toBe(422);
    expect((await post({ name: 'x', until: iso(now + MIN), classes: ['no_such_class'] })).status).toBe(422);
    expect((await post({ name: 'x', until: iso(now + MIN), colour: 'red' })).status).toBe(422);
    expect((await app.request('GET', '/api/maintenance')).body.windows).toEqual([]);
  });

  it('must say what they cover: a scope, or "all" for every incident', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const post = (b: Record<string, unknown>) => app.request('POST', '/api/maintenance', { name: 'x', until: iso(now + 60 * MIN), ...b });
    for (const unscoped of [{}, { labels: {} }]) {
      const r = await post(unscoped);
      expect(r.status).toBe(422);
      expect(r.body.error.message).toContain('"all": true');
    }
    expect((await post({ all: true, sites: ['hq'] })).status).toBe(422);
    expect((await post({ all: false })).status).toBe(422);
    expect((await app.request('GET', '/api/maintenance')).body.windows).toEqual([]);

    const all = await post({ all: true });
    expect(all.status).toBe(201);
    expect(all.body.window).toMatchObject({ all: true });
    const hvac = await open(app, { class: 'hvac', site: 'branch' });
    expect(await app.container.suppression.check(hvac, now)).toMatchObject({ kind: 'maintenance', window: all.body.id });
  });

  it('ended early: the incidents it held are paged at once, not at its planned end', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const w = await app.request('POST', '/api/maintenance', { name: 'chiller swap', until: iso(now + 60 * MIN), sites: ['hq'], classes: ['hvac'] });
    const elsewhere = await app.request('POST', '/api/maintenance', { name: 'branch works', until: iso(now + 60 * MIN), sites: ['branch'] });
    const held = await open(app, { class: 'hvac', site: 'hq' });
    const stillHeld = await open(app, { class: 'hvac', site: 'branch' });
    await app.container.engine.idle();
    const before = (await app.request('GET', `/api/incidents/${held.id}`)).body;
    expect(before.timeline).toContainEqual(expect.objectContaining({ type: 'maintenance', window: w.body.id }));
    expect(before.notifications).toEqual([]);

    app.clock.advance(1_000);
    expect((await app.request('DELETE', `/api/maintenance/${w.body.id}`)).status).toBe(204);
    await app.container.engine.tick(app.clock.now());
    const after = (await app.request('GET', `/api/incidents/${held.id}`)).body;
    expect(after.notifications).toContainEqual(expect.objectContaining({ tier: 0, status: 'logged' }));
    // the other window still holds its incident
    expect((await app.request('GET', `/api/incidents/${stillHeld.id}`)).body.notifications).toEqual([]);
    expect(await app.container.suppression.check(stillHeld, app.clock.now())).toMatchObject({ kind: 'maintenance', window: elsewhere.body.id });
  });

  it('windows from daemon.yaml are listed and in force, but cannot be deleted through the API', async () => {
    const base = loadConfig('config');
    const config: Config = {
      ...base,
      daemon: { ...base.daemon, maintenance: [{ name: 'monthly power test', from: '2026-11-23T09:00:00Z', until: '2026-11-23T11:00:00Z', sites: ['hq'], classes: ['power'] }] },
    };
    app = await startTestApp({ config });
    const listed = await app.request('GET', '/api/maintenance');
    expect(listed.body.windows).toEqual([expect.objectContaining({ id: 'config-0', name: 'monthly power test', source: 'config', holdsCritical: ['power'], active: true })]);
    const power = await open(app, { class: 'power', site: 'hq' });
    expect(await app.container.suppression.check(power, app.clock.now())).toEqual({ kind: 'maintenance', window: 'config-0', until: Date.parse('2026-11-23T11:00:00Z') });
    const del = await app.request('DELETE', '/api/maintenance/config-0');
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('TOCSIN_ERR_CONFLICT');
  });
});

describe('maintenance windows and critical pages', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.stop();
  });

  const get = async (id: string) => (await app.request('GET', `/api/incidents/${id}`)).body;
  const paged = (inc: any) => (inc.notifications as any[]).filter((n) => n.status === 'logged').map((n) => `${n.role}/${n.person}/${n.channel}`);

  it('a window scoped to a site never silences a fire or a UPS on low battery there; it still holds the outage it was made for', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const w = await app.request('POST', '/api/maintenance', { name: 'CRM upgrade', until: iso(now + 180 * MIN), sites: ['hq'] });
    expect(w.status).toBe(201);
    expect(w.body.window).toMatchObject({ sites: ['hq'], holdsCritical: [] });

    const fire = await open(app, { class: 'security', site: 'hq', summary: 'fire in hall B', details: { kind: 'fire' } });
    const lowBattery = await app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'hq', event: 'LOWBATT', vars: { 'ups.status': 'OB DISCHRG LB', 'battery.charge': 15, 'battery.runtime': 200, 'input.voltage': 0 } });
    expect(lowBattery.status).toBe(200);
    const powerId = lowBattery.body.results.find((r: any) => r.member === 'ups:ups1').incident as string;
    const crm = await open(app, { class: 'app_network_acd', site: 'hq', summary: 'CRM down for the upgrade' });
    await app.container.engine.idle();

    const f = await get(fire.id);
    expect(paged(f)).toEqual(expect.arrayContaining([expect.stringMatching(/^supervisor\//), expect.stringMatching(/^center_manager\//)]));
    expect((f.timeline as any[]).some((e) => e.type === 'maintenance')).toBe(false);
    const p = await get(powerId);
    expect(p.level).toBe(5);
    expect(paged(p)).toEqual(expect.arrayContaining([expect.stringMatching(/^it_ops\//), expect.stringMatching(/^director\//)]));
    expect((p.timeline as any[]).some((e) => e.type === 'maintenance')).toBe(false);
    expect(await app.container.suppression.check(f, app.clock.now())).toEqual({ kind: 'none' });

    // the CRM outage at level 3 is what the window is for: held, on its timeline
    const c = await get(crm.id);
    expect(c.notifications).toEqual([]);
    expect(c.timeline).toContainEqual(expect.objectContaining({ type: 'maintenance', window: w.body.id }));
    expect((await app.request('GET', '/api/maintenance')).body.windows).toEqual([expect.objectContaining({ id: w.body.id, holdsCritical: [], active: true })]);
  });

  it('a window that names the class holds its critical pages (a fire-panel test), and lists it; ended, the fire pages at once', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const w = await app.request('POST', '/api/maintenance', { name: 'fire panel test', until: iso(now + 60 * MIN), sites: ['hq'], classes: ['security'] });
    expect(w.body.window.holdsCritical).toEqual(['security']);
    const fire = await open(app, { class: 'security', site: 'hq', details: { kind: 'fire' } });
    const elsewhere = await open(app, { class: 'security', site: 'branch', details: { kind: 'fire' } });
    await app.container.engine.idle();
    expect((await get(fire.id)).notifications).toEqual([]);
    expect((await get(fire.id)).timeline).toContainEqual(expect.objectContaining({ type: 'maintenance', window: w.body.id }));
    expect(paged(await get(elsewhere.id)).length).toBeGreaterThan(0);
    expect((await app.request('GET', '/api/maintenance')).body.windows).toEqual([expect.objectContaining({ id: w.body.id, classes: ['security'], holdsCritical: ['security'] })]);

    app.clock.advance(1_000);
    expect((await app.request('DELETE', `/api/maintenance/${w.body.id}`)).status).toBe(204);
    await app.container.engine.tick(app.clock.now());
    expect(paged(await get(fire.id))).toEqual(expect.arrayContaining([expect.stringMatching(/^supervisor\//), expect.stringMatching(/^center_manager\//)]));
  });

  it('an incident that climbs to the critical level during a window is no longer held: its held pages go at the climb; a window naming its class holds on', async () => {
    app = await startTestApp();
    const now = app.clock.now();
    const w = await app.request('POST', '/api/maintenance', { name: 'CRM upgrade', until: iso(now + 180 * MIN), sites: ['hq'] });
    const named = await app.request('POST', '/api/maintenance', { name: 'ACD migration', until: iso(now + 180 * MIN), sites: ['branch'], classes: ['app_network_acd'] });
    expect(named.body.window.holdsCritical).toEqual(['app_network_acd']);
    const hq = await open(app, { class: 'app_network_acd', site: 'hq' });
    const branch = await open(app, { class: 'app_network_acd', site: 'branch' });
    await app.container.engine.idle();
    for (let m = 1; m < 30; m++) await app.container.engine.tick(now + m * MIN);
    const before = await get(hq.id);
    expect(before.level).toBe(3);
    expect(before.notifications).toEqual([]);
    expect(before.timeline).toContainEqual(expect.objectContaining({ type: 'maintenance', window: w.body.id }));

    // 30 minutes of stoppage in business hours: level 4, critical; the window names no class
    app.clock.set(now + 30 * MIN);
    await app.container.engine.tick(now + 30 * MIN);
    await app.container.engine.idle();
    const after = await get(hq.id);
    expect(after.level).toBe(4);
    const at = iso(now + 30 * MIN);
    const sent = (after.notifications as any[]).filter((n) => n.status === 'logged');
    // the first tier held since the opening goes now, and the tiers due meanwhile with it
    expect(sent.filter((n) => n.tier === 0).map((n) => n.role).sort()).toEqual(expect.arrayContaining(['it_ops', 'shift_lead']));
    expect(sent.map((n) => n.role)).toEqual(expect.arrayContaining(['supervisor', 'ops_manager', 'center_manager', 'director']));
    expect(sent.every((n) => n.at === at)).toBe(true);
    expect(await app.container.suppression.check(after, now + 30 * MIN)).toEqual({ kind: 'none' });

    // the branch's window names the class: its outage, critical too, stays held until it ends
    const b = await get(branch.id);
    expect(b.level).toBe(4);
    expect(b.notifications).toEqual([]);
    expect(await app.container.suppression.check(b, now + 30 * MIN)).toMatchObject({ kind: 'maintenance', window: named.body.id });
  });
});

describe('inhibition', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.stop();
  });

  it('an open power incident at hq holds back pages of an app_network_acd incident at hq, linked to it', async () => {
    app = await startTestApp();
    const power = await open(app, { class: 'power', site: 'hq', summary: 'UPS on battery' });
    const acd = await open(app, { class: 'app_network_acd', site: 'hq', summary: 'agents cannot log in' });
    const infosys = await open(app, { class: 'network_infosys', site: 'hq' });
    const elsewhere = await open(app, { class: 'app_network_acd', site: 'branch' });
    const hvac = await open(app, { class: 'hvac', site: 'hq' });
    const now = app.clock.now();

    expect(await app.container.suppression.check(acd, now)).toEqual({ kind: 'inhibited', by: power.id, rule: 'power_outage_explains_outages' });
    expect(await app.container.suppression.check(infosys, now)).toEqual({ kind: 'inhibited', by: power.id, rule: 'power_outage_explains_outages' });
    expect(await app.container.suppression.check(elsewhere, now)).toEqual({ kind: 'none' });
    expect(await app.container.suppression.check(hvac, now)).toEqual({ kind: 'none' });
    expect(await app.container.suppression.check(power, now)).toEqual({ kind: 'none' });

    // acknowledged is still open: the power is still out
    expect((await app.request('POST', `/api/incidents/${power.id}/ack`, { by: 'li_qiang' })).status).toBe(200);
    app.clock.advance(1000);
    expect(await app.container.suppression.check(acd, app.clock.now())).toMatchObject({ kind: 'inhibited', by: power.id });

    // Same moment, right after the power came back: the resolution is seen at once.
    expect((await app.request('POST', `/api/incidents/${power.id}/resolve`, { by: 'li_qiang' })).status).toBe(200);
    expect(await app.container.suppression.check(acd, app.clock.now())).toEqual({ kind: 'none' });
  });

  it('a silent monitor at the site is not inhibited by the power outage: the UPS poller going quiet mid-outage still pages', async () => {
    app = await startTestApp();
    await open(app, { class: 'power', site: 'hq', summary: 'UPS on battery' });
    const poller = await open(app, { class: 'network_infosys', site: 'hq', summary: 'UPS poller for ups1 silent for 5m (hq)', labels: { heartbeat: 'ups', key: 'hq/ups1' } });
    expect(await app.container.suppression.check(poller, app.clock.now())).toEqual({ kind: 'none' });
    await app.container.engine.idle();
    const after = (await app.request('GET', `/api/incidents/${poller.id}`)).body;
    expect((after.notifications as any[]).length).toBeGreaterThan(0);
  });

  it('the inhibited incident records the root cause on its timeline', async () => {
    app = await startTestApp();
    const power = await open(app, { class: 'power', site: 'hq' });
    const acd = await open(app, { class: 'app_network_acd', site: 'hq' });
    await app.container.engine.idle();
    const after = await app.request('GET', `/api/incidents/${acd.id}`);
    expect(after.body.timeline).toContainEqual(expect.objectContaining({ type: 'inhibited', by: power.id, rule: 'power_outage_explains_outages' }));
    expect(after.body.notifications).toEqual([]);
  });

  it('counts an inhibited incident once in tocsin_notifications_suppressed_total, not at every look while it lasts', async () => {
    app = await startTestApp();
    await open(app, { class: 'power', site: 'hq' });
    await open(app, { class: 'app_network_acd', site: 'hq' });
    await app.container.engine.idle();
    for (let i = 1; i <= 5; i++) await app.container.engine.tick(app.clock.now() + i * MIN);
    await app.container.engine.idle();
    const text = String((await app.request('GET', '/metrics')).body);
    expect(text).toContain('tocsin_notifications_suppressed_total{reason="inhibited"} 1\n');
  });

  it('drills never see live incidents: a live power outage does not inhibit a drill', async () => {
    app = await startTestApp();
    await open(app, { class: 'power', site: 'hq' });
    const drill = await open(app, { class: 'app_network_acd', site: 'hq', drill: true });
    expect(drill.id.startsWith('drill-')).toBe(true);
    expect(await app.container.suppression.check(drill, app.clock.now())).toEqual({ kind: 'none' });
    const drillPower = await open(app, { class: 'power', site: 'hq', drill: true });
    expect(await app.container.suppression.check(drill, app.clock.now() + 1)).toEqual({ kind: 'inhibited', by: drillPower.id, rule: 'power_outage_explains_outages' });
  });
});
