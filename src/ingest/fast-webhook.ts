/**
 * The hot path: POST /webhooks/alertmanager served straight from node:http, ahead of express.
 * Same steps and answers as the express stack (bearer token → JSON body within the limit → rate
 * limit → Watchdog heartbeats → one ingest round trip → JSON reply; the same error bodies, metrics,
 * logs and trace span), without express's per-request routing and body-parser machinery, which cost
 * more than the ingest itself. Requests it does not fully understand (another path or method, a
 * compressed body, a charset other than UTF-8, another media type) are left to express, which
 * answers them as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { TocsinError } from '../domain/errors.js';
import type { Beat } from '../domain/heartbeat.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { startServerSpan, type Tracer } from '../telemetry/tracer.js';
import { bearerProblem } from './auth.js';
import { asTocsinError, errorJson, noteRejection } from './errors.js';
import { countRequest } from './http-app.js';
import { retryAfterOf, type RateCheck } from './rate-limit.js';

export const FAST_PATH = '/webhooks/alertmanager';

export interface FastWebhookDeps {
  readonly token: string | undefined;
  /** Largest body read (http.alertmanager.bodyLimit); a larger one gets 413. */
  readonly bodyLimit: number;
  /** The Retry-After of a 503, in seconds (daemon.yaml http.retryAfter). */
  readonly retryAfter: string;
  /** The source's rate limit, when it has one. */
  readonly rateCheck: RateCheck | undefined;
  /** Takes Watchdog alerts out of the body (undefined: none in it). */
  readonly tap: (body: unknown) => { body: unknown; beats: readonly Beat[] } | undefined;
  readonly observe: (beats: readonly Beat[]) => Promise<void>;
  readonly handle: (body: unknown) => Promise<unknown>;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** A node:http listener for the hot path: true when it took the request, false to leave it to express. */
export type FastListener = (req: IncomingMessage, res: ServerResponse) => boolean;

/** JSON in UTF-8 (or no charset) and not compressed: what the hot path reads itself. */
function readable(req: IncomingMessage): boolean {
  const enc = req.headers['content-encoding'];
  if (enc !== undefined && enc.toLowerCase() !== 'identity') return false;
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const [media = '', ...params] = type.toLowerCase().split(';');
  const m = media.trim();
  if (m !== 'application/json' && !/^application\/[a-z0-9.!#$&^_-]+\+json$/.test(m)) return false;
  return params.every((p) => {
    const [k = '', v = ''] = p.split('=');
    return k.trim() !== 'charset' || ['utf-8', 'utf8', '"utf-8"'].includes(v.trim());
  });
}

function pathOf(url: string | undefined): string {
  const u = url ?? '';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

export function fastWebhook(deps: FastWebhookDeps): FastListener {
  const { metrics, logger } = deps;

  const reply = (res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(json);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const fail = (res: ServerResponse, err: unknown, extra: Record<string, string> = {}): void => {
    const e = asTocsinError(err);
    noteRejection(err, e, FAST_PATH, logger, metrics);
    if (res.headersSent) return;
    reply(res, e.httpStatus, errorJson(e), e.httpStatus === 503 ? { 'Retry-After': deps.retryAfter, ...extra } : extra);
  };

  const serve = async (res: ServerResponse, raw: string): Promise<void> => {
    // a leading byte-order mark is no part of the JSON (the express routes drop it too)
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    let body: unknown = {};
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        return fail(res, new TocsinError('TOCSIN_ERR_INPUT_MALFORMED', 'body is not valid JSON'));
      }
    }
    if (deps.rateCheck) {
      const refused = await deps.rateCheck(FAST_PATH, 'POST', body);
      if (refused) {
        const after = retryAfterOf(refused);
        return fail(res, refused, after ? { 'Retry-After': after } : {});
      }
    }
    const tapped = deps.tap(body);
    if (tapped) {
      body = tapped.body;
      await deps.observe(tapped.beats);
    }
    reply(res, 200, await deps.handle(body));
  };

  return (req, res) => {
    if (req.method !== 'POST' || pathOf(req.url) !== FAST_PATH || !readable(req)) return false;
    const span = startServerSpan(deps.tracer, 'POST', FAST_PATH, req.headers);
    let ended = false;
    const endSpan = (): void => {
      if (ended) return; // 'finish' and then 'close'
      ended = true;
      span.end(res.statusCode, `POST ${FAST_PATH}`, FAST_PATH);
    };
    // counted once answered, like every express route; a request the client gave up on only ends its span
    res.once('finish', () => {
      countRequest(metrics, FAST_PATH, res.statusCode);
      endSpan();
    });
    res.once('close', endSpan);

    const denied = bearerProblem(req.headers.authorization, deps.token);
    if (denied) {
      req.resume();
      fail(res, denied);
      return true;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > deps.bodyLimit) {
      tooLarge(req, res);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > deps.bodyLimit) {
        over = true;
        chunks.length = 0;
        tooLarge(req, res);
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => undefined); // an aborted upload: nothing was recorded, nobody to answer
    req.on('end', () => {
      if (over) return;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      context.with(span.context, () => {
        serve(res, text).catch((e: unknown) => fail(res, e));
      });
    });
    return true;
  };

  function tooLarge(req: IncomingMessage, res: ServerResponse): void {
    // Answer at once and close: the rest of an oversized body is not read.
    res.once('finish', () => req.destroy());
    fail(res, new TocsinError('TOCSIN_ERR_INPUT_TOO_LARGE', `body larger than the limit of ${deps.bodyLimit} bytes`), { Connection: 'close' });
  }
}
