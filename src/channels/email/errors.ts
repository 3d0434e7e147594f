/**
 * SMTP failures → TocsinError by SMTP reply code and nodemailer error code, never by message text.
 * 5xx (recipient or message rejected, auth refused) is permanent; 4xx and connection trouble are temporary.
 */
import { TocsinError } from '../../domain/errors.js';

interface SmtpErrorShape {
  readonly responseCode?: unknown;
  readonly code?: unknown;
}

export function toEmailError(err: unknown): TocsinError {
  if (err instanceof TocsinError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpErrorShape;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const permanent = reply !== undefined ? reply >= 500 && reply < 600 : code === 'EENVELOPE' || code === 'EMESSAGE';
  const providerCode = reply ?? code ?? 'unknown';
  return new TocsinError(permanent ? 'TOCSIN_ERR_CHANNEL_PERMANENT' : 'TOCSIN_ERR_CHANNEL_TEMPORARY', permanent ? 'smtp rejected the page' : 'smtp is unavailable', {
    cause: err,
    details: { provider: 'smtp', channel: 'email', providerCode },
  });
}
