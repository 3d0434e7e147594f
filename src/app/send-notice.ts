/**
 * Use case: one notice (a message about no incident, such as a shift handover) to one person. It goes
 * by text only, never a call: the person's channels in order (roster, else the role's), SMS and
 * e-mail among them, then whichever of the two is left that can reach them. The first channel that
 * takes it ends the attempt; a failing one is counted and logged and the next is tried. The message
 * that went counts toward the person's throttles as any message does (`count`): pages after it keep
 * the channel's gap and the daily cap, though nothing ever holds the notice itself back.
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
  /** Records the notice as a message to the person on `channel` in their throttle history (ThrottlePages.counted). */
  readonly count?: (person: string, channel: ChannelKind, noticeId: string) => Promise<void>;
}

const TEXT: readonly ChannelKind[] = ['sms', 'email'];

/** The channel that took the notice and how ('logged' in log mode), or undefined when none did. */
export async function sendNotice(deps: SendNoticeDeps, notice: Notice, role: string): Promise<{ channel: ChannelKind; status: 'sent' | 'logged' } | undefined> {
  const r = notice.recipient;
  const preferred = r.channels && r.channels.length > 0 ? r.channels : deps.channelsFor(r.id, role);
  const order = [...new Set([...preferred, ...TEXT])].filter((ch) => TEXT.includes(ch) && reachable(r, ch));
  for (const channel of order) {
    const send = deps.channels[channel]?.notice?.bind(deps.channels[channel]);
    if (!send) continue;
    try {
      const { status } = await send(notice);
      deps.metrics.handoverNotices.inc({ channel, result: status });
      await countSent(deps, notice, channel);
      return { channel, status };
    } catch (e) {
      deps.metrics.handoverNotices.inc({ channel, result: 'failed' });
      deps.logger.warn({ err: e, noticeId: notice.id, person: r.id, channel }, 'notice failed on this channel; trying the next');
    }
  }
  deps.metrics.handoverNotices.inc({ channel: 'none', result: 'failed' });
  deps.logger.error({ noticeId: notice.id, person: r.id, tried: order }, 'notice reached no channel');
  return undefined;
}

/**
 * Counts a notice that went (its id makes a second count of it one); should the store fail, the
 * notice went all the same and is not sent again: only the throttle misses it.
 */
async function countSent(deps: SendNoticeDeps, notice: Notice, channel: ChannelKind): Promise<void> {
  try {
    await deps.count?.(notice.recipient.id, channel, notice.id);
  } catch (e) {
    deps.logger.warn({ err: e, noticeId: notice.id, person: notice.recipient.id, channel }, 'notice not counted in the throttle history');
  }
}
