/**
 * The whole daemon traced: an Alertmanager webhook carrying a W3C traceparent yields one connected
 * trace — the server span, ingest → classify → dedupe, then escalate (the engine's fast path) → notify.
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

describe('tracing through the pipeline (real Redis, whole container)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let app: TestApp;

  beforeAll(async () => {
    provider.register();
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('an Alertmanager webhook with a traceparent produces one trace from the request down to each notification', async () => {
    const res = await app.request(
      'POST',
      '/webhooks/alertmanager',
      {
        version: '4',
        status: 'firing',
        receiver: 'tocsin',
        alerts: [{ status: 'firing', labels: { alertname: 'UpsOnBattery', site: 'hq', severity: 'critical' }, annotations: { summary: 'UPS ups1 on battery' }, startsAt: '2026-11-23T09:59:00Z', fingerprint: 'a1b2c3d4e5f60718' }],
      },
      { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    );
    expect(res.status).toBe(200);
    const incidentId = res.body.results[0].incident as string;
    await app.container.engine.idle();

    const incident = (await app.request('GET', `/api/incidents/${incidentId}`)).body;
    expect(incident.class).toBe('power');
    expect(incident.notifications.length).toBeGreaterThan(0);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
    const one = (name: string): ReadableSpan => {
      const found = spans.filter((s) => s.name === name);
      expect(found, `spans named ${name}`).toHaveLength(1);
      return found[0]!;
    };
    const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

    const server = one('POST /webhooks/alertmanager');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(parentOf(server)).toBe(CALLER_SPAN);
    expect(server.attributes['http.response.status_code']).toBe(200);

    const ingest = one('ingest');
    expect(parentOf(ingest)).toBe(server.spanContext().spanId);
    expect(ingest.attributes['tocsin.source']).toBe('alertmanager');
    const classify = one('classify');
    expect(parentOf(classify)).toBe(ingest.spanContext().spanId);
    expect(classify.attributes['tocsin.class']).toBe('power');
    const dedupe = one('dedupe');
    expect(parentOf(dedupe)).toBe(ingest.spanContext().spanId);
    expect(dedupe.attributes['tocsin.outcomes']).toBe('opened');

    const escalate = one('escalate');
    expect(parentOf(escalate)).toBe(ingest.spanContext().spanId);
    expect(escalate.attributes['tocsin.incident']).toBe(incidentId);

    const notifies = spans.filter((s) => s.name === 'notify');
    const people = new Set(incident.notifications.map((n: { person: string }) => n.person));
    expect(notifies.length).toBe(people.size);
    for (const n of notifies) {
      expect(parentOf(n)).toBe(escalate.spanContext().spanId);
      expect(n.attributes['tocsin.incident']).toBe(incidentId);
      // log mode: recorded, not sent
      expect(n.attributes['tocsin.outcome']).toBe('logged');
    }
  });

  it('a request without a traceparent starts its own trace, still connected down to the pages', async () => {
    exporter.reset();
    const res = await app.request('POST', '/api/incidents', { class: 'hvac', site: 'hq', summary: 'hall B air-conditioning down' });
    expect(res.status).toBe(201);
    await app.container.engine.idle();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext).toBeUndefined();
    const traceId = server.spanContext().traceId;
    expect(traceId).not.toBe(TRACE_ID);
    const names = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['POST /api/incidents', 'ingest', 'classify', 'dedupe', 'escalate', 'notify']));
  });
});
