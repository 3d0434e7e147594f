/** One door for the channels: render a page for its channel from the configured templates. */
import type { ChannelKind } from '../../domain/incident.js';
import type { Page } from '../../domain/ports.js';
import type { MessagesConfig } from '../../config/messages-schema.js';
import { assertNever } from '../../domain/errors.js';
import { renderEmail, type RenderedEmail } from './render-email.js';
import { renderSms, type RenderedSms } from './render-sms.js';
import { renderVoice, type VoiceScript } from './render-voice.js';

export type { RenderedEmail, RenderedSms, VoiceScript };
export type RenderedMessage = RenderedSms | VoiceScript | RenderedEmail;
export type RenderedFor<C extends ChannelKind> = Extract<RenderedMessage, { channel: C }>;

export function renderPage<C extends ChannelKind>(messages: MessagesConfig, page: Page, channel: C): RenderedFor<C>;
export function renderPage(messages: MessagesConfig, page: Page, channel: ChannelKind): RenderedMessage {
  switch (channel) {
    case 'sms':
      return renderSms(messages, page);
    case 'voice':
      return renderVoice(messages, page);
    case 'email':
      return renderEmail(messages, page);
    default:
      return assertNever(channel);
  }
}
