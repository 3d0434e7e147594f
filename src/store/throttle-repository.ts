/**
 * The per-destination throttle's state in one namespace: every message a person was sent (by
 * channel), the pages waiting to be folded into their next message (one queue per channel and lane:
 * pages, and each gathered phase), and a version that makes each check-and-record atomic across
 * replicas (throttle-send-5.lua), with each incident cycle's told mark (which page of the incident
 * went or waits to go first: see domain/daily-cap.ts). Also reads and folds the waiting
 * notifications themselves (fold-notification-1.lua), and brings back a page cancelled at the daily
 * cap (reinstate-notification-1.lua). A notice is recorded before it goes, and taken back should its
 * channel fail (recordOnce, forget).
 */
import type { StoredNotification } from '../domain/escalation-ports.js';
import type { ChannelKind } from '../domain/incident.js';
import type { SentMessage } from '../domain/throttle.js';
import type { CommitResult, PendingPage, SendHistory, ThrottleStore, ToldWrite } from '../domain/throttle-ports.js';
import type { Keys } from './keys.js';
import { storeError, type RedisClient } from './redis.js';
import { callScript } from './scripts.js';

export class RedisThrottleRepository implements ThrottleStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** How long sends are remembered (the longest window counted). */
    private readonly keepMs: number,
  ) {}

  async history(person: string, channel: ChannelKind, now: number, page?: PendingPage, told?: string): Promise<SendHistory> {
    const r = (await this.call('read', person, channel, page?.lane, '', now, [page ? member(page) : '', told !== undefined ? '1' : '0'], told)) as string[];
    const sent: SentMessage[] = [];
    for (let i = 3; i + 1 < r.length; i += 2) {
      const member = r[i] ?? '';
      const [channel, lane] = member.slice(0, member.indexOf('|')).split('~');
      sent.push({ channel: channel as ChannelKind, at: Number(r[i + 1]), ...(lane ? { lane } : {}) });
    }
    return { version: r[0] ?? '0', waiting: Number(r[1]) === 1, told: r[2] ?? '', sent };
  }

  async unchanged(person: string, channel: ChannelKind, now: number, version: string): Promise<boolean> {
    const r = (await this.call('check', person, channel, undefined, version, now, [])) as string[];
    return r[0] === 'ok';
  }

  async recordSend(person: string, channel: ChannelKind, notificationId: string, now: number, version: string, critical: boolean, lane?: string, told?: ToldWrite): Promise<CommitResult> {
    const r = (await this.call('send', person, channel, lane, version, now, [sentMember(channel, lane, notificationId), critical ? '1' : '0', ...toldArgs(told)], told?.incident)) as string[];
    if (r[0] !== 'ok') return { ok: false };
    return { ok: true, pending: r.slice(2).map((m) => parsePending(m, lane)).filter((p): p is PendingPage => p !== undefined) };
  }

  async recordForced(person: string, channel: ChannelKind, notificationId: string, now: number): Promise<void> {
    await this.call('force', person, channel, undefined, '', now, [sentMember(channel, undefined, notificationId)]);
  }

  async recordOnce(person: string, channel: ChannelKind, messageId: string, now: number): Promise<boolean> {
    const r = (await this.call('count', person, channel, undefined, '', now, [sentMember(channel, undefined, messageId)])) as string[];
    return r[2] === '1';
  }

  async forget(person: string, channel: ChannelKind, messageId: string, now: number): Promise<boolean> {
    const r = (await this.call('forget', person, channel, undefined, '', now, [sentMember(channel, undefined, messageId)])) as string[];
    return r[0] === 'ok';
  }

  async enqueue(person: string, channel: ChannelKind, page: PendingPage, now: number, version: string, told?: ToldWrite): Promise<boolean> {
    const r = (await this.call('bundle', person, channel, page.lane, version, now, [member(page), page.critical ? '1' : '0', ...toldArgs(told)], told?.incident)) as string[];
    return r[0] === 'ok';
  }

  async withdraw(person: string, channel: ChannelKind, page: PendingPage): Promise<boolean> {
    const r = (await this.call('withdraw', person, channel, page.lane, '', 0, [member(page)])) as string[];
    return r[0] === 'ok';
  }

  async release(person: string, channel: ChannelKind, pages: readonly PendingPage[], now: number): Promise<void> {
    if (pages.length === 0) return;
    // a carrier takes the pages of one lane, so they all go back to that lane
    await this.call('release', person, channel, pages[0]?.lane, '', now, pages.map((p) => (p.critical ? '!' : '') + member(p)));
  }

  async notification(incidentId: string, notificationId: string): Promise<StoredNotification | undefined> {
    try {
      const raw = await this.redis.hget(this.keys.notifications(incidentId), notificationId);
      return raw ? (JSON.parse(raw) as StoredNotification) : undefined;
    } catch (e) {
      throw storeError(e);
    }
  }

  async fold(incidentId: string, notificationId: string, patch: Record<string, unknown>, owner: string): Promise<boolean> {
    try {
      return Number(await callScript(this.redis, 'foldNotification', [this.keys.notifications(incidentId)], [notificationId, JSON.stringify(patch), owner])) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async reinstate(incidentId: string, notificationId: string, patch: Record<string, unknown>): Promise<boolean> {
    try {
      return Number(await callScript(this.redis, 'reinstateNotification', [this.keys.notifications(incidentId)], [notificationId, JSON.stringify(patch)])) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  /**
   * `lane`: whose waiting pages (pages: none or ''; a gathered phase: its own queue); `told`: the
   * incident cycle whose told mark is read or written (none: a key never written).
   */
  private async call(action: string, person: string, channel: ChannelKind, lane: string | undefined, version: string, now: number, members: readonly string[], told?: string): Promise<unknown> {
    const base = `throttle:${person}`;
    const queue = lane ? `${base}:${channel}:${lane}` : `${base}:${channel}`;
    const keys = [this.keys.custom(`${base}:sends`), this.keys.custom(`${queue}:pending`), this.keys.custom(`${queue}:critical`), this.keys.custom(`${base}:ver`), this.keys.custom(`throttle-told:${told ?? ''}`)];
    try {
      return await callScript(this.redis, 'throttleSend', keys, [action, version, now, this.keepMs, ...members]);
    } catch (e) {
      throw storeError(e);
    }
  }
}

/** A send's member: "<channel>|<notification id>", "<channel>~<lane>|…" for a gathered phase's message. */
function sentMember(channel: ChannelKind, lane: string | undefined, notificationId: string): string {
  return `${lane ? `${channel}~${lane}` : channel}|${notificationId}`;
}

/** ARGV[7..9] of a send or a queued page: how it writes its incident's told mark. */
function toldArgs(t: ToldWrite | undefined): string[] {
  return t ? [t.mode, t.page, t.replacing ?? ''] : [];
}

function member(p: PendingPage): string {
  return `${p.incidentId}|${p.notificationId}`;
}

function parsePending(raw: string, lane: string | undefined): PendingPage | undefined {
  const critical = raw.startsWith('!');
  const m = critical ? raw.slice(1) : raw;
  const sep = m.indexOf('|');
  if (sep <= 0) return undefined;
  return { incidentId: m.slice(0, sep), notificationId: m.slice(sep + 1), ...(critical ? { critical } : {}), ...(lane ? { lane } : {}) };
}
