import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { criticality } from './critical-request.js';

const config = loadConfig('config');
const classLevels = Object.fromEntries(Object.entries(config.playbooks.classes).map(([k, c]) => [k, c.level]));
const isCritical = criticality({ limits: config.daemon.rateLimits, sources: config.sources, classLevels });
const am = (...labels: Record<string, unknown>[]) => ({ version: '4', status: 'firing', alerts: labels.map((l) => ({ status: 'firing', labels: l })) });

describe('criticality', () => {
  it('Alertmanager: severity=critical, a critical class by label or by the rules, anywhere in the body', () => {
    expect(isCritical('/webhooks/alertmanager', 'POST', am({ alertname: 'CrmSlow', severity: 'critical' }))).toBe(true);
    expect(isCritical('/webhooks/alertmanager', 'POST', am({ alertname: 'X', class: 'security' }))).toBe(true);
    expect(isCritical('/webhooks/alertmanager', 'POST', am({ alertname: 'UpsOnBattery' }))).toBe(true);
    expect(isCritical('/webhooks/alertmanager', 'POST', am({ alertname: 'CrmSlow' }, { alertname: 'SmokeDetected' }))).toBe(true);
    expect(isCritical('/webhooks/alertmanager', 'POST', am({ alertname: 'CrmSlow', severity: 'warning' }, { alertname: 'DiskFull' }))).toBe(false);
    expect(isCritical('/webhooks/alertmanager', 'POST', am({ alertname: 'X', class: 'hvac' }))).toBe(false);
  });

  it('malformed bodies are never critical', () => {
    for (const b of [null, 'x', 42, [], {}, { alerts: 'no' }, { alerts: [null, 1, { labels: 'x' }, { labels: { severity: 7 } }] }]) {
      expect(isCritical('/webhooks/alertmanager', 'POST', b)).toBe(false);
      expect(isCritical('/webhooks/ups', 'POST', b)).toBe(false);
      expect(isCritical('/api/incidents', 'POST', b)).toBe(false);
    }
  });

  it('UPS: on battery, low battery or forced shutdown, by status or by notification', () => {
    expect(isCritical('/webhooks/ups', 'POST', { device: 'u', vars: { 'ups.status': 'OB DISCHRG' } })).toBe(true);
    expect(isCritical('/webhooks/ups', 'POST', { device: 'u', vars: { 'ups.status': 'ol lb' } })).toBe(true);
    expect(isCritical('/webhooks/ups', 'POST', { device: 'u', event: 'lowbatt' })).toBe(true);
    expect(isCritical('/webhooks/ups', 'POST', { device: 'u', event: 'ONLINE' })).toBe(true);
    expect(isCritical('/webhooks/ups', 'POST', { device: 'u', vars: { 'ups.status': 'OL CHRG' } })).toBe(false);
    expect(isCritical('/webhooks/ups', 'POST', { device: 'u', event: 'REPLBATT' })).toBe(false);
  });

  it('API: reports of a critical class or level, and every acknowledgement and resolution', () => {
    expect(isCritical('/api/incidents', 'POST', { class: 'security', site: 'hq', summary: 'fire' })).toBe(true);
    expect(isCritical('/api/incidents', 'POST', { class: 'power', site: 'hq', summary: 'mains' })).toBe(true);
    expect(isCritical('/api/incidents', 'POST', { class: 'hvac', site: 'hq', summary: 'warm', level: 4 })).toBe(true);
    expect(isCritical('/api/incidents', 'POST', { class: 'hvac', site: 'hq', summary: 'warm' })).toBe(false);
    expect(isCritical('/api/incidents/01ABC/ack', 'POST', {})).toBe(true);
    expect(isCritical('/api/incidents/01ABC/resolve', 'POST', {})).toBe(true);
    expect(isCritical('/api/incidents', 'GET', undefined)).toBe(false);
    expect(isCritical('/api/maintenance', 'POST', { class: 'security' })).toBe(false);
  });

  it('ACD telemetry has no critical shortcut', () => {
    expect(isCritical('/webhooks/acd', 'POST', { site: 'hq', metrics: { calls_waiting: 500 } })).toBe(false);
  });
});
