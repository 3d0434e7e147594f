import { describe, expect, it } from 'vitest';
import type { Incident } from '../domain/incident.js';
import { buildIncidentReport, formatSeconds, renderReportMarkdown, type ReportContext } from './incident-report.js';

const ctx: ReportContext = {
  classes: { app_network_acd: { name: 'Application, network or ACD outage' } },
  roles: { shift_lead: { name: 'Duty team lead' }, supervisor: { name: 'Call-centre supervisor' } },
  people: { lin_wei: { name: 'Lin Wei' }, li_qiang: { name: 'Li Qiang' } },
};

const incident: Incident = {
  id: '01INC',
  class: 'app_network_acd',
  level: 3,
  state: 'resolved',
  site: 'hq',
  summary: 'CRM | ACD down',
  openedAt: '2026-11-23T10:00:00.000Z',
  acknowledgedAt: '2026-11-23T10:06:30.000Z',
  acknowledgedBy: 'li_qiang',
  resolvedAt: '2026-11-23T10:45:00.000Z',
  resolvedBy: 'api:ops',
  lastEventAt: '2026-11-23T10:01:00.000Z',
  eventCount: 3,
  tier: 1,
  drill: false,
  source: 'alertmanager',
  groupKey: 'app_network_acd:hq',
  labels: {},
  details: {},
  members: {},
  memberCount: 0,
  truncatedAlerts: 0,
  reopenCount: 0,
  notifications: [
    { id: 'n1', tier: 0, role: 'shift_lead', person: 'lin_wei', channel: 'sms', status: 'delivered', at: '2026-11-23T10:00:20.000Z', phase: 'page' },
    { id: 'n2', tier: 1, role: 'supervisor', person: 'li_qiang', channel: 'voice', status: 'acknowledged', at: '2026-11-23T10:06:30.000Z', phase: 'escalation' },
    { id: 'n3', tier: 1, role: 'supervisor', person: 'li_qiang', channel: 'sms', status: 'cancelled', at: '2026-11-23T10:06:31.000Z' },
  ],
  timeline: [
    { at: '2026-11-23T10:00:00.000Z', type: 'opened', source: 'alertmanager' },
    { at: '2026-11-23T10:00:01.000Z', type: 'tier_reached', tier: 0, roles: ['shift_lead'], people: ['lin_wei'] },
    { at: '2026-11-23T10:00:02.000Z', type: 'notified', person: 'lin_wei', role: 'shift_lead', channel: 'sms', tier: 0 },
    { at: '2026-11-23T10:05:00.000Z', type: 'tier_reached', tier: 1, roles: ['supervisor'], people: ['li_qiang'] },
    { at: '2026-11-23T10:05:01.000Z', type: 'notified', person: 'li_qiang', role: 'supervisor', channel: 'voice', tier: 1 },
    { at: '2026-11-23T10:06:30.000Z', type: 'acknowledged', by: 'li_qiang', via: 'voice' },
    { at: '2026-11-23T10:45:00.000Z', type: 'resolved', by: 'api:ops', via: 'api' },
  ],
};

describe('incident report', () => {
  const r = buildIncidentReport(incident, ctx, Date.parse('2026-11-24T09:00:00Z'));

  it('holds tiers reached with when, who was paged when and how, and the times to acknowledge and resolve', () => {
    expect(r.incident).toMatchObject({ id: '01INC', className: 'Application, network or ACD outage', level: 3, site: 'hq', eventCount: 3 });
    expect(r.tiers).toEqual([
      { tier: 0, reachedAt: '2026-11-23T10:00:01.000Z', roles: ['shift_lead'] },
      { tier: 1, reachedAt: '2026-11-23T10:05:00.000Z', roles: ['supervisor'] },
    ]);
    expect(r.paged).toEqual([
      { person: 'lin_wei', name: 'Lin Wei', roles: ['shift_lead'], firstPagedAt: '2026-11-23T10:00:02.000Z', channels: ['sms'] },
      { person: 'li_qiang', name: 'Li Qiang', roles: ['supervisor'], firstPagedAt: '2026-11-23T10:05:01.000Z', channels: ['voice'] },
    ]);
    expect(r.notifications).toHaveLength(3);
    expect(r.acknowledged).toEqual({ by: 'li_qiang', name: 'Li Qiang', at: '2026-11-23T10:06:30.000Z' });
    expect(r.resolved).toEqual({ by: 'api:ops', name: null, at: '2026-11-23T10:45:00.000Z' });
    expect(r.timeToAcknowledgeSeconds).toBe(390);
    expect(r.timeToResolveSeconds).toBe(2700);
    expect(r.drill).toBe(false);
    expect(r.generatedAt).toBe('2026-11-24T09:00:00.000Z');
  });

  it('an open incident without pages: tier 0 at opening, no times yet', () => {
    const open = buildIncidentReport({ ...incident, state: 'open', tier: 0, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, notifications: [], timeline: [] }, ctx, 0);
    expect(open.tiers).toEqual([{ tier: 0, reachedAt: '2026-11-23T10:00:00.000Z', roles: [] }]);
    expect(open.paged).toEqual([]);
    expect(open.timeToAcknowledgeSeconds).toBeNull();
    expect(open.acknowledged).toBeNull();
  });

  it('renders Markdown: title, facts table, tiers, notifications table, timeline', () => {
    const md = renderReportMarkdown(r);
    expect(md.split('\n')[0]).toBe('# Incident report: CRM | ACD down');
    expect(md).toContain('| Class | Application, network or ACD outage (app_network_acd) |');
    expect(md).toContain('| Acknowledged | 2026-11-23T10:06:30.000Z by Li Qiang (li_qiang) |');
    expect(md).toContain('| Time to acknowledge | 6m 30s |');
    expect(md).toContain('| Time to resolve | 45m 0s |');
    expect(md).toContain('| 1 | 2026-11-23T10:05:00.000Z | supervisor |');
    expect(md).toContain('| 2026-11-23T10:06:30.000Z | 1 | supervisor | Li Qiang (li_qiang) | voice | acknowledged |');
    expect(md).toContain('- 2026-11-23T10:45:00.000Z **resolved** — by=api:ops, via=api');
    expect(renderReportMarkdown({ ...r, drill: true }).startsWith('# DRILL: Incident report')).toBe(true);
    expect(renderReportMarkdown({ ...r, incident: { ...r.incident, summary: 'a | b' } })).toContain('# Incident report: a | b');
  });

  it('formats durations', () => {
    expect(formatSeconds(null)).toBe('—');
    expect(formatSeconds(42)).toBe('42s');
    expect(formatSeconds(3725)).toBe('1h 2m 5s');
  });
});
