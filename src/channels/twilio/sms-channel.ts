/** Paging SMS through the twilio SDK (Messages.json), with a status callback per notification. */
import type { Logger } from '../../telemetry/logger.js';
import type { ChannelKind } from '../../domain/incident.js';
import type { Channel, Notice, Page, Recipient, SendResult } from '../../domain/ports.js';
import { TocsinError } from '../../domain/errors.js';
import type { MessagesConfig } from '../../config/messages-schema.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { renderSms } from '../render/render-sms.js';
import { smsStatusUrl } from './callback-urls.js';
import type { TwilioClient } from './client.js';
import { toChannelError } from './errors.js';
import { createdAfterAll, findMessage } from './unanswered-create.js';

export interface TwilioSmsChannelDeps {
  readonly client: TwilioClient;
  /**
   * Asks Twilio, after a create it did not answer, whether it took it (its own timeout,
   * channels.twilio.lookupTimeout); `client` when absent.
   */
  readonly lookup?: TwilioClient | undefined;
  /** Sending number (E.164). */
  readonly from: string;
  /** PUBLIC_URL: where Twilio posts status callbacks. */
  readonly publicUrl: string;
  readonly messages: MessagesConfig;
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'twilioErrors'> | undefined;
}

export class TwilioSmsChannel implements Channel {
  readonly kind = 'sms' as const;
  readonly live = true;
  private readonly deps: TwilioSmsChannelDeps;

  constructor(deps: TwilioSmsChannelDeps) {
    this.deps = deps;
  }

  async send(page: Page): Promise<SendResult> {
    const { client, from, publicUrl, messages, logger } = this.deps;
    const to = page.recipient.phone;
    if (!to) throw noNumber(page.recipient, page.channel);
    const sms = renderSms(messages, page);
    const since = Date.now();
    try {
      const msg = await client.messages.create({ to, from, body: sms.body, statusCallback: smsStatusUrl(publicUrl, page.notificationId) });
      logger.info({ notificationId: page.notificationId, incidentId: page.incident.id, channel: 'sms', providerId: msg.sid, segments: sms.segments, encoding: sms.encoding }, 'page sent');
      return { status: 'sent', providerId: msg.sid };
    } catch (e) {
      const err = toChannelError(e, 'sms');
      this.deps.metrics?.twilioErrors.inc({ code: String(err.details?.providerCode ?? 'unknown') });
      const ids = { notificationId: page.notificationId, incidentId: page.incident.id, channel: 'sms', providerCode: err.details?.providerCode };
      // taken by Twilio all the same: the person has it, another attempt would page them twice
      const sid = await createdAfterAll(e, () => findMessage(this.deps.lookup ?? client, { to, from, body: sms.body, since }), logger, ids);
      if (sid !== undefined) return { status: 'sent', providerId: sid };
      logger.warn({ ...ids, code: err.code }, 'page not sent');
      throw err;
    }
  }

  /** A message about no incident: the text alone, no reply line, no delivery callback. */
  async notice(notice: Notice): Promise<SendResult> {
    const { client, from, logger } = this.deps;
    const to = notice.recipient.phone;
    if (!to) throw noNumber(notice.recipient, 'sms');
    const since = Date.now();
    try {
      const msg = await client.messages.create({ to, from, body: notice.sms });
      logger.info({ noticeId: notice.id, channel: 'sms', providerId: msg.sid }, 'notice sent');
      return { status: 'sent', providerId: msg.sid };
    } catch (e) {
      const err = toChannelError(e, 'sms');
      this.deps.metrics?.twilioErrors.inc({ code: String(err.details?.providerCode ?? 'unknown') });
      const ids = { noticeId: notice.id, channel: 'sms', providerCode: err.details?.providerCode };
      const sid = await createdAfterAll(e, () => findMessage(this.deps.lookup ?? client, { to, from, body: notice.sms, since }), logger, ids);
      if (sid !== undefined) return { status: 'sent', providerId: sid };
      logger.warn({ ...ids, code: err.code }, 'notice not sent');
      throw err;
    }
  }
}

export function noNumber(recipient: Recipient, channel: ChannelKind): TocsinError {
  return new TocsinError('TOCSIN_ERR_CHANNEL_PERMANENT', `${recipient.id} has no phone number`, {
    details: { provider: 'twilio', channel, providerCode: 'no_phone_number' },
  });
}
