import { describe, expect, it } from 'vitest';
import type { ChannelKind } from './incident.js';
import { decideGathered, decideThrottle, heldPatch, isCritical, isPrompt, lapsedHold, promptWait, type SentMessage, type ThrottleLimits } from './throttle.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

const limits: ThrottleLimits = {
  channels: {
    sms: { minGapMs: 1 * MIN, windows: [{ name: 'per_15m', spanMs: 15 * MIN, max: 3 }, { name: 'per_hour', spanMs: 60 * MIN, max: 5 }] },
    voice: { minGapMs: 2 * MIN, windows: [{ name: 'per_15m', spanMs: 15 * MIN, max: 2 }, { name: 'per_hour', spanMs: 60 * MIN, max: 4 }] },
    email: { minGapMs: 0, windows: [{ name: 'per_15m', spanMs: 15 * MIN, max: 10 }] },
  },
  dailyCap: { name: 'daily_cap', spanMs: 24 * 60 * MIN, max: 8 },
  bundleWindowMs: 3 * MIN,
  criticalLevel: 4,
  criticalClasses: new Set(['power']),
  promptLevel: 3,
};

const sms = (...agoMin: number[]): SentMessage[] => agoMin.map((m) => ({ at: T0 - m * MIN, channel: 'sms' as ChannelKind }));
const ask = (history: SentMessage[], level = 2, channel: ChannelKind = 'sms', now = T0) => {
  const incident = { level, class: 'network_infosys' };
  return decideThrottle({ now, channel, critical: isCritical(incident, limits), prompt: isPrompt(incident, limits), history, limits });
};

