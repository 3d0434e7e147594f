/**
 * Use case: one notice (a message about no incident, such as a shift handover) to one person. It goes
 * by text only, never a call: the person's channels in order (roster, else the role's), SMS and
 * e-mail among them, then whichever of the two is left that can reach them. The first channel that
 * takes it ends the attempt; a failing one is counted and logged and the next is tried.
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
