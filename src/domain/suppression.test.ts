import { describe, expect, it } from 'vitest';
import { activeWindowFor, criticalClassesHeld, findInhibitor, inScope, type IncidentFacts, type InhibitRule, type MaintenanceWindow } from './suppression.js';

const inc = (over: Partial<IncidentFacts> = {}): IncidentFacts => ({
  id: 'A',
  class: 'app_network_acd',
  site: 'hq',
  labels: {},
  state: 'open',
  openedAt: '2026-11-23T10:00:00.000Z',
  ...over,
});
const win = (over: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id: 'w1',
  name: 'CRM upgrade',
  from: '2026-11-23T09:00:00Z',
  until: '2026-11-23T12:00:00Z',
  source: 'api',
  ...over,
});
const now = Date.parse('2026-11-23T10:30:00Z');

describe('maintenance scope', () => {
  it('matches every field given: sites, classes, exact labels', () => {
    expect(inScope({}, inc())).toBe(true);
    expect(inScope({ sites: ['hq'] }, inc())).toBe(true);
    expect(inScope({ sites: ['branch'] }, inc())).toBe(false);
    expect(inScope({ sites: ['hq'], classes: ['power'] }, inc())).toBe(false);
    expect(inScope({ classes: ['app_network_acd'], labels: { service: 'crm' } }, inc({ labels: { service: 'crm', x: '1' } }))).toBe(true);
    expect(inScope({ labels: { service: 'crm' } }, inc({ labels: { service: 'crm2' } }))).toBe(false);
    expect(inScope({ labels: { service: 'crm' } }, inc())).toBe(false);
  });

  it('holds only while the window runs: from inclusive, until exclusive', () => {
    expect(activeWindowFor([win()], inc(), now, false)?.id).toBe('w1');
    expect(activeWindowFor([win()], inc(), Date.parse('2026-11-23T09:00:00Z'), false)?.id).toBe('w1');
    expect(activeWindowFor([win()], inc(), Date.parse('2026-11-23T12:00:00Z'), false)).toBeUndefined();
    expect(activeWindowFor([win()], inc(), Date.parse('2026-11-23T08:59:59Z'), false)).toBeUndefined();
    expect(activeWindowFor([win({ sites: ['branch'] })], inc(), now, false)).toBeUndefined();
  });

  it('holds back a critical incident only when the window names its class; its level or class makes it critical', () => {
    const site = win({ sites: ['hq'] });
    const fire = inc({ class: 'security' });
    expect(activeWindowFor([site], fire, now, true)).toBeUndefined();
    expect(activeWindowFor([win({ all: true })], fire, now, true)).toBeUndefined();
    expect(activeWindowFor([win({ labels: { service: 'crm' } })], inc({ class: 'security', labels: { service: 'crm' } }), now, true)).toBeUndefined();
    expect(activeWindowFor([win({ sites: ['hq'], classes: ['security'] })], fire, now, true)?.id).toBe('w1');
    // an outage that climbed to the critical level: only a window naming its class holds it
    expect(activeWindowFor([site], inc(), now, true)).toBeUndefined();
    expect(activeWindowFor([site, win({ id: 'w2', classes: ['app_network_acd'], until: '2026-11-23T11:00:00Z' })], inc(), now, true)?.id).toBe('w2');
    // below it, the site's window holds it as before (and ends last)
    expect(activeWindowFor([site, win({ id: 'w2', classes: ['app_network_acd'], until: '2026-11-23T11:00:00Z' })], inc(), now, false)?.id).toBe('w1');
    expect(criticalClassesHeld(site)).toEqual([]);
    expect(criticalClassesHeld(win({ classes: ['security', 'hvac'] }))).toEqual(['security', 'hvac']);
  });

  it('of several windows in scope, picks the one ending last', () => {
    const w = activeWindowFor([win(), win({ id: 'w2', until: '2026-11-23T14:00:00Z' }), win({ id: 'w3', until: '2026-11-23T18:00:00Z', sites: ['branch'] })], inc(), now, false);
    expect(w?.id).toBe('w2');
  });
});

describe('inhibition', () => {
  const rules: InhibitRule[] = [{ name: 'power_outage', source: { class: 'power' }, target: { classes: ['app_network_acd', 'network_infosys'] }, equal: ['site'] }];
  const power = inc({ id: 'P', class: 'power', openedAt: '2026-11-23T09:58:00.000Z' });

  it('an open power incident at the site inhibits app_network_acd there, linked to it', () => {
    expect(findInhibitor(rules, inc(), [power, inc()])).toEqual({ by: 'P', rule: 'power_outage' });
    expect(findInhibitor(rules, inc({ class: 'network_infosys' }), [power])).toEqual({ by: 'P', rule: 'power_outage' });
    expect(findInhibitor(rules, inc(), [{ ...power, state: 'acknowledged' }])?.by).toBe('P');
  });

  it('does not inhibit across sites, other classes, or after the power incident resolved', () => {
    expect(findInhibitor(rules, inc({ site: 'branch' }), [power])).toBeUndefined();
    expect(findInhibitor(rules, inc({ class: 'hvac' }), [power])).toBeUndefined();
    expect(findInhibitor(rules, inc(), [{ ...power, state: 'resolved' }])).toBeUndefined();
    expect(findInhibitor(rules, inc(), [])).toBeUndefined();
  });

  it('links to the earliest open source as the root cause, and never to the incident itself', () => {
    const later = { ...power, id: 'P2', openedAt: '2026-11-23T09:59:00.000Z' };
    expect(findInhibitor(rules, inc(), [later, power])?.by).toBe('P');
    const both: InhibitRule[] = [{ source: { class: 'power' }, target: { class: 'power' }, equal: ['site'] }];
    expect(findInhibitor(both, power, [power])).toBeUndefined();
    expect(findInhibitor(both, power, [power, later])).toEqual({ by: 'P2', rule: 'inhibit.0' });
  });

  it('compares labels named in equal (missing on both sides counts as equal)', () => {
    const r: InhibitRule[] = [{ source: { class: 'power', labels: { kind: 'mains' } }, target: { class: 'app_network_acd' }, equal: ['site', 'building'] }];
    const src = { ...power, labels: { kind: 'mains', building: 'B' } };
    expect(findInhibitor(r, inc({ labels: { building: 'B' } }), [src])?.by).toBe('P');
    expect(findInhibitor(r, inc({ labels: { building: 'C' } }), [src])).toBeUndefined();
    expect(findInhibitor(r, inc(), [{ ...power, labels: { kind: 'mains' } }])?.by).toBe('P');
    expect(findInhibitor(r, inc(), [{ ...power, labels: { kind: 'line' } }])).toBeUndefined();
  });

  it('a label value "" matches an incident without that label: the shipped rule leaves a silent monitor alone', () => {
    const shipped: InhibitRule[] = [{ name: 'power_outage', source: { class: 'power' }, target: { classes: ['app_network_acd', 'network_infosys'], labels: { heartbeat: '' } }, equal: ['site'] }];
    expect(findInhibitor(shipped, inc({ class: 'network_infosys' }), [power])?.by).toBe('P');
    expect(findInhibitor(shipped, inc({ class: 'network_infosys', labels: { heartbeat: 'ups', key: 'hq/ups1' } }), [power])).toBeUndefined();
    expect(inScope({ labels: { service: '' } }, inc())).toBe(true);
    expect(inScope({ labels: { service: '' } }, inc({ labels: { service: 'crm' } }))).toBe(false);
  });
});
