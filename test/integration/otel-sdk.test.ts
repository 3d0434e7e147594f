import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { readOtelEnv } from '../../src/config/otel-env.js';
import { startOtelSdk } from '../../src/telemetry/otel-sdk.js';
import { createTracer, withSpan } from '../../src/telemetry/tracer.js';

interface Received { path: string; contentType: string | undefined; auth: string | undefined; body: string }

describe('startOtelSdk exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  const received: Received[] = [];
  const collector = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], auth: req.headers['x-api-key'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  afterAll(() => {
    collector.close();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('returns nothing and leaves the no-op tracer when no OTEL_* variable is set', async () => {
    expect(await startOtelSdk(readOtelEnv({}))).toBeUndefined();
    const span = createTracer().startSpan('x');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('sends finished spans to <endpoint>/v1/traces with the configured headers and service name', async () => {
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const handle = await startOtelSdk(readOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k1', OTEL_SERVICE_NAME: 'tocsin-test' }));
    expect(handle?.url).toBe(`${endpoint}/v1/traces`);
    const tracer = createTracer();
    await withSpan(tracer, 'ingest', { 'tocsin.source': 'ups' }, () => withSpan(tracer, 'classify', {}, () => 1));
    await handle!.shutdown();

    expect(received.length).toBeGreaterThan(0);
    const all = received.map((r) => r.body).join('\n');
    expect(received[0]!.path).toBe('/v1/traces');
    expect(received[0]!.auth).toBe('k1');
    expect(all).toContain('ingest');
    expect(all).toContain('classify');
    expect(all).toContain('tocsin-test');
  });
});
