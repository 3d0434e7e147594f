import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTracer, traceRequests, withSpan } from '../../src/telemetry/tracer.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('tracing: ingest spans continue the caller trace', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: Server;
  let base: string;

  beforeAll(async () => {
    provider.register();
    const tracer = createTracer();
    const app = express();
    app.use(traceRequests(tracer));
    app.use(express.json());
    app.post('/webhooks/:source', async (req, res) => {
      const id = await withSpan(tracer, 'ingest', { 'tocsin.source': String(req.params.source) }, async () => {
        await withSpan(tracer, 'classify', {}, async () => new Promise((r) => setTimeout(r, 5)));
        return withSpan(tracer, 'dedupe', {}, () => 'inc-1');
      });
      res.status(202).json({ id, body: req.body as unknown });
    });
    app.post('/fail', async (_req, res) => {
      try {
        await withSpan(tracer, 'notify', { 'tocsin.channel': 'sms' }, () => {
          throw new Error('provider down');
        });
      } catch {
        res.status(503).json({ error: 'x' });
      }
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => exporter.reset());

  afterAll(async () => {
    server.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  async function finished(count: number) {
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++) await new Promise((r) => setTimeout(r, 10));
    return exporter.getFinishedSpans();
  }

  it('a request with a traceparent yields a server span and nested spans in the same trace', async () => {
    const res = await fetch(`${base}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`, tracestate: 'vendor=abc' },
      body: JSON.stringify({ version: '4' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'inc-1', body: { version: '4' } });

    const spans = await finished(4);
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['POST /webhooks/:source', 'classify', 'dedupe', 'ingest']);
    for (const s of spans) expect(s.spanContext().traceId).toBe(TRACE_ID);

    const server = byName.get('POST /webhooks/:source')!;
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(server.attributes['http.response.status_code']).toBe(202);
    expect(server.attributes['http.route']).toBe('/webhooks/:source');
    expect(server.spanContext().traceState?.get('vendor')).toBe('abc');

    const ingest = byName.get('ingest')!;
    expect(ingest.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(ingest.attributes['tocsin.source']).toBe('alertmanager');
    expect(byName.get('classify')!.parentSpanContext?.spanId).toBe(ingest.spanContext().spanId);
    expect(byName.get('dedupe')!.parentSpanContext?.spanId).toBe(ingest.spanContext().spanId);
    expect(byName.get('classify')!.instrumentationScope.name).toBe('tocsin');
  });

  it('without a traceparent a new trace starts at the server span', async () => {
    const res = await fetch(`${base}/webhooks/ups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(202);
    const spans = await finished(4);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.spanContext().traceId).not.toBe(TRACE_ID);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('withSpan records the exception, marks the span as an error, ends it and rethrows', async () => {
    const res = await fetch(`${base}/fail`, { method: 'POST', headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` } });
    expect(res.status).toBe(503);
    const spans = await finished(2);
    const notify = spans.find((s) => s.name === 'notify')!;
    expect(notify.status.code).toBe(SpanStatusCode.ERROR);
    expect(notify.status.message).toBe('provider down');
    expect(notify.events.map((e) => e.name)).toContain('exception');
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.name).toBe('POST /fail');
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(notify.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });
});
