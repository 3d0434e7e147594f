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

/**
 * `earlier` plus the counters and histograms of `last` (gauges and summaries left out): the running
 * totals of processes that have exited, kept in the sums so that a restarted process starting again
 * from zero does not read as a counter reset.
 */
export async function addTotals(earlier: MetricsJson | undefined, last: MetricsJson): Promise<MetricsJson> {
  // prom-client types `type` as a numeric enum; at run time it is the name ('counter', 'gauge', …)
  const totals = last.filter((m) => ['counter', 'histogram'].includes(String(m.type)));
  return AggregatorRegistry.aggregate(earlier ? [earlier, totals] : [totals]).getMetricsAsJSON();
}
