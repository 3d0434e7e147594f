/**
 * The inbound side of Twilio, as pure functions the HTTP routes call: signature check, status callbacks,
 * key presses and SMS replies → plain domain objects; TwiML answers. Unknown fields are ignored
 * (Twilio adds parameters without notice); the signature covers every posted parameter.
 */
import twilio from 'twilio';
import { TocsinError } from '../../domain/errors.js';
import type { TransitionAction } from '../../domain/ports.js';
import type { MessageLocale, MessagesConfig } from '../../config/messages-schema.js';
import { drillMarked } from '../render/drill-mark.js';
import { fillTemplate } from '../render/fill-template.js';
import { className } from '../render/page-context.js';
import { classifyTwilioCode, type FailureClass } from './errors.js';
import { buildGatherReplyTwiml, buildMessagingTwiml, type GatherReply } from './twiml.js';

export type { GatherReply };
export type Params = Readonly<Record<string, unknown>>;

// ---- signature --------------------------------------------------------------------------------

/**
 * X-Twilio-Signature check (HMAC-SHA1 over the full URL + sorted POST params, compared in constant time
 * by the SDK). `url` is the public URL Twilio called: PUBLIC_URL + path + query string.
 */
export function verifyTwilioSignature(authToken: string, url: string, params: Params, signatureHeader: string | undefined): boolean {
  if (!authToken || !signatureHeader) return false;
  try {
    return twilio.validateRequest(authToken, signatureHeader, url, params as Record<string, unknown>);
  } catch {
    return false;
  }
}

// ---- helpers ----------------------------------------------------------------------------------

function str(v: unknown): string | undefined {
  if (Array.isArray(v)) return str(v[0]);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function required(params: Params, name: string): string {
  const v = str(params[name]);
  if (v === undefined || v === '') throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `missing ${name}`, { details: { field: name } });
  return v;
}

function notificationIdOf(query: Params): string {
  return required(query, 'n');
}

function errorCode(params: Params): string | undefined {
  const v = str(params.ErrorCode);
  return v === undefined || v === '' ? undefined : v;
}

// ---- SMS status -------------------------------------------------------------------------------

export type DeliveryStatus = 'sent' | 'delivered' | 'failed';

export interface SmsStatusUpdate {
  readonly notificationId: string;
  readonly providerId: string;
  /** Twilio's MessageStatus as posted. */
  readonly providerStatus: string;
  /** What it means for the notification; undefined for in-between states (queued, sending…). */
  readonly status: DeliveryStatus | undefined;
  readonly providerCode?: string | undefined;
  /** For failures: whether another try on this number can help. */
  readonly failure?: FailureClass | undefined;
}

