/**
 * The standard OpenTelemetry variables tocsin honours, read in one place. Tracing export is on only
 * when one of them asks for it (see `otelWanted`); otherwise no SDK is loaded at all.
 */

export interface OtelEnv {
  /** OTEL_SDK_DISABLED=true switches everything off whatever else is set. */
  readonly sdkDisabled: boolean;
  /** OTEL_TRACES_EXPORTER, lower-cased: `otlp`, `console` or `none` (undefined when unset). */
  readonly tracesExporter: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: base URL; traces go to `<base>/v1/traces`. */
  readonly endpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full traces URL, used as is. */
  readonly tracesEndpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_HEADERS / OTEL_EXPORTER_OTLP_TRACES_HEADERS, parsed from `k=v,k2=v2`. */
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_SERVICE_NAME (default `tocsin`). */
  readonly serviceName: string;
}

export function readOtelEnv(env: NodeJS.ProcessEnv = process.env): OtelEnv {
  return {
    sdkDisabled: (nonEmpty(env.OTEL_SDK_DISABLED) ?? '').toLowerCase() === 'true',
    tracesExporter: nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase(),
    endpoint: nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT),
    tracesEndpoint: nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
    headers: { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'tocsin',
  };
}

/** `k=v,k2=v2` with percent-encoded values, as the OTLP exporter specification writes them. */
export function parseHeaders(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (v ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    if (key === '') continue;
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The endpoint variables, each an http:// or https:// URL when set. */
const ENDPOINTS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const;

/**
 * The OTEL_* variables tocsin reads that are wrong, as lines of `invalid environment:` (start-up
 * exits 78 with them, rather than the SDK failing on its own terms): an endpoint that is no http://
 * or https:// URL. Checked whenever set, also while export is off.
 */
export function otelEnvProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  for (const name of ENDPOINTS) {
    const v = nonEmpty(env[name]);
    if (v !== undefined && !isHttpUrl(v)) problems.push(`${name} must be an http:// or https:// URL such as http://collector:4318, got "${v}"`);
  }
  return problems;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
