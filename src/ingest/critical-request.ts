/**
 * Does a request carry a critical class? Decided from the parsed body alone, before any Redis work,
 * so that rate limits can wave it through. Malformed bodies are never critical (the route refuses them).
 */
import type { RateLimitsConfig, SourcesConfig } from '../config/schema.js';
import { classifyAlert, compileRules } from '../domain/classify.js';

export interface CriticalityDeps {
  readonly limits: RateLimitsConfig;
  readonly sources: SourcesConfig;
  readonly classLevels: Readonly<Record<string, number>>;
}

export type CriticalityCheck = (path: string, method: string, body: unknown) => boolean;

/** NUT notifications about mains power: on battery, low battery, forced shutdown, and power back. */
const CRITICAL_UPS_EVENTS: ReadonlySet<string> = new Set(['ONBATT', 'LOWBATT', 'FSD', 'SHUTDOWN', 'ONLINE']);
const CRITICAL_UPS_FLAGS: ReadonlySet<string> = new Set(['OB', 'LB', 'FSD']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function criticality(deps: CriticalityDeps): CriticalityCheck {
  const { limits, sources, classLevels } = deps;
  const criticalClasses = new Set(limits.criticalClasses);
  const critical = (klass: string, level: number) => criticalClasses.has(klass) || level >= limits.criticalLevel;
  const am = sources.alertmanager;
  const compiled = compileRules(am);

  const alertmanager = (body: unknown): boolean => {
    if (!isRecord(body) || !Array.isArray(body.alerts)) return false;
    for (const a of body.alerts) {
      if (!isRecord(a) || !isRecord(a.labels)) continue;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(a.labels)) if (typeof v === 'string') labels[k] = v;
      if (labels[am.severityLabel] === 'critical') return true;
      const c = classifyAlert(labels, am, compiled, classLevels);
      if (critical(c.class, c.level)) return true;
    }
    return false;
  };

  const ups = (body: unknown): boolean => {
    if (!isRecord(body)) return false;
    if (typeof body.event === 'string' && CRITICAL_UPS_EVENTS.has(body.event.trim().toUpperCase())) return true;
    const status = isRecord(body.vars) ? body.vars['ups.status'] : undefined;
    return typeof status === 'string' && status.split(/\s+/).some((t) => CRITICAL_UPS_FLAGS.has(t.toUpperCase()));
  };

  const api = (path: string, method: string, body: unknown): boolean => {
    if (method !== 'POST') return false;
    // a person stopping the pages is never turned away
    if (/^\/api\/incidents\/[^/]+\/(ack|resolve)$/.test(path)) return true;
    if (path !== '/api/incidents' || !isRecord(body) || typeof body.class !== 'string') return false;
    const level = typeof body.level === 'number' ? body.level : 0;
    return critical(body.class, Math.max(level, classLevels[body.class] ?? 0));
  };

  return (path, method, body) => {
    if (path === '/webhooks/alertmanager') return alertmanager(body);
    if (path === '/webhooks/ups') return ups(body);
    if (path.startsWith('/api/')) return api(path, method, body);
    return false;
  };
}
