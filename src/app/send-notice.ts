/**
 * Use case: one notice (a message about no incident, such as a shift handover) to one person. It goes
 * by text only, never a call: the person's channels in order (roster, else the role's), SMS and
 * e-mail among them, then whichever of the two is left that can reach them. The first channel that
 * takes it ends the attempt; a failing one is counted and logged and the next is tried. The notice
 * counts toward the person's throttles as any message does (`count`), from before each channel is
 * asked, as a page's message is counted when admitted: a page decided while the provider is still
 * answering (an SMS may take seconds) keeps the channel's gap and the daily cap after it. A channel
 * that fails takes its count back (`uncount`), so the notice counts only on the channel that took it,
 * and nowhere when none did. Nothing ever holds the notice itself back. Right before each channel is
 * asked the notice's claim is renewed (`claim`): its lease starts again then, so the call fits in it
 * whatever came before (a channel that failed after its timeout); a claim lost meanwhile (taken over
 * after its lease by another replica, which sends the notice) ends the attempt, and nothing more goes.
 */
import type { ChannelKind } from '../domain/incident.js';
import type { Channel, Notice } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { reachable } from './dispatch-notification.js';

export interface SendNoticeDeps {
  readonly channels: Readonly<Partial<Record<ChannelKind, Channel>>>;
  /** The person's channels in order of preference (roster), falling back to the role's. */
  readonly channelsFor: (person: string, role: string) => readonly ChannelKind[];
  readonly metrics: Pick<Metrics, 'handoverNotices'>;
  readonly logger: Logger;
  /**
   * Records the notice as a message to the person on `channel` in their throttle history before the
   * channel is asked (ThrottlePages.count): true when this call recorded it, false when the id was
   * recorded there already (a second count of one notice is none).
   */
  readonly count?: (person: string, channel: ChannelKind, noticeId: string) => Promise<boolean>;
  /** Takes that record back: the channel did not take the notice (ThrottlePages.uncount). */
  readonly uncount?: (person: string, channel: ChannelKind, noticeId: string) => Promise<void>;
}

const TEXT: readonly ChannelKind[] = ['sms', 'email'];

/** The channel that took the notice and how ('logged' in log mode); 'lost' when its claim was lost before a channel took it; undefined when none did. */
export type NoticeOutcome = { readonly channel: ChannelKind; readonly status: 'sent' | 'logged' } | 'lost' | undefined;

/**
 * Sends one notice. `claim`, when the notice is claimed (once across replicas), renews that claim
 * right before each channel is asked: false (or a store that fails) when it was lost.
 */
export async function sendNotice(deps: SendNoticeDeps, notice: Notice, role: string, claim?: () => Promise<boolean>): Promise<NoticeOutcome> {
  const r = notice.recipient;
  const preferred = r.channels && r.channels.length > 0 ? r.channels : deps.channelsFor(r.id, role);
  const order = [...new Set([...preferred, ...TEXT])].filter((ch) => TEXT.includes(ch) && reachable(r, ch));
  for (const channel of order) {
    const send = deps.channels[channel]?.notice?.bind(deps.channels[channel]);
    if (!send) continue;
    if (claim && !(await stillClaimed(deps, notice, channel, claim))) return 'lost';
    const counted = await count(deps, notice, channel);
    try {
      const { status } = await send(notice);
      deps.metrics.handoverNotices.inc({ channel, result: status });
      return { channel, status };
    } catch (e) {
      if (counted) await uncount(deps, notice, channel);
      deps.metrics.handoverNotices.inc({ channel, result: 'failed' });
      deps.logger.warn({ err: e, noticeId: notice.id, person: r.id, channel }, 'notice failed on this channel; trying the next');
    }
  }
  deps.metrics.handoverNotices.inc({ channel: 'none', result: 'failed' });
  deps.logger.error({ noticeId: notice.id, person: r.id, tried: order }, 'notice reached no channel');
  return undefined;
}

/**
 * Renews the notice's claim before `channel` is asked. A store that fails is a claim not renewed: the
 * notice waits (its claim's lease runs out and the next check sends it) rather than risk going twice.
 */
async function stillClaimed(deps: SendNoticeDeps, notice: Notice, channel: ChannelKind, claim: () => Promise<boolean>): Promise<boolean> {
  try {
    if (await claim()) return true;
    deps.logger.warn({ noticeId: notice.id, person: notice.recipient.id, channel }, 'notice not sent: its claim was lost before the send');
  } catch (e) {
    deps.logger.warn({ err: e, noticeId: notice.id, person: notice.recipient.id, channel }, 'notice not sent: its claim could not be renewed before the send; the next check tries again once its lease runs out');
  }
  return false;
}

/**
 * Counts the notice on `channel` before it goes; true when this call counted it (a count made
 * earlier, by a send of it that went, is kept whatever this one does). Should the store fail, the
 * notice goes all the same: only the throttle misses it.
 */
async function count(deps: SendNoticeDeps, notice: Notice, channel: ChannelKind): Promise<boolean> {
  try {
    return (await deps.count?.(notice.recipient.id, channel, notice.id)) ?? false;
  } catch (e) {
    deps.logger.warn({ err: e, noticeId: notice.id, person: notice.recipient.id, channel }, 'notice not counted in the throttle history');
    return false;
  }
}

/** The channel failed: the count of the notice there is taken back (should that fail, it stays, and only holds pages back longer). */
async function uncount(deps: SendNoticeDeps, notice: Notice, channel: ChannelKind): Promise<void> {
  try {
    await deps.uncount?.(notice.recipient.id, channel, notice.id);
  } catch (e) {
    deps.logger.warn({ err: e, noticeId: notice.id, person: notice.recipient.id, channel }, 'notice count not taken back from the throttle history');
  }
}
