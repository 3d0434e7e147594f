/**
 * Use case: mirror telemetry (UPS and ACD figures) into gauges that read the same on every replica.
 * The replica that receives a report sets its own gauges and writes the readings to the shared store
 * (one write per report); every replica, when scraped, sets the gauges from what the store holds, so
 * two replicas never show one queue's calls waiting from two different reports. Labels pass the
 * family's SeriesGuard first (masked, at most http.metricSeries label sets). A series not reported
 * for its family's http.readingsMaxAge is no longer exported, and the scrape that finds it so
 * removes it from the store: a UPS or queue taken out of service leaves the gauges. Its guard slot is
 * freed as well, on every replica (each scrape keeps the slots of the series the store holds, and
 * of those this replica is recording), so new devices and queues find room after any churn.
 * A series whose labels hold a mask without its tag (written by a daemon from before masked labels
 * were tagged) is neither exported nor kept: the same device or queue is reported under its tagged
 * name now, and the old series would show beside it until it aged out (never, with an age of 0).
 */
import type { Clock, TelemetryReading, TelemetryReadings } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { hasOutdatedMask, type SeriesGuard } from '../telemetry/series-guard.js';

/** The telemetry gauges and the family (whose guard admits their labels) each belongs to. */
const FAMILY = {
  upsCharge: 'ups',
  upsRuntime: 'ups',
  upsOnBattery: 'ups',
  upsStatus: 'ups',
  acdCallsWaiting: 'acd',
  acdLongestWait: 'acd',
  acdServiceLevel: 'acd',
  acdAgentsLoggedIn: 'acd',
} as const satisfies Partial<Record<keyof Metrics, string>>;

export type TelemetryGauge = keyof typeof FAMILY;
export type TelemetryFamily = (typeof FAMILY)[TelemetryGauge];

/** One figure of a report: a gauge, its value, and for the UPS status the flag it is about. */
export interface TelemetryFigure {
  readonly gauge: TelemetryGauge;
  readonly value: number;
  readonly flag?: string;
}

const isGauge = (g: string): g is TelemetryGauge => Object.hasOwn(FAMILY, g);

/** What the mirror holds its guard slots as (the surge tier holds some of the ACD ones too). */
const HOLDER = 'readings';

export class TelemetryMirror {
  private refreshFailed = false;
  /** Counts records and refreshes: which records a refresh's read of the store may have missed. */
  private seq = 0;
  /** Per family, the slot keys this replica recorded and when (seq; Infinity while the write is under way). */
  private readonly recorded: Record<TelemetryFamily, Map<string, number>> = { ups: new Map(), acd: new Map() };

  constructor(
    private readonly deps: {
      readonly store: TelemetryReadings;
      readonly metrics: Metrics;
      /** ups: site, device; acd: site, queue. */
      readonly series: Readonly<Record<TelemetryFamily, SeriesGuard>>;
      readonly logger: Logger;
      /** When readings are reported and judged (default: the system clock). */
      readonly clock?: Clock | undefined;
      /** Per family, how long (ms) a series stays exported without a new report; 0 or left out: until overwritten. */
      readonly maxAgeMs?: Readonly<Record<TelemetryFamily, number>> | undefined;
    },
  ) {}

  private now(): number {
    return this.deps.clock ? this.deps.clock.now() : Date.now();
  }

  /** Whether a reading has gone unreported longer than its family may at `now`. */
  private expired(family: TelemetryFamily, r: TelemetryReading, now: number): boolean {
    const maxAge = this.deps.maxAgeMs?.[family] ?? 0;
    return maxAge > 0 && r.at !== undefined && now - r.at > maxAge;
  }

  /** A report's figures for one device or queue: into this replica's gauges, and into the store for every replica. */
  async record(family: TelemetryFamily, labels: Readonly<Record<string, string>>, figures: readonly TelemetryFigure[]): Promise<void> {
    const guard = this.deps.series[family];
    const l = guard.admit({ ...labels }, HOLDER);
    if (!l || figures.length === 0) return;
    const key = guard.key(l);
    this.recorded[family].set(key, Number.POSITIVE_INFINITY);
    const at = this.now();
    const readings: TelemetryReading[] = figures.map((f) => ({ gauge: f.gauge, labels: f.flag === undefined ? l : { ...l, flag: f.flag }, value: f.value, at }));
    for (const r of readings) this.gauge(r.gauge as TelemetryGauge).set(r.labels, r.value);
    try {
      await this.deps.store.put(readings);
    } catch (e) {
      // the report itself is recorded; only the other replicas' view of these figures lags
      this.deps.logger.warn({ err: e, family }, 'telemetry readings not shared with the other replicas');
    } finally {
      this.recorded[family].set(key, ++this.seq);
    }
  }

