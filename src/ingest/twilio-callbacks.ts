/**
 * Twilio's way back, under /twilio (form bodies, X-Twilio-Signature checked against PUBLIC_URL + the
 * path and query Twilio called; a wrong or missing signature is 403 and changes nothing):
 *  - POST /twilio/sms             inbound replies (`<code>a`, `<code>c`, `ack <code>`) → TwiML answer;
 *  - POST /twilio/voice/gather    key presses on a paging call (?n=<notification>) → TwiML;
 *  - POST /twilio/voice/status    call progress (?n=…);
 *  - POST /twilio/sms/status      message delivery (?n=…).
 * Vendor parsing and TwiML come in through `codec` (the container passes the Twilio adapter's functions).
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { DeliveryUpdate, KeyAction, KeyAnswer, PhoneActions, SmsAnswer, SmsCommand } from '../app/phone-actions.js';
import { TocsinError } from '../domain/errors.js';
import type { TwilioSignatureCheck } from './taskrouter.js';

type Params = Readonly<Record<string, unknown>>;

export interface TwilioCallbackCodec {
  parseInboundSms(params: Params): { readonly from: string; readonly reply: SmsCommand };
  parseGather(params: Params, query: Params): { readonly notificationId: string; readonly action: KeyAction };
  parseSmsStatus(params: Params, query: Params): DeliveryUpdate;
  parseVoiceStatus(params: Params, query: Params): DeliveryUpdate;
  /** TwiML (MessagingResponse) answering an SMS reply. */
  smsAnswer(answer: SmsAnswer): string;
  /** TwiML (VoiceResponse) answering a key press; `actionUrl` is this Gather URL again. */
  gatherAnswer(answer: KeyAnswer, actionUrl: string): string;
}

export interface TwilioCallbackDeps {
  readonly actions: Pick<PhoneActions, 'smsReply' | 'keypress' | 'delivery'>;
  readonly codec: TwilioCallbackCodec;
  /** PUBLIC_URL without a trailing slash. */
  readonly publicUrl: string;
  /** Undefined when no TWILIO_AUTH_TOKEN is configured: every callback is then refused. */
  readonly verifySignature: TwilioSignatureCheck | undefined;
}

export const TWILIO_CALLBACK_PATHS = {
  smsInbound: '/twilio/sms',
  smsStatus: '/twilio/sms/status',
  voiceGather: '/twilio/voice/gather',
  voiceStatus: '/twilio/voice/status',
} as const;

export function twilioCallbackRoutes(deps: TwilioCallbackDeps): Router {
  const router = Router();
  const signed = signatureCheck(deps);
  const xml = (res: import('express').Response, twiml: string) => res.status(200).type('text/xml').send(twiml);

  router.post(TWILIO_CALLBACK_PATHS.smsInbound, signed, async (req, res) => {
    const sms = deps.codec.parseInboundSms(paramsOf(req));
    const answer = await deps.actions.smsReply(sms.from, sms.reply);
    xml(res, deps.codec.smsAnswer(answer));
  });

  router.post(TWILIO_CALLBACK_PATHS.voiceGather, signed, async (req, res) => {
    const key = deps.codec.parseGather(paramsOf(req), queryOf(req));
    const answer = await deps.actions.keypress(key.notificationId, key.action);
    xml(res, deps.codec.gatherAnswer(answer, `${deps.publicUrl}${req.originalUrl}`));
  });

  router.post(TWILIO_CALLBACK_PATHS.voiceStatus, signed, async (req, res) => {
    await deps.actions.delivery('voice', deps.codec.parseVoiceStatus(paramsOf(req), queryOf(req)));
    res.status(204).end();
  });

  router.post(TWILIO_CALLBACK_PATHS.smsStatus, signed, async (req, res) => {
    await deps.actions.delivery('sms', deps.codec.parseSmsStatus(paramsOf(req), queryOf(req)));
    res.status(204).end();
  });

  return router;
}

function signatureCheck(deps: TwilioCallbackDeps): RequestHandler {
  return (req, _res, next) => {
    if (!deps.verifySignature) {
      return next(new TocsinError('TOCSIN_ERR_AUTH_SIGNATURE', 'Twilio callbacks are refused: TWILIO_AUTH_TOKEN is not configured, so X-Twilio-Signature cannot be checked'));
    }
    const signature = req.get('x-twilio-signature');
    if (!signature) return next(new TocsinError('TOCSIN_ERR_AUTH_SIGNATURE', 'missing X-Twilio-Signature header'));
    const url = `${deps.publicUrl}${req.originalUrl}`;
    if (!deps.verifySignature(url, paramsOf(req), signature)) {
      return next(new TocsinError('TOCSIN_ERR_AUTH_SIGNATURE', `X-Twilio-Signature does not match ${url} (is PUBLIC_URL the address Twilio posts to?)`));
    }
    next();
  };
}

function paramsOf(req: Request): Params {
  return (req.body && typeof req.body === 'object' ? req.body : {}) as Params;
}

function queryOf(req: Request): Params {
  return req.query as Params;
}
