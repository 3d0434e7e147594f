/** Paging calls through the twilio SDK (Calls.json): inline TwiML with the key menu, AMD, status callbacks. */
import type { Logger } from '../../telemetry/logger.js';
import type { Channel, Page, SendResult } from '../../domain/ports.js';
import type { MessagesConfig } from '../../config/messages-schema.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { renderVoice } from '../render/render-voice.js';
import { voiceGatherUrl, voiceStatusUrl } from './callback-urls.js';
import type { TwilioClient } from './client.js';
import { toChannelError } from './errors.js';
import { createdAfterAll, findCall } from './unanswered-create.js';
import { noNumber } from './sms-channel.js';
import { buildVoiceTwiml } from './twiml.js';

/** How a paging call is placed (daemon.yaml channels.twilio.voice). */
export interface VoiceCallSettings {
  /** Seconds the phone rings before Twilio gives up (no-answer): the call's Timeout. */
  readonly ringTimeoutSeconds: number;
  /** Answering-machine detection: voicemail is told apart from a person (AnsweredBy). */
  readonly machineDetection: 'Enable' | 'DetectMessageEnd';
  /** Seconds the key menu waits for a key (`<Gather timeout>`). */
  readonly keyTimeoutSeconds: number;
}

export interface TwilioVoiceChannelDeps {
  readonly client: TwilioClient;
  /** Asks Twilio, after a create it did not answer, whether it placed the call (channels.twilio.lookupTimeout); `client` when absent. */
  readonly lookup?: TwilioClient | undefined;
  readonly from: string;
  readonly publicUrl: string;
  readonly messages: MessagesConfig;
  readonly logger: Logger;
  readonly settings: VoiceCallSettings;
  readonly metrics?: Pick<Metrics, 'twilioErrors'> | undefined;
}

export class TwilioVoiceChannel implements Channel {
  readonly kind = 'voice' as const;
  readonly live = true;
  private readonly deps: TwilioVoiceChannelDeps;

  constructor(deps: TwilioVoiceChannelDeps) {
    this.deps = deps;
  }

  async send(page: Page): Promise<SendResult> {
    const { client, from, publicUrl, messages, logger, settings } = this.deps;
    const to = page.recipient.phone;
    if (!to) throw noNumber(page.recipient, page.channel);
    const twiml = buildVoiceTwiml(renderVoice(messages, page), voiceGatherUrl(publicUrl, page.notificationId), settings.keyTimeoutSeconds);
    const since = Date.now();
    try {
      const call = await client.calls.create({
        to,
        from,
        twiml,
        statusCallback: voiceStatusUrl(publicUrl, page.notificationId),
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        statusCallbackMethod: 'POST',
        timeout: settings.ringTimeoutSeconds,
        machineDetection: settings.machineDetection,
      });
      logger.info({ notificationId: page.notificationId, incidentId: page.incident.id, channel: 'voice', providerId: call.sid }, 'page sent');
      return { status: 'sent', providerId: call.sid };
    } catch (e) {
      const err = toChannelError(e, 'voice');
      this.deps.metrics?.twilioErrors.inc({ code: String(err.details?.providerCode ?? 'unknown') });
      const ids = { notificationId: page.notificationId, incidentId: page.incident.id, channel: 'voice', providerCode: err.details?.providerCode };
      // placed by Twilio all the same: the phone is ringing, another attempt would call twice
      const sid = await createdAfterAll(e, () => findCall(this.deps.lookup ?? client, { to, from, since }), logger, ids);
      if (sid !== undefined) return { status: 'sent', providerId: sid };
      logger.warn({ ...ids, code: err.code }, 'page not sent');
      throw err;
    }
  }
}