const SMS_STATUS: Readonly<Record<string, DeliveryStatus | undefined>> = {
  accepted: undefined,
  scheduled: undefined,
  queued: undefined,
  sending: undefined,
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  partially_delivered: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** Body of a POST to `/twilio/sms/status?n=<notificationId>`. */
export function parseSmsStatusCallback(params: Params, query: Params): SmsStatusUpdate {
  const providerStatus = (str(params.MessageStatus) ?? str(params.SmsStatus) ?? '').toLowerCase();
  if (providerStatus === '') throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', 'missing MessageStatus', { details: { field: 'MessageStatus' } });
  const status = SMS_STATUS[providerStatus];
  const providerCode = errorCode(params);
  return {
    notificationId: notificationIdOf(query),
    providerId: str(params.MessageSid) ?? required(params, 'SmsSid'),
    providerStatus,
    status,
    providerCode,
    failure: status === 'failed' ? (classifyTwilioCode(providerCode) ?? (providerStatus === 'canceled' ? 'permanent' : 'temporary')) : undefined,
  };
}

// ---- voice status -----------------------------------------------------------------------------

/**
 * How a call went. Only a key press acknowledges: `answered` means a person picked up and heard the
 * page, nothing more; `voicemail` means a machine answered (retry on the configured cadence).
 */
export type CallOutcome = 'in_progress' | 'answered' | 'voicemail' | 'no_answer' | 'busy' | 'failed' | 'canceled';

export interface VoiceStatusUpdate {
  readonly notificationId: string;
  readonly providerId: string;
  /** Twilio's CallStatus as posted. */
  readonly providerStatus: string;
  /** Twilio's AnsweredBy (human, machine_start, machine_end_beep, fax, unknown…) when AMD ran. */
  readonly answeredBy?: string | undefined;
  /** Orders the events of one call (they may arrive out of order). */
  readonly sequence?: number | undefined;
  /** True on the call's last event. */
  readonly final: boolean;
  readonly outcome: CallOutcome;
  /** For the notification record: sent while ringing, delivered when a person answered, failed otherwise. */
  readonly status: DeliveryStatus;
  /** Always false: a status callback never acknowledges; only the key press (Gather) does. */
  readonly acknowledged: false;
  /** Worth calling again later (no answer, busy, voicemail, transient failure). */
  readonly retry: boolean;
  readonly durationSeconds?: number | undefined;
  readonly providerCode?: string | undefined;
}

export function isMachine(answeredBy: string | undefined): boolean {
  return answeredBy !== undefined && (answeredBy.startsWith('machine') || answeredBy === 'fax');
}

/** Body of a POST to `/twilio/voice/status?n=<notificationId>`. */
export function parseVoiceStatusCallback(params: Params, query: Params): VoiceStatusUpdate {
  const providerStatus = required(params, 'CallStatus').toLowerCase();
  const answeredBy = str(params.AnsweredBy)?.toLowerCase() || undefined;
  const seq = Number(str(params.SequenceNumber));
  const dur = Number(str(params.CallDuration));
  const providerCode = errorCode(params) ?? (str(params.SipResponseCode) ? `sip_${str(params.SipResponseCode)}` : undefined);
  const machine = isMachine(answeredBy);

  let outcome: CallOutcome;
  let final = true;
  switch (providerStatus) {
    case 'queued':
    case 'initiated':
    case 'ringing':
      outcome = 'in_progress';
      final = false;
      break;
    case 'in-progress':
    case 'answered':
      outcome = machine ? 'voicemail' : 'answered';
      final = false;
      break;
    case 'completed':
      outcome = machine ? 'voicemail' : 'answered';
      break;
    case 'busy':
      outcome = 'busy';
      break;
    case 'no-answer':
      outcome = 'no_answer';
      break;
    case 'canceled':
      outcome = 'canceled';
      break;
    default:
      outcome = 'failed';
  }
  const status: DeliveryStatus = outcome === 'answered' ? 'delivered' : final ? 'failed' : 'sent';
  const failure = outcome === 'failed' ? classifyTwilioCode(errorCode(params)) : undefined;
  return {
    notificationId: notificationIdOf(query),
    providerId: required(params, 'CallSid'),
    providerStatus,
    answeredBy,
    sequence: Number.isFinite(seq) ? seq : undefined,
    final,
    outcome,
    status,
    acknowledged: false,
    retry: final && (outcome === 'voicemail' || outcome === 'no_answer' || outcome === 'busy' || (outcome === 'failed' && failure !== 'permanent')),
    durationSeconds: Number.isFinite(dur) && str(params.CallDuration) !== undefined ? dur : undefined,
    providerCode,
  };
}

// ---- key presses ------------------------------------------------------------------------------

export type KeyAction = TransitionAction | 'escalate' | 'repeat' | 'unknown';

export interface GatherResult {
  readonly notificationId: string;
  readonly providerId: string;
  readonly digits: string;
  /** 4 acknowledge, 6 resolve, 5 escalate now, * repeat; anything else unknown. */
  readonly action: KeyAction;
  /** Twilio's AnsweredBy when present (a machine cannot press keys, but say so if Twilio does). */
  readonly answeredBy?: string | undefined;
}

const KEYS: Readonly<Record<string, KeyAction>> = { '4': 'acknowledge', '6': 'resolve', '5': 'escalate', '*': 'repeat' };

/** Body of a POST to `/twilio/voice/gather?n=<notificationId>`. */
export function parseGatherAction(params: Params, query: Params): GatherResult {
  const digits = (str(params.Digits) ?? '').trim();
  return {
    notificationId: notificationIdOf(query),
    providerId: required(params, 'CallSid'),
    digits,
    action: KEYS[digits] ?? 'unknown',
    answeredBy: str(params.AnsweredBy) || undefined,
  };
}

/**
 * The TwiML answer to a key press, in the person's language. `actionUrl`: this Gather URL again
 * (repeat / invalid key), whose menu waits `keyTimeoutSeconds` for a key.
 */
export function gatherReplyTwiml(messages: MessagesConfig, locale: MessageLocale, reply: GatherReply, actionUrl: string, keyTimeoutSeconds: number): string {
  return buildGatherReplyTwiml(messages.locales[locale], reply, actionUrl, keyTimeoutSeconds);
}

// ---- SMS replies ------------------------------------------------------------------------------

export type SmsReply = { readonly kind: 'command'; readonly code: string; readonly action: TransitionAction } | { readonly kind: 'unknown' };

const CODE = '([a-z0-9][a-z0-9-]{0,31})';
const ACK_WORDS = '(?:ack|acknowledge|a)';
const RESOLVE_WORDS = '(?:resolve|res|c)';
const PATTERNS: ReadonlyArray<readonly [RegExp, TransitionAction]> = [
  [new RegExp(`^(?:ack|acknowledge)(?:\\s*[:#]\\s*|\\s+)${CODE}$`), 'acknowledge'],
  [new RegExp(`^(?:resolve|res)(?:\\s*[:#]\\s*|\\s+)${CODE}$`), 'resolve'],
  [new RegExp(`^${CODE}\\s+${ACK_WORDS}$`), 'acknowledge'],
  [new RegExp(`^${CODE}\\s+${RESOLVE_WORDS}$`), 'resolve'],
  [new RegExp(`^${CODE}a$`), 'acknowledge'],
  [new RegExp(`^${CODE}c$`), 'resolve'],
];

/**
 * `<code>a` acknowledges, `<code>c` resolves; `ack <code>` and `resolve <code>` work too. Case- and
 * space-tolerant ("12A", " 12 a ", "ACK 12"). The code comes back upper-case: compare codes case-insensitively.
 */
export function parseSmsReply(body: string): SmsReply {
  const text = body
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u3000]+/g, ' ')
    .replace(/[.!。！]+$/u, '')
    .trim();
  for (const [re, action] of PATTERNS) {
    const m = re.exec(text);
    const code = m?.[1];
    if (code) return { kind: 'command', code: code.toUpperCase(), action };
  }
  return { kind: 'unknown' };
}

