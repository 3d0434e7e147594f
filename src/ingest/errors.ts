/** Every error becomes `{"error":{"code","message"}}` with the right status; nothing crashes the process. */
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { TocsinError, isTocsinError, type ErrorCode } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { webhookSource } from './webhook-paths.js';

/** The error body every route answers with. */
export function errorJson(err: TocsinError): { error: { code: string; message: string; details?: Record<string, unknown> } } {
  return { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
}

/** The Retry-After header of a 503 (daemon.yaml http.retryAfter, whole seconds): when the sender should try again. */
export function retryAfterHeader(retryAfterMs: number): string {
  return String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/** The error body and status; a 503 says in Retry-After (`retryAfter`, seconds) when to try again. */
export function sendError(res: Response, err: TocsinError, retryAfter: string): void {
  if (err.httpStatus === 503) res.setHeader('Retry-After', retryAfter);
  res.status(err.httpStatus).json(errorJson(err));
}

/** Anything thrown on the way → the TocsinError it stands for (unknown ones are internal errors). */
export function asTocsinError(err: unknown): TocsinError {
  if (isTocsinError(err)) return err;
  if (err instanceof z.ZodError) return invalid(err, 'invalid body');
  return fromBodyParser(err as { type?: string }) ?? fromClientError(err) ?? new TocsinError('TOCSIN_ERR_INTERNAL', 'internal error', { cause: err });
}

/**
 * Other 4xx errors express and its parsers raise (http-errors: a path parameter that is not valid
 * percent-encoding, a compressed body that does not decompress): the client's fault, said as such.
 */
function fromClientError(err: unknown): TocsinError | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status > 499) return undefined;
  const said = e.expose === true && typeof e.message === 'string' && e.message !== '' ? e.message : 'bad request';
  if (status === 413) return new TocsinError('TOCSIN_ERR_INPUT_TOO_LARGE', said);
  if (status === 415) return new TocsinError('TOCSIN_ERR_INPUT_MEDIA_TYPE', said);
  return new TocsinError('TOCSIN_ERR_INPUT_MALFORMED', said);
}

/** An Alertmanager body refused for its size is lost: Alertmanager sends a body again on 5xx only. */
export const ALERTMANAGER_TOO_LARGE =
  'Alertmanager webhook body larger than http.alertmanager.bodyLimit refused (413): Alertmanager will not send it again, and its alerts are lost; set max_alerts on the tocsin receiver in alertmanager.yml (tocsin counts the alerts left out on the incident)';

/** Counts and logs a refused request (5xx as errors, and an Alertmanager body too large to take; the rest at debug). */
export function noteRejection(err: unknown, e: TocsinError, path: string, logger: Logger, metrics: Metrics): void {
  const source = sourceOf(path);
  if (source) metrics.eventsRejected.inc({ source, reason: e.code });
  if (e.httpStatus >= 500) logger.error({ err: err instanceof Error ? err : String(err), code: e.code, path }, 'request failed');
  else if (source === 'alertmanager' && e.code === 'TOCSIN_ERR_INPUT_TOO_LARGE') logger.error({ code: e.code, path, reason: e.message }, ALERTMANAGER_TOO_LARGE);
  else logger.debug({ code: e.code, path }, 'request rejected');
}

/** zod issues → one readable line each (the first 20), naming its path; `root` names a problem with no path. */
export function problemsOf(issues: readonly z.core.$ZodIssue[], root: '(body)' | '(query)' = '(body)'): string[] {
  return issues.slice(0, 20).map((i) => `${i.path.length ? i.path.join('.') : root}: ${i.message}`);
}

/** zod issues → one readable line naming each path. */
/** `root` names what a problem with no path is about: the body, or the query string. */
export function invalid(error: z.ZodError, what: string, root: '(body)' | '(query)' = '(body)'): TocsinError {
  const problems = problemsOf(error.issues, root);
  return new TocsinError('TOCSIN_ERR_INPUT_INVALID', `${what}: ${problems.join('; ')}`, { details: { problems } });
}

/** body-parser's error types → our codes. */
function fromBodyParser(err: { type?: string; status?: number; message?: string; limit?: number }): TocsinError | undefined {
  const map: Record<string, [ErrorCode, string]> = {
    'entity.too.large': ['TOCSIN_ERR_INPUT_TOO_LARGE', `body larger than the limit of ${err.limit ?? '?'} bytes`],
    'entity.parse.failed': ['TOCSIN_ERR_INPUT_MALFORMED', 'body is not valid JSON'],
    'charset.unsupported': ['TOCSIN_ERR_INPUT_MEDIA_TYPE', 'unsupported charset'],
    'encoding.unsupported': ['TOCSIN_ERR_INPUT_MEDIA_TYPE', 'unsupported content encoding'],
    'request.aborted': ['TOCSIN_ERR_INPUT_MALFORMED', 'request aborted'],
    'request.size.invalid': ['TOCSIN_ERR_INPUT_MALFORMED', 'request size did not match content length'],
    'parameters.too.many': ['TOCSIN_ERR_INPUT_TOO_LARGE', 'too many form parameters'],
  };
  const hit = err.type ? map[err.type] : undefined;
  return hit ? new TocsinError(hit[0], hit[1]) : undefined;
}

/** The express error handler: the error body, counted and logged; `retryAfter` (seconds) for a 503. */
export function errorHandler(logger: Logger, metrics: Metrics, retryAfter: string): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = asTocsinError(err);
    noteRejection(err, e, req.path, logger, metrics);
    if (res.headersSent) return;
    sendError(res, e, retryAfter);
  };
}

function sourceOf(path: string): string | undefined {
  return webhookSource(path) ?? (path.startsWith('/api/') ? 'api' : undefined);
}
