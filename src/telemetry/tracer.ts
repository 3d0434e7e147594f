/**
 * Tracing through @opentelemetry/api only: with no SDK registered every call is a cheap no-op.
 * The SDK (and its exporter) is switched on separately, by otel-sdk.ts, from OTEL_* settings.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type { Span, Tracer };

export const TRACER_NAME = 'tocsin';

export function createTracer(version?: string): Tracer {
  return trace.getTracer(TRACER_NAME, version);
}

/**
 * Runs `fn` inside a new active span: child spans started within (across awaits) get it as parent.
 * Exceptions are recorded on the span and rethrown; the span always ends.
 */
export async function withSpan<T>(tracer: Tracer, name: string, attrs: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return tracer.startActiveSpan(name, { attributes: attrs }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** `METHOD route` for a finished request: the matched express route when there is one, else the path. */
export function spanNameFor(req: Request): string {
  const routePath: unknown = (req.route as { path?: unknown } | undefined)?.path;
  const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : req.baseUrl || req.path;
  return `${req.method} ${route}`;
}

/** A SERVER span for one request: `context` makes it the parent of what the handler does; `end` once. */
export interface ServerSpan {
  readonly context: Context;
  /** Ends the span with the response status, named `name`; `route` when a route matched. */
  end(status: number, name: string, route?: string): void;
}

/** Starts the SERVER span of a request, continuing an incoming W3C `traceparent`. */
export function startServerSpan(tracer: Tracer, method: string, path: string, headers: Readonly<Record<string, unknown>>): ServerSpan {
  const parent = propagation.extract(context.active(), headers);
  const span = tracer.startSpan(`${method} ${path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
  let ended = false;
  return {
    context: trace.setSpan(parent, span),
    end(status, name, route) {
      if (ended) return;
      ended = true;
      span.updateName(name);
      if (route !== undefined) span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/**
 * Express middleware: one SERVER span per request, continuing an incoming W3C `traceparent`.
 * The span is active for the rest of the request, so spans opened by handlers become its children.
 */
export function traceRequests(tracer: Tracer): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const span = startServerSpan(tracer, req.method, req.path, req.headers);
    const end = (): void => {
      const name = spanNameFor(req);
      span.end(res.statusCode, name, req.route !== undefined ? name.slice(req.method.length + 1) : undefined);
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(span.context, () => next());
  };
}