  /** Sets every telemetry gauge from the store (what a scrape shows); on a failed read the gauges stay as they were. */
  async refresh(): Promise<void> {
    const since = ++this.seq;
    let held: TelemetryReading[];
    try {
      held = await this.deps.store.all();
      if (this.refreshFailed) this.deps.logger.info('telemetry readings read again');
      this.refreshFailed = false;
    } catch (e) {
      if (!this.refreshFailed) this.deps.logger.warn({ err: e }, 'telemetry readings not read; /metrics shows this replica\'s last ones');
      this.refreshFailed = true;
      return;
    }
    const now = this.now();
    const live: { gauge: TelemetryGauge; base: Record<string, string>; flag: string | undefined; value: number }[] = [];
    const expired: TelemetryReading[] = [];
    let outdated = 0;
    for (const r of held) {
      if (!isGauge(r.gauge)) continue;
      if (hasOutdatedMask(r.labels)) {
        outdated++;
        expired.push(r);
        continue;
      }
      if (this.expired(FAMILY[r.gauge], r, now)) {
        expired.push(r);
        continue;
      }
      const { flag, ...base } = r.labels;
      live.push({ gauge: r.gauge, base, flag, value: r.value });
    }
    this.freeSlots(live, since);
    const admitted: { gauge: TelemetryGauge; labels: Record<string, string>; value: number }[] = [];
    for (const r of live) {
      const l = this.deps.series[FAMILY[r.gauge]].admit(r.base, HOLDER);
      if (l) admitted.push({ gauge: r.gauge, labels: r.flag === undefined ? l : { ...l, flag: r.flag }, value: r.value });
    }
    // reset and set in one synchronous stretch: a concurrent scrape never sees the gauges half set
    for (const g of Object.keys(FAMILY) as TelemetryGauge[]) this.gauge(g).reset();
    for (const r of admitted) this.gauge(r.gauge).set(r.labels, r.value);
    if (expired.length > 0) await this.forget(expired, outdated);
  }

  /**
   * Lets go the guard slots of every device or queue with no live reading in the store (expired,
   * or forgotten by another replica), except those this replica recorded since `since` (the store
   * read may have missed them): they leave room for new ones.
   */
  private freeSlots(live: readonly { gauge: TelemetryGauge; base: Record<string, string> }[], since: number): void {
    for (const family of ['ups', 'acd'] as const) {
      const guard = this.deps.series[family];
      const keep = new Set<string>();
      for (const r of live) if (FAMILY[r.gauge] === family) keep.add(guard.key(r.base));
      const recorded = this.recorded[family];
      guard.keepOnly(HOLDER, (key) => keep.has(key) || (recorded.get(key) ?? 0) > since);
      for (const [key, at] of recorded) if (at <= since && !keep.has(key)) recorded.delete(key);
    }
  }

  /** Removes series gone unreported from the store (each unless reported again meanwhile); on failure the next scrape tries again. */
  private async forget(expired: readonly TelemetryReading[], outdated: number): Promise<void> {
    try {
      await this.deps.store.forget(expired);
      if (expired.length > outdated) this.deps.logger.info({ series: expired.length - outdated }, 'telemetry readings not reported for http.readingsMaxAge removed');
      if (outdated > 0) this.deps.logger.info({ series: outdated }, 'telemetry readings with a label masked by an older tocsin removed (reported under its present mask now)');
    } catch (e) {
      this.deps.logger.warn({ err: e, series: expired.length }, 'telemetry readings past http.readingsMaxAge not removed; not exported meanwhile');
    }
  }

  private gauge(g: TelemetryGauge) {
    return this.deps.metrics[g] as Metrics['upsStatus'];
  }
}
