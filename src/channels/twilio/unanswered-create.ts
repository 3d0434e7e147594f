/**
 * A create Twilio did not answer (timed out, connection dropped) may have been taken all the same: the
 * person already has the message or the call. Before the page counts as failed (and is sent again),
 * Twilio is asked what it has: the messages / calls from our number to that number since this attempt
 * began, matched by what only this attempt carries.
 */
import type { Logger } from '../../telemetry/logger.js';
import type { TwilioClient } from './client.js';
import { outcomeUnknown } from './errors.js';

/**
 * The newest messages / calls to the number looked through: Twilio lists them newest first, and a
 * person gets a handful of pages in the seconds one request lasts, not dozens.
 */
const LOOKUP_LIMIT = 20;

export interface CreateAttempt {
  readonly to: string;
  readonly from: string;
  /** When the create began (ms, real time: Twilio's clock is). */
  readonly since: number;
}

/** Twilio's timestamps are whole seconds: one created in the second the attempt began counts. */
function createdSince(at: Date | undefined, since: number): boolean {
  return at !== undefined && !Number.isNaN(at.getTime()) && at.getTime() >= Math.floor(since / 1000) * 1000;
}

/**
 * The sid of the message this attempt created, if Twilio has one: same number, same body (it carries
 * the page's reply code, one per attempt), created since the attempt began. Listed by To and From
 * only, not by DateSent: a message still queued has no date sent yet.
 */
export async function findMessage(client: TwilioClient, attempt: CreateAttempt & { readonly body: string }): Promise<string | undefined> {
  const found = await client.messages.list({ to: attempt.to, from: attempt.from, limit: LOOKUP_LIMIT });
  return found.find((m) => m.body === attempt.body && createdSince(m.dateCreated, attempt.since))?.sid;
}

/**
 * The sid of the call this attempt placed, if Twilio has one: from our number to that number, created
 * since the attempt began (Twilio keeps neither a call's TwiML nor its status callback on the Call
 * resource, so the number and the time are all there is to match). Not by StartTime: a call still
 * queued has not started.
 */
export async function findCall(client: TwilioClient, attempt: CreateAttempt): Promise<string | undefined> {
  const found = await client.calls.list({ to: attempt.to, from: attempt.from, limit: LOOKUP_LIMIT });
  return found.filter((c) => createdSince(c.dateCreated, attempt.since)).at(-1)?.sid;
}

/**
 * After a create failed: the sid Twilio created it under when its outcome was unknown and Twilio has
 * it, else undefined (a known failure, nothing found, or Twilio could not be asked). Asking failing
 * too, the page counts as not sent and goes again: for a pager a page twice is the lesser harm, a page
 * never sent is the one that cannot be had back. Logged either way (`what`: ids, never numbers).
 */
export async function createdAfterAll(err: unknown, find: () => Promise<string | undefined>, logger: Logger, what: Record<string, unknown>): Promise<string | undefined> {
  if (!outcomeUnknown(err)) return undefined;
  try {
    const sid = await find();
    if (sid !== undefined) logger.warn({ ...what, providerId: sid }, 'Twilio did not answer, but had taken it: sent, not sent again');
    else logger.info(what, 'Twilio did not answer and has nothing of it: not sent');
    return sid;
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    logger.warn({ ...what, lookupCode: typeof code === 'string' || typeof code === 'number' ? code : 'unknown' }, 'Twilio did not answer, nor when asked whether it had taken it: counted as not sent and sent again (twice rather than never)');
    return undefined;
  }
}
