/** Wires the Twilio adapter's parsing and TwiML into the codec the callback routes take (ingest never imports channels). */
import { gatherReplyTwiml, parseGatherAction, parseInboundSms, parseSmsStatusCallback, parseVoiceStatusCallback, smsReplyText, smsReplyTwiml } from '../channels/twilio/callbacks.js';
import { renderVoice } from '../channels/render/render-voice.js';
import type { KeyAnswer } from '../app/phone-actions.js';
import type { Config } from '../config/load-config.js';
import type { MessagesConfig } from '../config/messages-schema.js';
import type { Phase } from '../domain/ports.js';
import type { TwilioCallbackCodec } from '../ingest/twilio-callbacks.js';

/** The Twilio adapter's parsing and TwiML, handed to the callback routes (ingest never imports channels). */
export function twilioCodec(messages: MessagesConfig, config: Config): TwilioCallbackCodec {
  const script = (a: KeyAnswer) => {
    const { incident, notification: n, recipient } = a;
    if (!incident || !n || !recipient) return undefined;
    return renderVoice(messages, {
      notificationId: n.id,
      incident,
      recipient,
      role: n.role,
      tier: n.tier,
      channel: 'voice',
      phase: (n.phase ?? 'page') as Phase,
      note: n.note,
      advice: config.playbooks.classes[incident.class]?.advice,
      code: n.code ?? '',
      links: { ack: '', resolve: '' },
    });
  };
  const keyTimeoutSeconds = config.daemon.channels.twilio.voice.keyTimeout / 1000;
  return {
    parseInboundSms: (p) => parseInboundSms(p),
    parseGather: (p, q) => parseGatherAction(p, q),
    parseSmsStatus: (p, q) => {
      const u = parseSmsStatusCallback(p, q);
      return { ...u, final: u.status === 'delivered' || u.status === 'failed', outcome: u.status === 'failed' ? u.providerStatus : undefined };
    },
    parseVoiceStatus: (p, q) => {
      const u = parseVoiceStatusCallback(p, q);
      return { ...u, failure: u.status === 'failed' ? (u.retry ? 'temporary' : 'permanent') : undefined };
    },
    smsAnswer: (a) => smsReplyTwiml(smsReplyText(messages, a.locale, a.outcome, { code: a.code, classId: a.classId, site: a.site, summary: a.summary, drill: a.drill })),
    gatherAnswer: (a, url) => {
      switch (a.reply) {
        case 'repeat':
        case 'invalid_key':
          return gatherReplyTwiml(messages, a.locale, { kind: a.reply, script: script(a), drill: a.drill }, url, keyTimeoutSeconds);
        default:
          return gatherReplyTwiml(messages, a.locale, { kind: a.reply, drill: a.drill }, url, keyTimeoutSeconds);
      }
    },
  };
}
