/**
 * Tracing through @opentelemetry/api only: with no SDK registered every call is a cheap no-op.
 * The SDK (and its exporter) is switched on separately, by otel-sdk.ts, from OTEL_* settings.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
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

/**
 * Express middleware: one SERVER span per request, continuing an incoming W3C `traceparent`.
 * The span is active for the rest of the request, so spans opened by handlers become its children.
 */
export function traceRequests(tracer: Tracer): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      span.updateName(spanNameFor(req));
      if (req.route !== undefined) span.setAttribute('http.route', spanNameFor(req).slice(req.method.length + 1));
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), () => next());
  };
}
