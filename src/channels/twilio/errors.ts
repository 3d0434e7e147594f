/**
 * Twilio failures → TocsinError, classified by Twilio error code and HTTP status, never by message text.
 * Permanent: retrying the same destination cannot help (fail over to the person's next channel).
 * Temporary: rate limits, Twilio 5xx, network trouble, timeouts (retry with backoff).
 */
import { TocsinError } from '../../domain/errors.js';

/** Twilio error codes that mean "this destination / request will never work as is". */
export const PERMANENT_TWILIO_CODES: ReadonlySet<number> = new Set([
  20003, // authentication failed (wrong account or token)
  20404, // resource not found
  21201, // no 'To' number
  21205, // invalid URL (callback)
  21210, // 'From' not verified for this account
  21211, // invalid 'To' phone number
  21212, // invalid 'From' number
  21213, // 'From' required
  21214, // 'To' number cannot be reached
  21215, // geo permission: calls to this region not allowed
  21216, // call blocked
  21217, // phone number does not appear to be valid
  21219, // 'To' not verified (trial account)
  21401, // invalid phone number
  21402, // invalid URL
  21407, // destination not supported
  21408, // permission to send an SMS not enabled for the region
  21421, // phone number is invalid
  21601, // 'To' is not a valid SMS number
  21602, // message body required
  21603, // 'From' required
  21604, // 'To' required
  21606, // 'From' cannot send SMS
  21608, // unverified number (trial)
  21610, // recipient unsubscribed (replied STOP)
  21612, // cannot route SMS to this number
  21614, // 'To' is not a mobile number
  21617, // body exceeds 1 600 characters
  21660, // 'From' does not belong to this account
  13223, // invalid phone number format (voice)
  13224, // invalid phone number (voice)
  13225, // forbidden phone number (voice)
  13227, // geo permission for the destination not enabled (voice)
  30002, // account suspended
  30004, // message blocked
  30005, // unknown destination handset
  30006, // landline or unreachable carrier
  30007, // carrier filtering
  32017, // carrier blocked call
]);

/** Codes that are worth a retry even though Twilio answered 4xx. */
export const TEMPORARY_TWILIO_CODES: ReadonlySet<number> = new Set([
  14107, // SMS rate limit exceeded
  20429, // too many requests
  20500, // internal error
  20503, // service unavailable
  30001, // queue overflow
  30003, // handset unreachable (off, out of coverage)
  30008, // unknown error
  30009, // missing segment
  30010, // message price exceeds max price
  31005, // connection error (voice)
  31009, // transport error (voice)
]);

export type FailureClass = 'permanent' | 'temporary';

/** How a Twilio error code alone (e.g. a status callback's ErrorCode) is classified; undefined when unknown. */
export function classifyTwilioCode(code: number | string | undefined): FailureClass | undefined {
  const n = typeof code === 'string' ? Number(code) : code;
  if (n === undefined || !Number.isFinite(n)) return undefined;
  if (PERMANENT_TWILIO_CODES.has(n)) return 'permanent';
  if (TEMPORARY_TWILIO_CODES.has(n)) return 'temporary';
  return undefined;
}

/** Network error codes of Node / axios: the request may not have reached Twilio. */
const NETWORK_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ESOCKETTIMEDOUT', 'ERR_CANCELED']);

/** Of those, the ones raised before the request reached Twilio: nothing can have been created. */
const NOT_REACHED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

interface ErrorShape {
  readonly status?: unknown;
  readonly code?: unknown;
  readonly response?: { readonly status?: unknown } | undefined;
}

/** Turns anything the twilio SDK threw into TOCSIN_ERR_CHANNEL_PERMANENT / _TEMPORARY with details.providerCode. */
export function toChannelError(err: unknown, channel: 'sms' | 'voice'): TocsinError {
  if (err instanceof TocsinError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  const twilioCode = typeof e.code === 'number' ? e.code : undefined;
  const status = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : undefined;
  const netCode = typeof e.code === 'string' ? e.code : undefined;

  let klass: FailureClass;
  let providerCode: number | string;
  const byCode = classifyTwilioCode(twilioCode);
  if (byCode !== undefined) {
    klass = byCode;
    providerCode = twilioCode as number;
  } else if (status !== undefined) {
    klass = status === 408 || status === 429 || status >= 500 ? 'temporary' : status >= 400 ? 'permanent' : 'temporary';
    providerCode = twilioCode ?? `http_${status}`;
  } else {
    // No HTTP answer: a network failure or a timeout.
    klass = 'temporary';
    providerCode = netCode !== undefined && NETWORK_CODES.has(netCode) ? netCode : (netCode ?? 'network');
  }
  const code = klass === 'permanent' ? 'TOCSIN_ERR_CHANNEL_PERMANENT' : 'TOCSIN_ERR_CHANNEL_TEMPORARY';
  const message = klass === 'permanent' ? `twilio ${channel} rejected the page` : `twilio ${channel} is unavailable`;
  return new TocsinError(code, message, {
    cause: err,
    details: { provider: 'twilio', channel, providerCode, ...(status !== undefined ? { httpStatus: status } : {}) },
  });
}

/**
 * Whether a create the twilio SDK threw on may have been taken by Twilio all the same: no HTTP answer
 * came back (a timeout, a dropped connection) after the request could have reached it. Twilio's own
 * answers (any status) and failures before the request left (refused, no DNS) are known outcomes.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (err instanceof TocsinError) return false;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  if (typeof e.status === 'number' || typeof e.response?.status === 'number' || typeof e.code === 'number') return false;
  return !(typeof e.code === 'string' && NOT_REACHED_CODES.has(e.code));
}
