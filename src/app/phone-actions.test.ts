import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { CodeRef } from '../domain/escalation-ports.js';
import type { Incident } from '../domain/incident.js';
import type { IncidentStore, Recipient } from '../domain/ports.js';
import { incidentIdOf, PhoneActions, rosterDirectory, type DeliveryUpdate } from './phone-actions.js';
import type { EscalateNowResult, FollowedNotification, NotificationPatch } from './escalation-engine-ports.js';
import type { TransitionRequest } from './transition-incident.js';
import { createMetrics } from '../telemetry/metrics.js';

const NID = 'INC1:t0:omar:voice:1';

function setup(initial: Partial<FollowedNotification> = {}, over: Partial<Incident> = {}, escalation: EscalateNowResult = { result: 'escalated', tier: 1 }) {
  let record: FollowedNotification = { id: NID, incidentId: 'INC1', stepKey: 't0', tier: 0, role: 'it_ops', person: 'omar', channel: 'voice', status: 'sent', at: '2026-11-23T10:00:00.000Z', attempt: 1, ...initial };
  const notes: { type: string; [k: string]: unknown }[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const kicks: string[] = [];
  const transitions: TransitionRequest[] = [];
  const incident = { id: 'INC1', class: 'app_network_acd', site: 'hq', summary: 'ACD down', state: 'open', drill: false, ...over } as Incident;
  const store = {
    get: async (id: string) => (id === 'INC1' ? incident : undefined),
    note: async (_id: string, e: { type: string }) => void notes.push(e),
  } as unknown as IncidentStore;
  const people: Record<string, Recipient> = { omar: { id: 'omar', name: 'Omar', phone: '+15555550103', locale: 'en', timezone: 'UTC' } };
  const actions = new PhoneActions({
    transition: {
      run: async (req) => {
        transitions.push(req);
        return { incident, changed: true };
      },
    },
    engine: {
      lookupCode: async (code): Promise<CodeRef | undefined> => (code === 'BDFG' ? { incidentId: 'INC1', notificationId: NID, person: 'omar' } : undefined),
      findNotification: async (_i, id) => (id === NID ? record : undefined),
      updateNotification: async (_i, _id, patch: NotificationPatch) => {
        record = { ...record, ...patch } as FollowedNotification;
        return true;
      },
      escalateNow: async () => escalation,
      kick: async (id) => void kicks.push(id),
    },
    stores: { live: store, drill: store },
    people: rosterDirectory({ omar: { phone: '+1 555-555-0103' } } as never, (id) => people[id]),
    defaultLocale: 'en',
    clock: { now: () => 0 },
    logger: pino({ level: 'silent' }),
    metrics,
  });
  const counted = async (result: string) => (await metrics.notifications.get()).values.filter((v) => v.labels.result === result).reduce((a, v) => a + v.value, 0);
  return { actions, record: () => record, notes, kicks, transitions, counted };
}

const call = (over: Partial<DeliveryUpdate>): DeliveryUpdate => ({ notificationId: NID, providerId: 'CA1', providerStatus: 'ringing', status: 'sent', final: false, ...over });

describe('PhoneActions.delivery', () => {
  it('follows the call to its end and never back: late in-between events are ignored', async () => {
    const t = setup();
    expect(await t.actions.delivery('voice', call({ providerStatus: 'no-answer', status: 'failed', final: true, sequence: 3, outcome: 'no_answer', failure: 'temporary' }))).toBe('recorded');
    expect(await t.actions.delivery('voice', call({ providerStatus: 'ringing', sequence: 1 }))).toBe('ignored');
    expect(t.record()).toMatchObject({ status: 'failed', deliveryFailure: 'no_answer', failure: 'temporary', settled: true, seq: 3 });
    expect(t.notes.map((n) => n.type)).toEqual(['delivery_failed']);
    expect(t.kicks).toEqual(['INC1']);
  });

  it("counts each notification's last word once: undelivered or delivered, not again when Twilio posts it again", async () => {
    const t = setup();
    await t.actions.delivery('voice', call({ providerStatus: 'no-answer', status: 'failed', final: true, sequence: 3, outcome: 'no_answer', failure: 'temporary' }));
    await t.actions.delivery('voice', call({ providerStatus: 'no-answer', status: 'failed', final: true, sequence: 3, outcome: 'no_answer', failure: 'temporary' }));
    expect(await t.counted('undelivered')).toBe(1);
    const ok = setup();
    await ok.actions.delivery('voice', call({ providerStatus: 'ringing', sequence: 1 }));
    await ok.actions.delivery('voice', call({ providerStatus: 'completed', status: 'delivered', final: true, sequence: 4, outcome: 'answered' }));
    await ok.actions.delivery('voice', call({ providerStatus: 'completed', status: 'delivered', final: true, sequence: 4, outcome: 'answered' }));
    expect(await ok.counted('delivered')).toBe(1);
    expect(await ok.counted('undelivered')).toBe(0);
  });

  it('an acknowledged notification stays acknowledged; a callback for another channel is unknown', async () => {
    const t = setup({ status: 'acknowledged' });
    expect(await t.actions.delivery('voice', call({ providerStatus: 'completed', status: 'delivered', final: true }))).toBe('ignored');
    expect(await t.actions.delivery('sms', call({ status: 'delivered', final: true }))).toBe('unknown');
    expect(t.record().status).toBe('acknowledged');
  });

  it('an answered call is delivered, not acknowledged, and wakes nobody', async () => {
    const t = setup();
    await t.actions.delivery('voice', call({ providerStatus: 'completed', status: 'delivered', final: true, answeredBy: 'human', outcome: 'answered' }));
    expect(t.record()).toMatchObject({ status: 'delivered', answeredBy: 'human' });
    expect(t.transitions).toEqual([]);
    expect(t.kicks).toEqual([]);
  });
});

describe('PhoneActions answers', () => {
  it('a reply from the roster number (any formatting) acknowledges as that person, via sms', async () => {
    const t = setup();
    expect(await t.actions.smsReply('+15555550103', { kind: 'command', code: 'bdfg', action: 'acknowledge' })).toMatchObject({ outcome: 'acknowledged', code: 'BDFG', site: 'hq' });
    expect(t.transitions).toEqual([{ id: 'INC1', action: 'acknowledge', by: 'omar', via: 'sms' }]);
    expect(t.record().status).toBe('acknowledged');
  });

  it('strangers and unknown codes change nothing', async () => {
    const t = setup();
    expect((await t.actions.smsReply('+4930123', { kind: 'command', code: 'BDFG', action: 'acknowledge' })).outcome).toBe('unknownCode');
    expect((await t.actions.smsReply('+15555550103', { kind: 'command', code: 'ZZZZ', action: 'resolve' })).outcome).toBe('unknownCode');
    expect((await t.actions.smsReply('+15555550103', { kind: 'unknown' })).outcome).toBe('notUnderstood');
    expect(t.transitions).toEqual([]);
  });

  it('keys: 4 acknowledges by voice, 5 escalates, unknown notification is not active', async () => {
    const t = setup();
    expect((await t.actions.keypress(NID, 'acknowledge')).reply).toBe('acknowledged');
    expect(t.transitions[0]).toMatchObject({ by: 'omar', via: 'voice' });
    expect((await t.actions.keypress(NID, 'escalate')).reply).toBe('escalated');
    expect((await t.actions.keypress('INC9:t0:x:voice:1', 'acknowledge')).reply).toBe('not_active');
  });

  it('key 5 says what the engine did: escalated, no further tier, or nothing to escalate', async () => {
    expect((await setup({}, {}, { result: 'top' }).actions.keypress(NID, 'escalate')).reply).toBe('no_further_tier');
    expect((await setup({}, {}, { result: 'not_active' }).actions.keypress(NID, 'escalate')).reply).toBe('not_active');
    const t = setup({}, {}, { result: 'top' });
    await t.actions.keypress(NID, 'escalate');
    expect(t.record().status).toBe('delivered'); // the call was answered all the same
  });

  it('answers about a drill say so (a drill call whose incident is gone too); live ones do not', async () => {
    const t = setup({}, { drill: true });
    expect(await t.actions.keypress(NID, 'acknowledge')).toMatchObject({ reply: 'acknowledged', drill: true });
    expect(await t.actions.keypress(NID, 'repeat')).toMatchObject({ reply: 'repeat', drill: true });
    expect(await t.actions.smsReply('+15555550103', { kind: 'command', code: 'BDFG', action: 'resolve' })).toMatchObject({ outcome: 'resolved', drill: true });
    expect(await t.actions.keypress('drill-01K:t0:omar:voice:1', 'acknowledge')).toMatchObject({ reply: 'not_active', drill: true });
    const live = setup();
    expect(await live.actions.keypress(NID, 'acknowledge')).toMatchObject({ reply: 'acknowledged', drill: false });
    expect(await live.actions.smsReply('+15555550103', { kind: 'command', code: 'BDFG', action: 'acknowledge' })).toMatchObject({ drill: false });
    expect(await live.actions.keypress('INC9:t0:x:voice:1', 'acknowledge')).toMatchObject({ reply: 'not_active', drill: false });
  });

  it('incident ids are the first part of a notification id', () => {
    expect(incidentIdOf('drill-01K:c1:t0:ana:sms:2')).toBe('drill-01K');
  });
});
