/**
 * Switches the OpenTelemetry SDK and an OTLP/HTTP trace exporter on, only when the standard OTEL_*
 * variables ask for it. When they do not, nothing is imported: the api's no-op tracer stays in place.
 * Metrics stay with Prometheus (/metrics); logs stay with pino.
 */
import type { OtelEnv } from '../config/otel-env.js';
import type { Logger } from './logger.js';

export interface OtelHandle {
  /** The exporter in use (`otlp` or `console`) and where it sends. */
  readonly exporter: 'otlp' | 'console';
  readonly url: string | undefined;
  /** Flushes pending spans and unregisters the SDK. */
  shutdown(): Promise<void>;
}

export type OtelPlan = { readonly on: false; readonly why: string } | { readonly on: true; readonly exporter: 'otlp' | 'console'; readonly url: string | undefined };

/** Pure decision: is tracing export wanted, with which exporter and where. */
export function otelPlan(env: OtelEnv): OtelPlan {
  if (env.sdkDisabled) return { on: false, why: 'OTEL_SDK_DISABLED' };
  const kind = env.tracesExporter;
  if (kind === 'none') return { on: false, why: 'OTEL_TRACES_EXPORTER=none' };
  if (kind === 'console') return { on: true, exporter: 'console', url: undefined };
  if (kind === undefined && env.endpoint === undefined && env.tracesEndpoint === undefined) return { on: false, why: 'no OTEL_* exporter settings' };
  // `otlp` (the default exporter once anything is configured); unknown names fall back to it too.
  return { on: true, exporter: 'otlp', url: tracesUrl(env) };
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`, else the exporter's default. */
export function tracesUrl(env: Pick<OtelEnv, 'endpoint' | 'tracesEndpoint'>): string | undefined {
  if (env.tracesEndpoint !== undefined) return env.tracesEndpoint;
  if (env.endpoint !== undefined) return `${env.endpoint.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

export async function startOtelSdk(env: OtelEnv, logger?: Logger): Promise<OtelHandle | undefined> {
  const plan = otelPlan(env);
  if (!plan.on) {
    logger?.debug({ reason: plan.why }, 'tracing export off');
    return undefined;
  }
  if (env.tracesExporter !== undefined && !['otlp', 'console'].includes(env.tracesExporter)) {
    logger?.warn({ exporter: env.tracesExporter }, 'unsupported OTEL_TRACES_EXPORTER, using otlp');
  }
  const sdkNode = await import('@opentelemetry/sdk-node');
  let traceExporter: InstanceType<typeof sdkNode.tracing.ConsoleSpanExporter> | InstanceType<typeof import('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter>;
  if (plan.exporter === 'console') {
    traceExporter = new sdkNode.tracing.ConsoleSpanExporter();
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    traceExporter = new OTLPTraceExporter({ ...(plan.url === undefined ? {} : { url: plan.url }), headers: { ...env.headers } });
  }
  const sdk = new sdkNode.NodeSDK({
    serviceName: env.serviceName,
    traceExporter,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  logger?.info({ exporter: plan.exporter, url: plan.url, service: env.serviceName }, 'tracing export on');
  return {
    exporter: plan.exporter,
    url: plan.url,
    shutdown: () => sdk.shutdown(),
  };
}