describe('decideThrottle', () => {
  it('sends when the person got nothing yet', () => {
    expect(ask([])).toEqual({ kind: 'send' });
  });

  it('folds a page that follows a message within the bundle window into one message at its end', () => {
    expect(ask(sms(1))).toEqual({ kind: 'bundle', until: T0 + 2 * MIN, limit: 'bundle_window' });
    expect(ask(sms(3))).toEqual({ kind: 'send' });
  });

  it('uses the minimum gap when it is longer than the bundle window', () => {
    expect(ask([{ at: T0 - 30_000, channel: 'voice' }], 2, 'voice', T0)).toEqual({ kind: 'bundle', until: T0 + 2.5 * MIN, limit: 'bundle_window' });
    const wide = { ...limits, bundleWindowMs: 0 };
    expect(decideThrottle({ now: T0, channel: 'voice', critical: false, history: [{ at: T0 - 30_000, channel: 'voice' }], limits: wide })).toEqual({
      kind: 'bundle',
      until: T0 + 1.5 * MIN,
      limit: 'min_gap',
    });
  });

  it('counts only the channel asked about for gaps and per-channel windows', () => {
    expect(ask([{ at: T0 - 10_000, channel: 'voice' }], 2, 'sms')).toEqual({ kind: 'send' });
  });

  it('holds the page until a slot frees when the 15-minute count is used up', () => {
    // 3 in the last 15 min (max 3): the oldest of them (12 min ago) leaves the window in 3 minutes
    expect(ask(sms(4, 8, 12))).toEqual({ kind: 'bundle', until: T0 + 3 * MIN, limit: 'per_15m' });
  });

  it('holds the page until a slot frees when the hourly count is used up', () => {
    // 5 in the hour (max 5), only 2 in the last 15 min: the 5th most recent (50 min ago) frees in 10 min
    expect(ask(sms(5, 10, 20, 40, 50))).toEqual({ kind: 'bundle', until: T0 + 10 * MIN, limit: 'per_hour' });
  });

  it('suppresses a non-critical page over the daily cap, counting every channel', () => {
    const day: SentMessage[] = [...sms(30, 90, 200, 300), { at: T0 - 400 * MIN, channel: 'voice' }, { at: T0 - 500 * MIN, channel: 'voice' }, { at: T0 - 600 * MIN, channel: 'email' }, { at: T0 - 700 * MIN, channel: 'email' }];
    expect(ask(day)).toEqual({ kind: 'suppress', limit: 'daily_cap' });
    // a day later the oldest have left the cap's window
    expect(ask(day, 2, 'sms', T0 + 23 * 60 * MIN)).toEqual({ kind: 'send' });
  });

  it('decides its incident\'s one page over the daily cap as a page under it: the gap, the bundle window and the counts still hold it', () => {
    const uncapped = (history: SentMessage[]) => decideThrottle({ now: T0, channel: 'sms', critical: false, prompt: false, uncapped: true, history, limits });
    const day: SentMessage[] = [...sms(30, 90, 200, 300), { at: T0 - 400 * MIN, channel: 'voice' }, { at: T0 - 500 * MIN, channel: 'voice' }, { at: T0 - 600 * MIN, channel: 'email' }, { at: T0 - 700 * MIN, channel: 'email' }];
    expect(uncapped(day)).toEqual({ kind: 'send' });
    expect(uncapped([...day, ...sms(1)])).toEqual({ kind: 'bundle', until: T0 + 2 * MIN, limit: 'bundle_window' });
    expect(uncapped([...day, ...sms(4, 8, 12)])).toEqual({ kind: 'bundle', until: T0 + 3 * MIN, limit: 'per_15m' });
  });

  it('never holds a critical page longer than the minimum gap, and never suppresses it', () => {
    const flooded = [...sms(0.5, 2, 3, 4, 5, 6, 7, 8, 9), ...sms(100, 200, 300)];
    expect(ask(flooded)).toEqual({ kind: 'suppress', limit: 'daily_cap' });
    const d = ask(flooded, 4);
    expect(d).toEqual({ kind: 'delay', until: T0 + 0.5 * MIN, limit: 'min_gap' });
    expect(ask(sms(1.5, 2, 3, 4, 5, 6, 7, 8, 9), 5)).toEqual({ kind: 'send' });
  });

  it('bounds every critical delay by the channel minimum gap whatever the history', () => {
    for (let ago = 0; ago <= 3 * MIN; ago += 7_000) {
      const d = ask([...sms(0, 1, 2, 3), { at: T0 - ago, channel: 'sms' }], 5);
      if (d.kind === 'delay') expect(d.until - T0).toBeLessThanOrEqual(limits.channels.sms?.minGapMs ?? 0);
      else expect(d.kind).toBe('send');
    }
  });

  it('holds a prompt page (level 3) one bundle window at most: the 15-minute and hourly counts never hold it', () => {
    // the 15-minute count is used up (3 SMS in the last 15 min): a level-2 page waits until 10:03, a level-3 one goes
    expect(ask(sms(4, 8, 12))).toEqual({ kind: 'bundle', until: T0 + 3 * MIN, limit: 'per_15m' });
    expect(ask(sms(4, 8, 12), 3)).toEqual({ kind: 'send' });
    expect(ask(sms(5, 10, 20, 40, 50), 3)).toEqual({ kind: 'send' });
    // right after a message it still waits the bundle window (or the minimum gap, the longer) and is folded
    expect(ask(sms(1, 2, 3), 3)).toEqual({ kind: 'bundle', until: T0 + 2 * MIN, limit: 'bundle_window' });
    expect(ask([{ at: T0 - 30_000, channel: 'voice' }, { at: T0 - 5 * MIN, channel: 'voice' }, { at: T0 - 10 * MIN, channel: 'voice' }], 3, 'voice')).toEqual({
      kind: 'bundle',
      until: T0 + 2.5 * MIN,
      limit: 'bundle_window',
    });
    for (let ago = 0; ago <= 15 * MIN; ago += 13_000) {
      const d = ask([...sms(3, 6, 9, 12), { at: T0 - ago, channel: 'sms' }], 3);
      if (d.kind === 'bundle') expect(d.until - T0).toBeLessThanOrEqual(limits.bundleWindowMs);
      else expect(d.kind).toBe('send');
    }
  });

  it('never suppresses a prompt page at the daily cap', () => {
    const day: SentMessage[] = [...sms(30, 90, 200, 300), { at: T0 - 400 * MIN, channel: 'voice' }, { at: T0 - 500 * MIN, channel: 'voice' }, { at: T0 - 600 * MIN, channel: 'email' }, { at: T0 - 700 * MIN, channel: 'email' }];
    expect(ask(day, 2)).toEqual({ kind: 'suppress', limit: 'daily_cap' });
    expect(ask(day, 3)).toEqual({ kind: 'send' });
  });

  it('counts a message recorded ahead of this clock (another replica) as the latest', () => {
    expect(ask([{ at: T0 + 5_000, channel: 'sms' }])).toEqual({ kind: 'bundle', until: T0 + 5_000 + 3 * MIN, limit: 'bundle_window' });
  });

  it('is critical from the configured level, and for a critical class at any level', () => {
    expect(isCritical({ level: 3, class: 'network_infosys' }, limits)).toBe(false);
    expect(isCritical({ level: 4, class: 'network_infosys' }, limits)).toBe(true);
    expect(isCritical({ level: 3, class: 'power' }, limits)).toBe(true);
  });

  it('is prompt from the prompt level', () => {
    expect(isPrompt({ level: 2 }, limits)).toBe(false);
    expect(isPrompt({ level: 3 }, limits)).toBe(true);
  });
});

