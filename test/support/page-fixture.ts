/** Builds Incident / Page values for channel tests. */
import type { Incident } from '../../src/domain/incident.js';
import type { Page, Recipient } from '../../src/domain/ports.js';

export function makeIncident(over: Partial<Incident> = {}): Incident {
  return {
    id: '01JDQ7Z3K9X2V5T8N4M6P0R1AB',
    class: 'power',
    level: 3,
    state: 'open',
    site: 'hq',
    summary: 'UPS ups1 on battery',
    openedAt: '2026-11-23T10:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    lastEventAt: '2026-11-23T10:00:00.000Z',
    eventCount: 1,
    tier: 0,
    drill: false,
    source: 'ups',
    groupKey: 'power:hq',
    labels: {},
    details: {},
    members: {},
    memberCount: 0,
    truncatedAlerts: 0,
    reopenCount: 0,
    notifications: [],
    timeline: [
      { at: '2026-11-23T10:00:00.000Z', type: 'opened', source: 'ups', level: 3 },
      { at: '2026-11-23T10:00:01.000Z', type: 'notified', person: 'omar_haddad', channel: 'voice', tier: 0 },
    ],
    ...over,
  };
}

export function makeRecipient(over: Partial<Recipient> = {}): Recipient {
  return { id: 'omar_haddad', name: 'Omar Haddad', phone: '+15555550103', email: 'omar.haddad@example.com', locale: 'en', timezone: 'Asia/Shanghai', ...over };
}

export function makePage(over: Partial<Page> & { incident?: Incident; recipient?: Recipient } = {}): Page {
  const incident = over.incident ?? makeIncident();
  return {
    notificationId: 'n-01JDQ7Z3K9-0-omar-voice-1',
    incident,
    recipient: makeRecipient(),
    role: 'it_ops',
    tier: 0,
    channel: 'sms',
    phase: 'page',
    code: '12',
    links: { ack: `https://tocsin.example.test/a/${incident.id}?t=tok-ack`, resolve: `https://tocsin.example.test/r/${incident.id}?t=tok-res` },
    ...over,
  };
}
