/**
 * Per-destination throttles: given what a person was already sent and the limits, may a message go
 * out on a channel now? Pure: time is an argument, the send history comes in.
 *  - a critical page (level at or above the critical level) is never dropped: it goes now, or waits
 *    for the channel's minimum gap to pass (never longer), then goes as its own message;
 *  - a prompt page (an incident at or above the prompt level, whose playbook runs by the minute: the
 *    tier due at once must not reach its person a quarter of an hour later) is never dropped nor held
 *    by the counts: it waits at most one bundle window (or the channel's minimum gap) after the
 *    person's last message, folded into the next message to the person on that channel or sent itself;
 *  - any other page waits for the minimum gap, the bundle window and the per-window counts, and is
 *    folded into the next message to the person on that channel (or sent itself when that time comes);
 *  - any other page over the person's daily cap is suppressed (recorded, never silently dropped),
 *    unless it is its incident's one page over the cap (`uncapped`: see daily-cap.ts);
 *  - a gathered message (an all-clear, a reminder) is never dropped and waits at most one bundle
 *    window (or the channel's minimum gap) after the person's last message of its kind on the
 *    channel, so that those coming together go as one message.
 */
import type { ChannelKind } from './incident.js';

/** At most `max` messages in any `spanMs`. */
export interface WindowLimit {
  readonly name: ThrottleLimit;
  readonly spanMs: number;
  readonly max: number;
}

export interface ChannelThrottle {
  /** Least time between two messages to one person on this channel. */
  readonly minGapMs: number;
  readonly windows: readonly WindowLimit[];
}

export interface ThrottleLimits {
  readonly channels: Readonly<Partial<Record<ChannelKind, ChannelThrottle>>>;
  /** Non-critical messages to one person on every channel together. */
  readonly dailyCap: WindowLimit;
  /** Pages to one person this soon after a message are gathered into one message at its end. */
  readonly bundleWindowMs: number;
  /** Incidents at this level or above page through every throttle (delayed at most the minimum gap). */
  readonly criticalLevel: number;
  /** Classes whose incidents page so whatever their level. */
  readonly criticalClasses: ReadonlySet<string>;
  /**
   * Incidents at this level or above page promptly: never held back by the counts nor dropped at the
   * daily cap, they wait one bundle window (or minimum gap) at most and are folded like other pages.
   */
  readonly promptLevel: number;
}

/** One message already sent (or being sent) to the person. */
export interface SentMessage {
  readonly at: number;
  readonly channel: ChannelKind;
  /** The gathered phase it went as (all_clear, reminder); none for pages and messages never held back. */
  readonly lane?: string | undefined;
}

export type ThrottleLimit = 'min_gap' | 'bundle_window' | 'per_15m' | 'per_hour' | 'daily_cap';

export type ThrottleDecision =
  | { readonly kind: 'send' }
  /** Critical: wait until `until` (at most the minimum gap from now), then go as its own message. */
  | { readonly kind: 'delay'; readonly until: number; readonly limit: ThrottleLimit }
  /** Folded into the next message to the person on this channel; sent itself at `until` if none went. */
  | { readonly kind: 'bundle'; readonly until: number; readonly limit: ThrottleLimit }
  /** Over the daily cap: not sent, recorded as suppressed. */
  | { readonly kind: 'suppress'; readonly limit: ThrottleLimit };

export interface ThrottleQuestion {
  readonly now: number;
  readonly channel: ChannelKind;
  /** The page is critical (see isCritical). */
  readonly critical: boolean;
  /** The page is prompt (see isPrompt); a critical page is decided as critical. */
  readonly prompt?: boolean;
  /** The daily cap does not hold the page (its incident's one page over the cap: see daily-cap.ts); the counts still do. */
  readonly uncapped?: boolean;
  readonly history: readonly SentMessage[];
  readonly limits: ThrottleLimits;
}

/** An incident's pages are critical at the critical level or above, or for a critical class. */
export function isCritical(incident: { readonly level: number; readonly class: string }, limits: Pick<ThrottleLimits, 'criticalLevel' | 'criticalClasses'>): boolean {
  return incident.level >= limits.criticalLevel || limits.criticalClasses.has(incident.class);
}

/**
 * An incident's pages are prompt at the prompt level or above: the playbook's tiers run by the minute
 * there (the on-call person paged at once, the next tier five minutes later), so a throttle may fold
 * such a page into one message with others, but never hold it for a count.
 */
export function isPrompt(incident: { readonly level: number }, limits: Pick<ThrottleLimits, 'promptLevel'>): boolean {
  return incident.level >= limits.promptLevel;
}

/**
 * The person's messages on the channel (of one lane only when `lane` is given), most recent first
 * (entries from a replica whose clock runs ahead count too).
 */
function sentOn(channel: ChannelKind, history: readonly SentMessage[], lane?: string): number[] {
  return history
    .filter((h) => h.channel === channel && (lane === undefined || h.lane === lane))
    .map((h) => h.at)
    .sort((a, b) => b - a);
}

