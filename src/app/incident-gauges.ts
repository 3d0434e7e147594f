/**
 * Use case: keep `tocsin_incidents_open` (live incidents not yet resolved, by class, level and state)
 * and `tocsin_acd_surge_tier` (per site and queue: the surge incident's tier + 1, 0 = no surge)
 * in step with the store, which counts them itself (a few replies however many incidents are open).
 * A surge's site and queue come from the ACD's telemetry: they become labels only through the ACD
 * gauges' SeriesGuard (masked like the logs, at most `http.metricSeries` of them); a surge no longer
 * open lets its slot go (kept while the ACD gauges still show its queue).
 * Refreshed after recorded events and transitions — coalesced, at most one read per `minGapMs`, so a
 * burst of webhooks costs one read — and on a cadence (level climbs happen inside the engine).
 */
import type { OpenCounts } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { SeriesGuard } from '../telemetry/series-guard.js';

/** The class whose open incidents are queue surges. */
const SURGE_CLASS = 'inbound_surge';
/** What this gauge holds its guard slots as. */
const HOLDER = 'surge';

export class OpenIncidentGauge {
  private running: Promise<void> | undefined;
  private again = false;
  private lastRead = 0;

  constructor(
    private readonly deps: {
      /** Counts the open incidents of the live namespace (RedisOpenIncidentReader.countOpen). */
      readonly live: { countOpen(surgeClass: string): Promise<OpenCounts> };
      readonly metrics: Metrics;
      /** Which sites and queues may become labels of the surge tier (the ACD gauges' guard). */
      readonly series: SeriesGuard;
      readonly logger: Logger;
      /** Real milliseconds between two reads at least (default 1000). */
      readonly minGapMs?: number;
    },
  ) {}

  /** Re-reads the open and acknowledged incidents; concurrent calls coalesce into one more read. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const wait = this.lastRead + (this.deps.minGapMs ?? 1_000) - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        this.lastRead = performance.now();
        await this.read();
      } while (this.again);
    })()
      .catch((e: unknown) => this.deps.logger.warn({ err: e }, 'open incident gauge not refreshed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async read(): Promise<void> {
    const { counts, surges } = await this.deps.live.countOpen(SURGE_CLASS);
    const g = this.deps.metrics.incidentsOpen;
    g.reset();
    for (const c of counts) g.set({ class: c.class, level: c.level, state: c.state }, c.n);
    const s = this.deps.metrics.acdSurgeTier;
    s.reset();
    const open = new Set(surges.map((x) => this.deps.series.key({ site: x.site, queue: x.queue })));
    this.deps.series.keepOnly(HOLDER, (key) => open.has(key));
    for (const x of surges) {
      const l = this.deps.series.admit({ site: x.site, queue: x.queue }, HOLDER);
      if (l) s.set(l, x.tier);
    }
  }
}
