import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { StoredNotification } from '../domain/escalation-ports.js';
import type { Incident } from '../domain/incident.js';
import type { IncidentStore } from '../domain/ports.js';
import type { PendingPage, ThrottleStore } from '../domain/throttle-ports.js';
import { createMetrics } from '../telemetry/metrics.js';
import { HastenHeldPages } from './hasten-held-pages.js';
import { ThrottlePages, throttleLimits } from './throttle-pages.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const LEASE = 30_000;

/** One person's voice queue and one incident's records, in memory; `takenBy` empties the queue first (a carrier won). */
function memory(record: Record<string, unknown>, sent: number[]) {
  const waiting = new Map<string, boolean>([[String(record['id']), false]]);
  const records = new Map<string, Record<string, unknown>>([[String(record['id']), { ...record }]]);
  const store = {
    waiting,
    records,
    history: async () => ({ version: '1', waiting: false, sent: sent.map((at) => ({ at, channel: 'voice' as const })) }),
    withdraw: async (_p: string, _c: string, page: PendingPage) => waiting.delete(page.notificationId),
    release: async (_p: string, _c: string, pages: readonly PendingPage[]) => {
      for (const p of pages) waiting.set(p.notificationId, p.critical === true);
    },
    notification: async (_i: string, id: string) => records.get(id) as StoredNotification | undefined,
    fold: async (_i: string, id: string, patch: Record<string, unknown>, owner: string) => {
      const r = records.get(id);
      if (!r || r['status'] !== 'planned' || (owner !== '' && r['claimedBy'] !== owner)) return false;
      records.set(id, { ...r, ...patch });
      return true;
    },
  };
  return store as typeof store & ThrottleStore;
}

function setup(level: number, sent: number[], heldUntil = T0 + 15 * MIN) {
  const limits = throttleLimits(loadConfig('config').daemon.throttle);
  const record = { id: 'n1', incidentId: 'inc', person: 'omar_haddad', role: 'it_ops', channel: 'voice', tier: 0, phase: 'page', status: 'planned', deferredUntil: heldUntil, throttle: 'bundled', limit: 'per_15m', claimedBy: 'engine-a', claimedAtMs: heldUntil - LEASE };
  const store = memory(record, sent);
  const notes: Record<string, unknown>[] = [];
  const incidents = { note: async (_id: string, e: Record<string, unknown>) => void notes.push(e) } as unknown as IncidentStore;
  const phases = new Set(['page', 'escalation', 'level_raised', 'update']);
  const stores = { live: store, drill: store };
  const logger = pino({ level: 'silent' });
  const throttle = new ThrottlePages({ limits, phases, gathered: new Set(), stores, leaseMs: LEASE, suppression: { check: async () => ({ kind: 'none' }) }, metrics: createMetrics({ defaultMetrics: false }), logger });
  const hasten = new HastenHeldPages({ limits, phases, throttle, logger });
  const incident = (records: Map<string, Record<string, unknown>>) => ({ id: 'inc', class: 'network_infosys', level, notifications: [...records.values()] }) as unknown as Incident;
  return { store, notes, incidents, hasten, incident };
}

describe('HastenHeldPages', () => {
  it('leaves a page held for a count alone while its incident is below the prompt level', async () => {
    const s = setup(2, [T0, T0 + 2 * MIN, T0 + 4 * MIN]);
    expect(await s.hasten.run(s.incident(s.store.records), s.incidents, T0 + 5 * MIN)).toBeNull();
    expect(s.store.records.get('n1')).toMatchObject({ deferredUntil: T0 + 15 * MIN });
  });

  it('at the prompt level: waits for the bundle window after the last call, and is back on the queue for its new time', async () => {
    const s = setup(3, [T0, T0 + 2 * MIN, T0 + 4 * MIN]);
    const now = T0 + 5 * MIN;
    expect(await s.hasten.run(s.incident(s.store.records), s.incidents, now)).toBe(T0 + 6 * MIN);
    expect(s.store.records.get('n1')).toMatchObject({ deferredUntil: T0 + 6 * MIN, throttle: 'bundled', limit: 'min_gap', claimedAtMs: T0 + 6 * MIN - LEASE, claimedBy: 'engine-a' });
    expect(s.store.waiting.get('n1')).toBe(false);
    expect(s.notes).toEqual([expect.objectContaining({ type: 'notification_deferred', hastened: true, level: 3, until: new Date(T0 + 6 * MIN).toISOString() })]);
    // looked at again: nothing more to bring forward
    expect(await s.hasten.run(s.incident(s.store.records), s.incidents, now + 1_000)).toBeNull();
  });

  it('at the critical level: waits out the minimum gap as a critical page, on the critical queue', async () => {
    const s = setup(4, [T0, T0 + 2 * MIN, T0 + 4 * MIN + 30_000]);
    expect(await s.hasten.run(s.incident(s.store.records), s.incidents, T0 + 5 * MIN)).toBe(T0 + 6 * MIN + 30_000);
    expect(s.store.records.get('n1')).toMatchObject({ throttle: 'delayed', limit: 'min_gap' });
    expect(s.store.waiting.get('n1')).toBe(true);
  });

  it('a page a carrier already took off the queue is left to that carrier', async () => {
    const s = setup(3, [T0, T0 + 2 * MIN, T0 + 4 * MIN]);
    s.store.waiting.delete('n1');
    expect(await s.hasten.run(s.incident(s.store.records), s.incidents, T0 + 5 * MIN)).toBeNull();
    expect(s.store.records.get('n1')).toMatchObject({ deferredUntil: T0 + 15 * MIN, claimedAtMs: T0 + 15 * MIN - LEASE });
    expect(s.store.waiting.has('n1')).toBe(false);
  });

  it('a page another replica claimed meanwhile is left to it, and not put back where a later message would carry it again', async () => {
    const s = setup(3, [T0, T0 + 2 * MIN, T0 + 4 * MIN]);
    const inc = s.incident(s.store.records);
    s.store.records.set('n1', { ...s.store.records.get('n1'), claimedBy: 'engine-b', claimedAtMs: T0 + 5 * MIN });
    expect(await s.hasten.run(inc, s.incidents, T0 + 5 * MIN)).toBeNull();
    expect(s.store.records.get('n1')).toMatchObject({ deferredUntil: T0 + 15 * MIN, claimedBy: 'engine-b' });
    expect(s.store.waiting.has('n1')).toBe(false);
    expect(s.notes).toEqual([]);
  });
});
