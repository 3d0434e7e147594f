/** TwiML documents built with the twilio SDK: the paging call, answers to key presses and SMS replies. */
import twilio from 'twilio';
import type VoiceResponseNs from 'twilio/lib/twiml/VoiceResponse.js';
import type { LocaleMessages } from '../../config/messages-schema.js';
import { drillMarked } from '../render/drill-mark.js';
import type { VoiceScript } from '../render/render-voice.js';

/** Spoken after key 5 when no tier is left and messages.yaml (written before it existed) has no voice.noFurtherTier. */
const NO_FURTHER_TIER = 'There is no further tier to page; the incident stays with you. Goodbye.';

type VoiceResponse = twilio.twiml.VoiceResponse;

interface Speech {
  readonly language: string;
  readonly voice?: string | undefined;
}

function sayAttrs(s: Speech): VoiceResponseNs.SayAttributes {
  const language = s.language as VoiceResponseNs.SayAttributes['language'];
  return s.voice === undefined ? { language } : { voice: s.voice as VoiceResponseNs.SayAttributes['voice'], language };
}

/** A one-key `<Gather>` that waits `timeoutSeconds` for the key after its prompt. */
function gather(vr: VoiceResponse, actionUrl: string, timeoutSeconds: number) {
  return vr.gather({ input: ['dtmf'], numDigits: 1, action: actionUrl, method: 'POST', timeout: timeoutSeconds, actionOnEmptyResult: false });
}

/**
 * The paging call: the page spoken inside a one-key `<Gather>` (4 acknowledge, 6 resolve, 5 escalate,
 * * repeat), the menu once more, then goodbye; each menu waits `keyTimeoutSeconds` for a key.
 * Informational calls (all clear) just speak and hang up.
 */
export function buildVoiceTwiml(script: VoiceScript, actionUrl: string, keyTimeoutSeconds: number): string {
  const vr = new twilio.twiml.VoiceResponse();
  const attrs = sayAttrs(script);
  if (script.menu === undefined) {
    vr.say(attrs, script.say);
    vr.hangup();
    return vr.toString();
  }
  const g = gather(vr, actionUrl, keyTimeoutSeconds);
  g.say(attrs, script.say);
  g.pause({ length: 1 });
  g.say(attrs, script.menu);
  const again = gather(vr, actionUrl, keyTimeoutSeconds);
  again.say(attrs, script.menu);
  vr.say(attrs, script.noInput);
  vr.hangup();
  return vr.toString();
}

/** What the daemon made of a key press, to be answered on the call. */
export type GatherReply = (
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'resolved' }
  | { readonly kind: 'escalated' }
  /** Key 5 with no tier left to page. */
  | { readonly kind: 'no_further_tier' }
  | { readonly kind: 'already_resolved' }
  | { readonly kind: 'not_active' }
  /** `*`: the page again (when the script is at hand) or the menu alone. */
  | { readonly kind: 'repeat'; readonly script?: VoiceScript | undefined }
  | { readonly kind: 'invalid_key'; readonly script?: VoiceScript | undefined }
) & {
  /** The call was a drill's: the answer says so first, as the page did. */
  readonly drill?: boolean | undefined;
};

/** The answer to a key press; a repeated page or menu waits `keyTimeoutSeconds` for a key again. */
export function buildGatherReplyTwiml(words: LocaleMessages, reply: GatherReply, actionUrl: string, keyTimeoutSeconds: number): string {
  const speech: Speech = { language: words.sayLanguage, voice: words.sayVoice };
  const attrs = sayAttrs(speech);
  const vr = new twilio.twiml.VoiceResponse();
  const marked = (text: string) => drillMarked(reply.drill, words.drillSpoken, text);
  const end = (text: string) => {
    vr.say(attrs, marked(text));
    vr.hangup();
    return vr.toString();
  };
  switch (reply.kind) {
    case 'acknowledged':
      return end(words.voice.acknowledged);
    case 'resolved':
      return end(words.voice.resolved);
    case 'escalated':
      return end(words.voice.escalated);
    case 'no_further_tier':
      return end(words.voice.noFurtherTier ?? NO_FURTHER_TIER);
    case 'already_resolved':
      return end(words.voice.alreadyResolved);
    case 'not_active':
      return end(words.voice.notActive);
    case 'repeat':
    case 'invalid_key': {
      if (reply.kind === 'invalid_key') vr.say(attrs, marked(words.voice.invalidKey));
      const g = gather(vr, actionUrl, keyTimeoutSeconds);
      // a repeated page is marked already; the menu alone is marked when nothing came before it
      if (reply.kind === 'repeat' && reply.script) g.say(sayAttrs(reply.script), reply.script.say);
      g.say(attrs, reply.kind === 'repeat' && !reply.script ? marked(words.voice.menu) : words.voice.menu);
      vr.say(attrs, words.voice.noInput);
      vr.hangup();
      return vr.toString();
    }
  }
}

/** `<Response><Message>text</Message></Response>`, or an empty `<Response/>` (nothing sent back). */
export function buildMessagingTwiml(text?: string): string {
  const mr = new twilio.twiml.MessagingResponse();
  if (text !== undefined && text !== '') mr.message(text);
  return mr.toString();
}
