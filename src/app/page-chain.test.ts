import { describe, expect, it } from 'vitest';
import type { StoredNotification } from '../domain/escalation-ports.js';
import type { ChannelKind, NotificationStatus } from '../domain/incident.js';
import { chainPoint, notificationId, type ChainOf } from './page-chain.js';

const chain: ChainOf = { incidentId: 'inc', stepKey: 't0', person: 'li_qiang', route: ['voice', 'sms', 'email'], firstAttempt: 1, attempts: 3, open: new Set<ChannelKind>(['voice', 'sms', 'email']) };

function rec(channel: ChannelKind, attempt: number, status: NotificationStatus, extra: Record<string, unknown> = {}): StoredNotification {
  const id = notificationId('inc', 't0', 'li_qiang', channel, attempt);
  return { id, incidentId: 'inc', stepKey: 't0', tier: 0, role: 'shift_lead', person: 'li_qiang', channel, status, at: '2026-11-23T10:02:00.000Z', attempt, ...extra };
}

const byId = (...rs: StoredNotification[]) => new Map(rs.map((r) => [r.id, r]));

describe('chainPoint', () => {
  it('names the attempt after the last failed one when it is not on record (its process died in between)', () => {
    const refused = rec('voice', 1, 'failed', { failure: 'permanent' });
    expect(chainPoint(chain, byId(refused))).toEqual({ kind: 'next', channel: 'sms', attempt: 1, after: refused });
    const busy = rec('voice', 1, 'failed', { failure: 'temporary' });
    expect(chainPoint(chain, byId(busy))).toEqual({ kind: 'next', channel: 'voice', attempt: 2, after: busy });
    const third = rec('voice', 3, 'failed', { failure: 'temporary' });
    expect(chainPoint(chain, byId(busy, rec('voice', 2, 'failed', { failure: 'temporary' }), third))).toEqual({ kind: 'next', channel: 'sms', attempt: 1, after: third });
  });

  it('stops at an attempt waiting, one that reached the person, was cancelled or failed after it was sent', () => {
    const waiting = rec('sms', 1, 'planned', { deferredUntil: 1 });
    expect(chainPoint(chain, byId(rec('voice', 1, 'failed', { failure: 'permanent' }), waiting))).toEqual({ kind: 'waiting', record: waiting });
    for (const status of ['sent', 'delivered', 'logged', 'acknowledged', 'cancelled'] as const) expect(chainPoint(chain, byId(rec('voice', 1, status)))).toEqual({ kind: 'done' });
    expect(chainPoint(chain, byId(rec('voice', 1, 'failed', { deliveryFailure: 'no-answer' })))).toEqual({ kind: 'done' });
  });

  it('fails when every channel of the route failed, and makes no new attempt on a channel the person no longer has', () => {
    const all = [rec('voice', 1, 'failed', { failure: 'permanent' }), rec('sms', 1, 'failed', { failure: 'permanent' }), rec('email', 1, 'failed', { failure: 'permanent' })];
    expect(chainPoint(chain, byId(...all))).toEqual({ kind: 'failed' });
    const busy = rec('voice', 1, 'failed', { failure: 'temporary' });
    expect(chainPoint({ ...chain, route: ['voice', 'email'], open: new Set<ChannelKind>(['email']) }, byId(busy))).toEqual({ kind: 'next', channel: 'email', attempt: 1, after: busy });
    expect(chainPoint({ ...chain, route: ['voice'], open: new Set<ChannelKind>() }, byId(busy))).toEqual({ kind: 'failed' });
  });

  it('starts at the attempt the chain started at', () => {
    const fourth = rec('voice', 4, 'failed', { failure: 'temporary' });
    expect(chainPoint({ ...chain, firstAttempt: 4 }, byId(fourth))).toEqual({ kind: 'next', channel: 'voice', attempt: 5, after: fourth });
  });
});
