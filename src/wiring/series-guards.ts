/** The guards of telemetry labels: which UPSes and which ACD sites and queues may become metric series (http.metricSeries each). */
import type { Config } from '../config/load-config.js';
import type { Logger } from '../telemetry/logger.js';
import { SeriesGuard } from '../telemetry/series-guard.js';

export interface SeriesGuards {
  /** site, device of the UPS gauges. */
  readonly ups: SeriesGuard;
  /** site, queue of the ACD gauges and of the surge tier. */
  readonly acd: SeriesGuard;
}

/** `tagKey` keys the tags of masked label values (labelTagKey of the shared secret: the same on every replica). */
export function seriesGuards(config: Config, logger: Logger, tagKey: string): SeriesGuards {
  const full = (what: string) => (max: number) =>
    logger.warn({ max }, `${what} past http.metricSeries are not mirrored into /metrics (their readings are still evaluated)`);
  return {
    ups: new SeriesGuard(config.daemon.http.metricSeries, full('UPS devices'), tagKey),
    acd: new SeriesGuard(config.daemon.http.metricSeries, full('ACD queues'), tagKey),
  };
}
