/** Wires the outgoing channels (SMS, voice, e-mail) from the environment: Twilio and SMTP when configured, log mode otherwise. */
import { LogChannel } from '../channels/log-channel.js';
import { createEmailChannel } from '../channels/email/email-channel.js';
import { createTwilioChannels } from '../channels/twilio/twilio-channels.js';
import type { MessagesConfig } from '../config/messages-schema.js';
import type { ChannelKind } from '../domain/incident.js';
import type { Channel } from '../domain/ports.js';
import type { DaemonCore } from './daemon-core.js';

/**
 * The channels from the environment: Twilio SMS and voice with TWILIO_ACCOUNT_SID / AUTH_TOKEN / FROM,
 * e-mail with SMTP_URL; otherwise log mode for that kind (recorded as `logged`, never dropped).
 */
export function buildChannels(core: Pick<DaemonCore, 'env' | 'config' | 'logger' | 'metrics'>, messages: MessagesConfig): { channels: Record<ChannelKind, Channel>; close: () => void } {
  const { env, config, logger, metrics } = core;
  const calls = config.daemon.channels.twilio.voice;
  const twilio = env.twilio
    ? createTwilioChannels({
        settings: env.twilio,
        publicUrl: env.publicUrl,
        messages,
        logger,
        metrics,
        timeoutMs: config.daemon.channels.twilio.timeout,
        lookupTimeoutMs: config.daemon.channels.twilio.lookupTimeout,
        voice: { ringTimeoutSeconds: calls.ringTimeout / 1000, machineDetection: calls.machineDetection, keyTimeoutSeconds: calls.keyTimeout / 1000 },
      })
    : undefined;
  const smtp = config.daemon.channels.email;
  const email = env.smtpUrl
    ? createEmailChannel({
        smtpUrl: env.smtpUrl,
        from: env.mailFrom,
        messages,
        logger,
        smtp: { connectionTimeoutMs: smtp.connectTimeout, greetingTimeoutMs: smtp.greetingTimeout, socketTimeoutMs: smtp.socketTimeout, sendTimeoutMs: smtp.sendTimeout },
      })
    : undefined;
  logger.info({ sms: twilio ? 'twilio' : 'log', voice: twilio ? 'twilio' : 'log', email: email ? 'smtp' : 'log' }, 'channels');
  return {
    channels: {
      sms: twilio?.sms ?? new LogChannel('sms', logger),
      voice: twilio?.voice ?? new LogChannel('voice', logger),
      email: email ?? new LogChannel('email', logger),
    },
    close: () => email?.close(),
  };
}