/**
 * A message that must go but may wait a little (all-clears, reminders; `lane` is its phase): it goes
 * now, or, within one bundle window (or the channel's minimum gap, the longer) of the person's last
 * message of the same lane on the channel, waits for that to end and is gathered with the others of
 * the lane into one message. A lone all-clear right after its page goes at once. Counts and the
 * daily cap never hold it back: it is what tells the person an incident is over.
 */
export function decideGathered(q: Omit<ThrottleQuestion, 'critical'> & { readonly lane: string }): Extract<ThrottleDecision, { kind: 'send' | 'bundle' }> {
  const wait = gapAfter(sentOn(q.channel, q.history, q.lane)[0], q.channel, q.limits);
  return wait && wait.until > q.now ? { kind: 'bundle', ...wait } : { kind: 'send' };
}

/** When the next message may follow `last` on the channel: the bundle window or the minimum gap, the longer. */
function gapAfter(last: number | undefined, channel: ChannelKind, limits: ThrottleLimits): { until: number; limit: ThrottleLimit } | undefined {
  if (last === undefined) return undefined;
  const minGap = limits.channels[channel]?.minGapMs ?? 0;
  return { until: last + Math.max(minGap, limits.bundleWindowMs), limit: minGap >= limits.bundleWindowMs ? 'min_gap' : 'bundle_window' };
}

export function decideThrottle(q: ThrottleQuestion): ThrottleDecision {
  const { now, channel, limits } = q;
  const ch = limits.channels[channel];
  const mine = sentOn(channel, q.history);
  const last = mine[0];
  const minGap = ch?.minGapMs ?? 0;

  if (q.critical) {
    if (last !== undefined && last + minGap > now) return { kind: 'delay', until: last + minGap, limit: 'min_gap' };
    return { kind: 'send' };
  }

  const gap = gapAfter(last, channel, limits);
  if (q.prompt) return gap && gap.until > now ? { kind: 'bundle', ...gap } : { kind: 'send' };

  const cap = limits.dailyCap;
  const today = q.history.filter((h) => h.at > now - cap.spanMs).length;
  if (today >= cap.max && !q.uncapped) return { kind: 'suppress', limit: cap.name };

  let until = now;
  let limit: ThrottleLimit | undefined;
  if (gap && gap.until > until) ({ until, limit } = gap);
  for (const w of ch?.windows ?? []) {
    const inWindow = mine.filter((t) => t > now - w.spanMs);
    const oldestThatMustLeave = inWindow[w.max - 1];
    if (inWindow.length >= w.max && oldestThatMustLeave !== undefined) {
      // A slot frees when the max-th most recent message leaves the window.
      const free = oldestThatMustLeave + w.spanMs;
      if (free > until) {
        until = free;
        limit = w.name;
      }
    }
  }
  if (until <= now || limit === undefined) return { kind: 'send' };
  return { kind: 'bundle', until, limit };
}

/** How a page that waits again waits: until when (now: it may go), why, and the limit that holds it. */
export interface PromptWait {
  readonly until: number;
  readonly reason: 'bundled' | 'delayed';
  readonly limit: ThrottleLimit | undefined;
}

/**
 * How a page of an incident that now pages promptly waits (`critical`: as a critical page, else as a
 * prompt one): the minimum gap or the bundle window at most, never a count; undefined should the
 * throttle drop it (neither is ever dropped).
 */
export function promptWait(q: Omit<ThrottleQuestion, 'prompt'>): PromptWait | undefined {
  const d = decideThrottle({ ...q, prompt: !q.critical });
  if (d.kind === 'suppress') return undefined;
  const reason = q.critical ? 'delayed' : 'bundled';
  return d.kind === 'send' ? { until: q.now, reason, limit: undefined } : { until: d.until, reason, limit: d.limit };
}

/**
 * What a held page's record says: when it may go, why and which limit holds it. Its claim lapses
 * when it may go, so that the engine, or any replica, takes it up then.
 */
export function heldPatch(until: number, reason: 'bundled' | 'delayed', limit: string | undefined, leaseMs: number): Record<string, unknown> {
  return { deferredUntil: until, throttle: reason, ...(limit ? { limit } : {}), claimedAtMs: until - leaseMs };
}

/**
 * Whether a claim taken over was the one a throttle's hold left to lapse (heldPatch): its holder
 * decided not to send, so no send of it can be on its way, and the page may go at once. A claim a
 * carrier took it under (`takenAtMs`) or one taken after its wait (a sender's) is a sender's: whoever
 * takes it over waits the takeover grace first. `fromClaimedAtMs`: when the claim taken over was taken.
 */
export function lapsedHold(fromClaimedAtMs: number | undefined, record: object): boolean {
  const { throttle, deferredUntil, takenAtMs } = record as { throttle?: unknown; deferredUntil?: unknown; takenAtMs?: unknown };
  if (fromClaimedAtMs === undefined || (throttle !== 'bundled' && throttle !== 'delayed')) return false;
  if (typeof deferredUntil !== 'number' || !(fromClaimedAtMs < deferredUntil)) return false;
  return typeof takenAtMs !== 'number' || takenAtMs < fromClaimedAtMs;
}