describe('decideGathered (all-clears, reminders)', () => {
  const clears = (...agoMin: number[]): SentMessage[] => agoMin.map((m) => ({ at: T0 - m * MIN, channel: 'sms' as ChannelKind, lane: 'all_clear' }));
  const gathered = (history: SentMessage[], channel: ChannelKind = 'sms', now = T0) => decideGathered({ now, channel, history, limits, lane: 'all_clear' });

  it('goes at once when no message of its lane went to the person on the channel within the bundle window', () => {
    expect(gathered([])).toEqual({ kind: 'send' });
    expect(gathered(clears(3))).toEqual({ kind: 'send' });
    expect(gathered([{ at: T0 - 10_000, channel: 'voice', lane: 'all_clear' }])).toEqual({ kind: 'send' });
    // a lone all-clear right after its page, or after a reminder, is not held back
    expect(gathered(sms(0.2))).toEqual({ kind: 'send' });
    expect(gathered([{ at: T0 - 10_000, channel: 'sms', lane: 'reminder' }])).toEqual({ kind: 'send' });
  });

  it('waits for the end of the bundle window, or of the minimum gap when it is longer, and no more', () => {
    expect(gathered(clears(1))).toEqual({ kind: 'bundle', until: T0 + 2 * MIN, limit: 'bundle_window' });
    const slowVoice = { ...limits, channels: { ...limits.channels, voice: { minGapMs: 5 * MIN, windows: [] } } };
    expect(decideGathered({ now: T0, channel: 'voice', history: [{ at: T0 - MIN, channel: 'voice', lane: 'all_clear' }], limits: slowVoice, lane: 'all_clear' })).toEqual({
      kind: 'bundle',
      until: T0 + 4 * MIN,
      limit: 'min_gap',
    });
  });

  it('is never suppressed nor held by the counts: the daily cap and the windows are used up, it still goes', () => {
    const day: SentMessage[] = Array.from({ length: 12 }, (_, i) => ({ at: T0 - (5 + i * 4) * MIN, channel: 'sms' as ChannelKind }));
    expect(ask(day)).toEqual({ kind: 'suppress', limit: 'daily_cap' });
    expect(gathered(day)).toEqual({ kind: 'send' });
  });

  it('its messages count for pages like any other', () => {
    expect(ask(clears(1))).toEqual({ kind: 'bundle', until: T0 + 2 * MIN, limit: 'bundle_window' });
  });
});

describe('promptWait (a page of an incident that climbed, decided again)', () => {
  it('waits as a prompt page (bundled, one bundle window at most, never for a count or the cap) or goes now', () => {
    const busy = sms(0.5, 1, 2, 4, 5, 6, 7, 8); // the 15-minute count, the hour and the daily cap all used up
    expect(promptWait({ now: T0, channel: 'sms', critical: false, history: busy, limits })).toEqual({ until: T0 + 2.5 * MIN, reason: 'bundled', limit: 'bundle_window' });
    expect(promptWait({ now: T0, channel: 'sms', critical: false, history: sms(4), limits })).toEqual({ until: T0, reason: 'bundled', limit: undefined });
  });

  it('waits as a critical page (delayed, the minimum gap at most) or goes now', () => {
    expect(promptWait({ now: T0, channel: 'sms', critical: true, history: sms(0.5), limits })).toEqual({ until: T0 + 0.5 * MIN, reason: 'delayed', limit: 'min_gap' });
    expect(promptWait({ now: T0, channel: 'sms', critical: true, history: sms(2), limits })).toEqual({ until: T0, reason: 'delayed', limit: undefined });
  });
});

describe('lapsedHold (a claim taken over: was it a hold that lapsed, or a sender\'s?)', () => {
  const LEASE = 30_000;
  const until = 1_000_000;
  const held = { status: 'planned', ...heldPatch(until, 'delayed', 'min_gap', LEASE) };

  it('the claim a hold wrote lapses when the page may go: nobody was sending it', () => {
    expect(lapsedHold(until - LEASE, held)).toBe(true);
    // rehold after an earlier carrier gave it back: the hold is the latest word
    expect(lapsedHold(until - LEASE, { ...held, takenAtMs: until - 2 * LEASE })).toBe(true);
  });

  it("a carrier's claim, a claim taken after the wait, a page never held, or no claim time known: a sender's", () => {
    expect(lapsedHold(until - 1_000, { ...held, takenAtMs: until - 1_000 })).toBe(false);
    expect(lapsedHold(until, held)).toBe(false);
    expect(lapsedHold(until + 5_000, held)).toBe(false);
    expect(lapsedHold(until - LEASE, { status: 'planned' })).toBe(false);
    expect(lapsedHold(undefined, held)).toBe(false);
  });
});
