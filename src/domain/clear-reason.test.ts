import { describe, expect, it } from 'vitest';
import { makeIncident } from '../../test/support/page-fixture.js';
import { clearReason } from './clear-reason.js';

const END = '2026-12-05T12:00:00.000Z';
const EARLIER = '2026-12-05T11:00:00.000Z';
const member = (source: string, lastAt: string, details: Record<string, unknown>, status: 'firing' | 'resolved' = 'resolved') => ({ status, since: EARLIER, lastAt, count: 2, source, details }) as never;
const resolved = (members: Record<string, never>) => makeIncident({ state: 'resolved', resolvedAt: END, members });

describe('clearReason', () => {
  it("a business-hours heartbeat's silence ended at closing: hours_ended; an agents collapse ended then: closed", () => {
    expect(clearReason(resolved({ 'heartbeat:acd:hq/main': member('heartbeat', END, { businessHours: false, endedAtClosing: true }) }))).toBe('hours_ended');
    expect(clearReason(resolved({ 'acd:hq:main:agents': member('acd', END, { queue: 'main', businessHours: false, endedAtClosing: true }) }))).toBe('closed');
  });

  it('no reason when a report or a person ended it, when another member ended it later, or while it is open', () => {
    expect(clearReason(resolved({ 'heartbeat:acd:hq/main': member('heartbeat', END, { heartbeat: 'acd' }) }))).toBeUndefined();
    // the collapse ended at closing, the Alertmanager alert of the same incident only later
    expect(clearReason(resolved({ 'acd:hq:main:agents': member('acd', EARLIER, { endedAtClosing: true }), 'am:1': member('alertmanager', END, {}) }))).toBeUndefined();
    // a report resolving another member at the same moment: the incident ended as usual
    expect(clearReason(resolved({ 'acd:hq:main:agents': member('acd', END, { endedAtClosing: true }), 'am:1': member('alertmanager', END, {}) }))).toBeUndefined();
    expect(clearReason(makeIncident({ state: 'open', members: { 'acd:hq:main:agents': member('acd', END, { endedAtClosing: true }, 'firing') } }))).toBeUndefined();
    expect(clearReason(resolved({}))).toBeUndefined();
  });
});
