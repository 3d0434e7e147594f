import { describe, expect, it } from 'vitest';
import { parseHeaders, readOtelEnv } from '../config/otel-env.js';
import { otelPlan } from './otel-sdk.js';

describe('otelPlan: tracing export only when OTEL_* asks for it', () => {
  it('is off with no OTEL_* variables', () => {
    expect(otelPlan(readOtelEnv({}))).toEqual({ on: false, why: 'no OTEL_* exporter settings' });
  });
  it('an endpoint switches OTLP on, traces under /v1/traces', () => {
    expect(otelPlan(readOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toEqual({ on: true, exporter: 'otlp', url: 'http://collector:4318/v1/traces' });
  });
  it('the traces endpoint is used as is and wins over the base endpoint', () => {
    const env = readOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom' });
    expect(otelPlan(env)).toEqual({ on: true, exporter: 'otlp', url: 'http://b:4318/custom' });
  });
  it('OTEL_TRACES_EXPORTER picks otlp (default URL), console or none', () => {
    expect(otelPlan(readOtelEnv({ OTEL_TRACES_EXPORTER: 'otlp' }))).toEqual({ on: true, exporter: 'otlp', url: undefined });
    expect(otelPlan(readOtelEnv({ OTEL_TRACES_EXPORTER: 'Console' }))).toEqual({ on: true, exporter: 'console', url: undefined });
    expect(otelPlan(readOtelEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a' })).on).toBe(false);
  });
  it('OTEL_SDK_DISABLED=true wins over everything', () => {
    expect(otelPlan(readOtelEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }))).toEqual({ on: false, why: 'OTEL_SDK_DISABLED' });
  });
  it('headers parse from k=v pairs with percent-encoding', () => {
    expect(parseHeaders('api-key=abc%20def, x-tenant = t1,broken')).toEqual({ 'api-key': 'abc def', 'x-tenant': 't1' });
    expect(readOtelEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'a=2,b=3' }).headers).toEqual({ a: '2', b: '3' });
    expect(readOtelEnv({}).serviceName).toBe('tocsin');
  });
});
