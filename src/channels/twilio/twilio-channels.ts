/** Builds both Twilio channels from settings, so nothing outside this folder touches twilio SDK types. */
import type { Channel } from '../../domain/ports.js';
import type { MessagesConfig } from '../../config/messages-schema.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { createTwilioClient, type TwilioSettings } from './client.js';
import { TwilioSmsChannel } from './sms-channel.js';
import { TwilioVoiceChannel, type VoiceCallSettings } from './voice-channel.js';

export interface TwilioChannelsOptions {
  /** TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_FROM / TWILIO_API_URL (Env.twilio). */
  readonly settings: TwilioSettings;
  /** PUBLIC_URL (Env.publicUrl). */
  readonly publicUrl: string;
  readonly messages: MessagesConfig;
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'twilioErrors'> | undefined;
  /** Paging calls: ring time, answering-machine detection, key wait (daemon.yaml channels.twilio.voice). */
  readonly voice: VoiceCallSettings;
  /** Per-request timeout towards the Twilio API (daemon.yaml channels.twilio.timeout). */
  readonly timeoutMs: number;
  /**
   * Timeout of the request asking Twilio whether it took a create it did not answer (daemon.yaml
   * channels.twilio.lookupTimeout); timeoutMs when absent.
   */
  readonly lookupTimeoutMs?: number | undefined;
}

export function createTwilioChannels(options: TwilioChannelsOptions): { readonly sms: Channel; readonly voice: Channel } {
  const client = createTwilioClient(options.settings, { timeoutMs: options.timeoutMs });
  const lookup = options.lookupTimeoutMs === undefined ? client : createTwilioClient(options.settings, { timeoutMs: options.lookupTimeoutMs });
  const deps = {
    client,
    lookup,
    from: options.settings.from,
    publicUrl: options.publicUrl,
    messages: options.messages,
    logger: options.logger,
    metrics: options.metrics,
  };
  return { sms: new TwilioSmsChannel(deps), voice: new TwilioVoiceChannel({ ...deps, settings: options.voice }) };
}
