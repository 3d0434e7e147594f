/** Body parsers with the configured limit and strict content types. */
import express, { type RequestHandler } from 'express';
import { TocsinError } from '../domain/errors.js';

function typed(parse: RequestHandler, accepts: (req: express.Request) => boolean, expected: string): RequestHandler {
  return (req, res, next) => {
    if (!accepts(req)) {
      return next(new TocsinError('TOCSIN_ERR_INPUT_MEDIA_TYPE', `expected Content-Type: ${expected}, got ${req.get('content-type') ?? 'none'}`));
    }
    parse(req, res, next);
  };
}

/** JSON bodies only; GET/HEAD pass through untouched. */
export function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, strict: false, type: () => true });
  const handler = typed(parse, (req) => Boolean(req.is('application/json') || req.is('application/*+json')), 'application/json');
  return (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' || (req.method === 'DELETE' && !hasBody(req)) ? next() : handler(req, res, next));
}

/** Form bodies (Twilio). */
export function formBody(limit: number): RequestHandler {
  const parse = express.urlencoded({ limit, extended: false, type: () => true, parameterLimit: 1000 });
  const handler = typed(parse, (req) => Boolean(req.is('application/x-www-form-urlencoded')), 'application/x-www-form-urlencoded');
  return (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : handler(req, res, next));
}

/** A request without a body (no length, or length 0, and not chunked). */
function hasBody(req: express.Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
