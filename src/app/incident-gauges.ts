/**
 * Use case: keep `tocsin_incidents_open` (live incidents not yet resolved, by class, level and state)
 * and `tocsin_acd_surge_tier` (per site and queue: the surge incident's tier + 1, 0 = no surge)
 * in step with the store, reading only the few fields they need. Refreshed after recorded events and transitions — coalesced, at most one
 * read per `minGapMs`, so a burst of webhooks costs one read — and on a cadence (level climbs happen
 * inside the engine).
 */
import type { IncidentFacts } from '../domain/suppression.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

/** The class whose open incidents are queue surges. */
const SURGE_CLASS = 'inbound_surge';

export class OpenIncidentGauge {
  private running: Promise<void> | undefined;
  private again = false;
  private lastRead = 0;

  constructor(
    private readonly deps: {
      readonly live: { listOpen(): Promise<IncidentFacts[]> };
      readonly metrics: Metrics;
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
    const open = await this.deps.live.listOpen();
    const counts = new Map<string, { class: string; level: string; state: string; n: number }>();
    const surges = new Map<string, { site: string; queue: string; tier: number }>();
    for (const inc of open) {
      const k = `${inc.class}\u0000${inc.level ?? 0}\u0000${inc.state}`;
      const c = counts.get(k) ?? { class: inc.class, level: String(inc.level ?? 0), state: inc.state, n: 0 };
      c.n++;
      counts.set(k, c);
      const queue = inc.labels.queue;
      if (inc.class === SURGE_CLASS && queue !== undefined) {
        const sk = `${inc.site}\u0000${queue}`;
        const tier = (inc.tier ?? 0) + 1;
        if ((surges.get(sk)?.tier ?? 0) < tier) surges.set(sk, { site: inc.site, queue, tier });
      }
    }
    const g = this.deps.metrics.incidentsOpen;
    g.reset();
    for (const c of counts.values()) g.set({ class: c.class, level: c.level, state: c.state }, c.n);
    const s = this.deps.metrics.acdSurgeTier;
    s.reset();
    for (const x of surges.values()) s.set({ site: x.site, queue: x.queue }, x.tier);
  }
}