export interface InboundSms {
  readonly providerId: string;
  /** The person's number (E.164): map it to a person before trusting the code. */
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly reply: SmsReply;
}

/** Body of a POST to `/twilio/sms` (the number's incoming-message URL). */
export function parseInboundSms(params: Params): InboundSms {
  const body = str(params.Body) ?? '';
  return {
    providerId: str(params.MessageSid) ?? required(params, 'SmsSid'),
    from: required(params, 'From'),
    to: str(params.To) ?? '',
    body,
    reply: parseSmsReply(body),
  };
}

export type SmsReplyOutcome = 'acknowledged' | 'resolved' | 'alreadyResolved' | 'unknownCode' | 'notUnderstood';

export interface SmsReplyFacts {
  readonly code?: string | undefined;
  /** The incident's class id (named in the reader's language). */
  readonly classId?: string | undefined;
  readonly site?: string | undefined;
  readonly summary?: string | undefined;
  /** The incident is a drill: the reply is marked DRILL, as its page was. */
  readonly drill?: boolean | undefined;
}

/** The confirmation text for an SMS reply, in the person's language. */
export function smsReplyText(messages: MessagesConfig, locale: MessageLocale, outcome: SmsReplyOutcome, facts: SmsReplyFacts = {}): string {
  const words = messages.locales[locale];
  const cls = facts.classId === undefined ? undefined : className(words, facts.classId);
  return drillMarked(facts.drill, words.drill, fillTemplate(words.replies[outcome], { code: facts.code, class: cls, site: facts.site, summary: facts.summary }));
}

/** `<Response><Message>…</Message></Response>` answering an SMS reply (empty text: `<Response/>`). */
export function smsReplyTwiml(text?: string): string {
  return buildMessagingTwiml(text);
}
