/**
 * The /metrics text: this process's registry, joined with the metrics of its engine workers when it
 * has any (each gauge by its own `aggregator`, everything else summed), so Prometheus scrapes one
 * target whatever the number of processes behind it.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';

/** One process's metrics, as `registry.getMetricsAsJSON()` gives them. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The metrics of the other processes (none, when there are none or none answered). */
export type PeerMetrics = () => Promise<readonly MetricsJson[]>;

export async function exposition(registry: Registry, peers?: PeerMetrics): Promise<string> {
  const others = peers ? await peers() : [];
  if (others.length === 0) return registry.metrics();
  const own = await registry.getMetricsAsJSON();
  // this process first: a gauge aggregated as `first` shows the daemon's own value
  return AggregatorRegistry.aggregate([own, ...others]).metrics();
}
