/** Bearer tokens of CONTRACT.md, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { TocsinError } from '../domain/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison, also for strings of different lengths. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Why an Authorization header does not carry `token`, or undefined when it does (no token configured → open). */
export function bearerProblem(header: string | undefined, token: string | undefined): TocsinError | undefined {
  if (!token) return undefined;
  if (!header) return new TocsinError('TOCSIN_ERR_AUTH_MISSING', 'Authorization: Bearer <token> required');
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m || !safeEqual(m[1] ?? '', token)) return new TocsinError('TOCSIN_ERR_AUTH_INVALID', 'invalid bearer token');
  return undefined;
}

/** No token configured → open. */
export function bearerAuth(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  return (req, _res, next) => next(bearerProblem(req.get('authorization'), token));
}
