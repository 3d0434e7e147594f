/**
 * Heartbeats, the dead-man's switch: sources that report all the time (Alertmanager's Watchdog, a
 * UPS poller, an ACD feed) are expected to keep reporting; one silent for too long is an incident.
 * Pure: keys, members, the events a silence and a return produce. Time is an argument.
 */
import type { Level, NormalizedEvent } from './event.js';

export const HEARTBEAT_SOURCES = ['alertmanager', 'ups', 'acd'] as const;
export type HeartbeatSource = (typeof HEARTBEAT_SOURCES)[number];

export interface Beat {
  readonly source: HeartbeatSource;
  /** Alertmanager: site; UPS: site/device; ACD: site/queue. */
  readonly key: string;
}

/**
 * A silence marked before the last closing of its source's business hours, taken off (once) by
 * `renewStale`: `markedAt` when it was marked; `silentSince`, when the source is still silent today
 * and was marked afresh in the same step, its last-seen time.
 */
export interface StaleMark {
  readonly markedAt: number;
  readonly silentSince?: number;
}

/** Where last-seen times are kept (Redis). Every change is atomic. */
export interface HeartbeatStore {
  /**
   * Records a report at `now`. When the member had been marked missing (it is not any more): when its
   * mark was set (0: unknown, a mark from before marks carried their time); else undefined.
   */
  beat(member: string, now: number): Promise<number | undefined>;
  /** Starts watching a member that was never seen (its clock starts at `now`); no-op when known. */
  expect(member: string, now: number): Promise<void>;
  /** Every watched member with its last-seen time (epoch ms). */
  watched(): Promise<Map<string, number>>;
  /** One member's last-seen time (epoch ms), undefined when it is not watched. */
  lastSeen(member: string): Promise<number | undefined>;
  /**
   * Marks the member missing (as of `now`) when it was last seen before `cutoff` and is not marked yet;
   * returns its last-seen time then, else undefined.
   */
  markMissing(member: string, cutoff: number, now: number): Promise<number | undefined>;
  /** The members marked missing now (one read). */
  marked(): Promise<Set<string>>;
  /**
   * Takes the member's "missing" mark off: for the one call that took it (its incident is then ended by
   * that caller), when the mark was set (0: unknown); else undefined.
   */
  clearMissing(member: string): Promise<number | undefined>;
  /**
   * Takes off the member's mark when it was set before `closedAt` (the last closing of its business
   * hours), once across callers, and marks it afresh as of `now` in the same step when it was last seen
   * before `cutoff` (undefined: not silent today). A mark of unknown time is taken as set now. Undefined
   * when there was no such mark to take.
   */
  renewStale(member: string, closedAt: number, cutoff: number | undefined, now: number): Promise<StaleMark | undefined>;
  /** Puts back, as it was (set at `markedAt`, 0: unknown), a "missing" mark taken off whose incident step then failed. */
  restoreMissing(member: string, markedAt: number): Promise<void>;
}

export function heartbeatMember(b: Beat): string {
  return `heartbeat:${b.source}:${b.key}`;
}

export function parseHeartbeatMember(member: string): Beat | undefined {
  const m = /^heartbeat:([a-z]+):(.+)$/.exec(member);
  if (!m) return undefined;
  const source = m[1] as HeartbeatSource;
  if (!HEARTBEAT_SOURCES.includes(source)) return undefined;
  return { source, key: m[2] ?? '' };
}

/** "10m", "1h30m", "45s". */
export function formatSilence(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return parts.join('');
}

/** The site a heartbeat key belongs to. */
export function heartbeatSite(b: Beat): string {
  const slash = b.key.indexOf('/');
  return b.source === 'alertmanager' || slash < 0 ? b.key : b.key.slice(0, slash);
}

/** "Alertmanager Watchdog at hq", "UPS poller for ups1 at hq", "ACD feed for queue main at hq". */
export function describeSource(b: Beat, alertname: string): string {
  const site = heartbeatSite(b);
  const rest = b.key.slice(site.length + 1);
  switch (b.source) {
    case 'alertmanager':
      return `Alertmanager ${alertname}`;
    case 'ups':
      return `UPS poller for ${rest || b.key}`;
    case 'acd':
      return `ACD feed for queue ${rest || b.key}`;
  }
}

export interface HeartbeatIncident {
  readonly class: string;
  readonly level: Level;
  /** The Watchdog alert's name, for summaries. */
  readonly alertname: string;
}

/**
 * The firing event of a source silent since `lastSeen`; `silentFor` is the configured missingAfter, as
 * planned (not sped up). `openedAt` (HH:MM): a source of business hours not heard since that opening.
 * `afresh`: its silence of an earlier day was ended just before (a new incident, not that one reopened).
 */
export function silenceEvent(b: Beat, lastSeen: number, silentFor: number, now: number, inc: HeartbeatIncident, openedAt?: string, afresh = false): NormalizedEvent {
  const member = heartbeatMember(b);
  const site = heartbeatSite(b);
  const silent = openedAt === undefined ? `silent for ${formatSilence(silentFor)}` : `silent since business hours opened at ${openedAt}`;
  return {
    source: 'heartbeat',
    class: inc.class,
    site,
    level: inc.level,
    status: 'firing',
    member,
    eventKey: `${member}:silent:${lastSeen}`,
    groupHint: member,
    summary: `${describeSource(b, inc.alertname)} ${silent}${site ? ` (${site})` : ''}`,
    at: now,
    labels: { heartbeat: b.source, key: b.key },
    details: { heartbeat: b.source, key: b.key, lastSeen: new Date(lastSeen).toISOString(), missingAfterSeconds: Math.round(silentFor / 1000), ...(openedAt === undefined ? {} : { sinceOpening: openedAt }) },
    drill: false,
    ...(afresh ? { afresh: true } : {}),
  };
}

/** The resolving event when a silent source reports again. */
export function returnEvent(b: Beat, now: number, inc: HeartbeatIncident): NormalizedEvent {
  return resolvingEvent(b, now, inc, 'back', `${describeSource(b, inc.alertname)} reporting again`, {});
}

/**
 * The resolving event when business hours end while a source of business hours is silent: it is not
 * expected to report until they open again, so the silence is over as an alarm (`closedAt`: HH:MM).
 */
export function hoursEndedEvent(b: Beat, now: number, closedAt: string, inc: HeartbeatIncident): NormalizedEvent {
  const site = heartbeatSite(b);
  const summary = `Business hours ended at ${closedAt}: ${describeSource(b, inc.alertname)} is not expected to report until they open again${site ? ` (${site})` : ''}`;
  return resolvingEvent(b, now, inc, 'closed', summary, { businessHours: false, endedAtClosing: true });
}

function resolvingEvent(b: Beat, now: number, inc: HeartbeatIncident, why: 'back' | 'closed', summary: string, details: Record<string, unknown>): NormalizedEvent {
  const member = heartbeatMember(b);
  return {
    source: 'heartbeat',
    class: inc.class,
    site: heartbeatSite(b),
    level: inc.level,
    status: 'resolved',
    member,
    eventKey: `${member}:${why}:${now}`,
    groupHint: member,
    summary,
    at: now,
    labels: { heartbeat: b.source, key: b.key },
    details: { heartbeat: b.source, key: b.key, ...details },
    drill: false,
  };
}
