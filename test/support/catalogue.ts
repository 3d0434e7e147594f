/** The metric names tocsin exports: the catalogue's, with histogram series suffixes, and Node process metrics. */
import type { Metrics } from '../../src/telemetry/metrics.js';

export async function catalogueNames(m: Metrics): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    const type = String(metric.type);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${s}`);
  }
  return names;
}
