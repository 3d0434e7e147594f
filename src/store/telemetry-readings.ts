/**
 * The last telemetry readings of a namespace in one hash (`…{live}:telemetry`): one field per gauge
 * series (`["upsCharge",{"site":"hq","device":"ups1"}]` → "0.55"). A report writes its series in one
 * HSET; a scrape reads the hash whole. Its size is bounded by http.metricSeries (the routes write only
 * admitted series).
 */
import type { TelemetryReading, TelemetryReadings } from '../domain/ports.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';

export class RedisTelemetryReadings implements TelemetryReadings {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
  ) {
    this.key = keys.custom('telemetry');
  }

  async put(readings: readonly TelemetryReading[]): Promise<void> {
    if (readings.length === 0) return;
    const fields: string[] = [];
    for (const r of readings) fields.push(JSON.stringify([r.gauge, r.labels]), String(r.value));
    try {
      await this.redis.hset(this.key, ...fields);
    } catch (e) {
      throw storeError(e);
    }
  }

  async all(): Promise<TelemetryReading[]> {
    let held: Record<string, string>;
    try {
      held = await this.redis.hgetall(this.key);
    } catch (e) {
      throw storeError(e);
    }
    const out: TelemetryReading[] = [];
    for (const [field, raw] of Object.entries(held)) {
      const value = Number(raw);
      let parsed: unknown;
      try {
        parsed = JSON.parse(field);
      } catch {
        continue;
      }
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || !parsed[1] || typeof parsed[1] !== 'object' || !Number.isFinite(value)) continue;
      const labels = parsed[1] as Record<string, unknown>;
      if (!Object.values(labels).every((v) => typeof v === 'string')) continue;
      out.push({ gauge: parsed[0], labels: labels as Record<string, string>, value });
    }
    return out;
  }
}
