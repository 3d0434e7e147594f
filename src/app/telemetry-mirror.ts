/**
 * Use case: mirror telemetry (UPS and ACD figures) into gauges that read the same on every replica.
 * The replica that receives a report sets its own gauges and writes the readings to the shared store
 * (one write per report); every replica, when scraped, sets the gauges from what the store holds, so
 * two replicas never show one queue's calls waiting from two different reports. Labels pass the
 * family's SeriesGuard first (masked, at most http.metricSeries label sets).
 */
import type { TelemetryReading, TelemetryReadings } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { SeriesGuard } from '../telemetry/series-guard.js';

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

export class TelemetryMirror {
  private refreshFailed = false;

  constructor(
    private readonly deps: {
      readonly store: TelemetryReadings;
      readonly metrics: Metrics;
      /** ups: site, device; acd: site, queue. */
      readonly series: Readonly<Record<TelemetryFamily, SeriesGuard>>;
      readonly logger: Logger;
    },
  ) {}

  /** A report's figures for one device or queue: into this replica's gauges, and into the store for every replica. */
  async record(family: TelemetryFamily, labels: Readonly<Record<string, string>>, figures: readonly TelemetryFigure[]): Promise<void> {
    const l = this.deps.series[family].admit({ ...labels });
    if (!l || figures.length === 0) return;
    const readings: TelemetryReading[] = figures.map((f) => ({ gauge: f.gauge, labels: f.flag === undefined ? l : { ...l, flag: f.flag }, value: f.value }));
    for (const r of readings) this.gauge(r.gauge as TelemetryGauge).set(r.labels, r.value);
    try {
      await this.deps.store.put(readings);
    } catch (e) {
      // the report itself is recorded; only the other replicas' view of these figures lags
      this.deps.logger.warn({ err: e, family }, 'telemetry readings not shared with the other replicas');
    }
  }

  /** Sets every telemetry gauge from the store (what a scrape shows); on a failed read the gauges stay as they were. */
  async refresh(): Promise<void> {
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
    const admitted: { gauge: TelemetryGauge; labels: Record<string, string>; value: number }[] = [];
    for (const r of held) {
      if (!isGauge(r.gauge)) continue;
      const { flag, ...base } = r.labels;
      const l = this.deps.series[FAMILY[r.gauge]].admit(base);
      if (l) admitted.push({ gauge: r.gauge, labels: flag === undefined ? l : { ...l, flag }, value: r.value });
    }
    // reset and set in one synchronous stretch: a concurrent scrape never sees the gauges half set
    for (const g of Object.keys(FAMILY) as TelemetryGauge[]) this.gauge(g).reset();
    for (const r of admitted) this.gauge(r.gauge).set(r.labels, r.value);
  }

  private gauge(g: TelemetryGauge) {
    return this.deps.metrics[g] as Metrics['upsStatus'];
  }
}
