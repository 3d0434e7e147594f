/**
 * The last telemetry readings of a namespace in one hash (`…{live}:telemetry`): one field per gauge
 * series (`["upsCharge",{"site":"hq","device":"ups1"}]` → "0.55"), and beside it when each was
 * reported (`…{live}:telemetry:at`, field → clock ms). A report writes its series in one script call;
 * a scrape reads both hashes whole, and removes the series gone unreported too long. Its size is
 * bounded by http.metricSeries (the routes write only admitted series) and by that age.
 */
import type { Clock, TelemetryReading, TelemetryReadings } from '../domain/ports.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';

const systemClock: Clock = { now: () => Date.now() };

const fieldOf = (r: TelemetryReading): string => JSON.stringify([r.gauge, r.labels]);

export class RedisTelemetryReadings implements TelemetryReadings {
  private readonly keys: [string, string];

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    /** Stamps readings written without `at`, and those an older daemon wrote without a stamp. */
    private readonly clock: Clock = systemClock,
  ) {
    this.keys = [keys.custom('telemetry'), keys.custom('telemetry:at')];
  }

  async put(readings: readonly TelemetryReading[]): Promise<void> {
    if (readings.length === 0) return;
    const now = this.clock.now();
    const args: (string | number)[] = [];
    for (const r of readings) args.push(fieldOf(r), String(r.value), r.at ?? now);
    await this.call('putTelemetry', args);
  }

  async all(): Promise<TelemetryReading[]> {
    const held = (await this.call('readTelemetry', [this.clock.now()])) as string[];
    const out: TelemetryReading[] = [];
    for (let i = 0; i + 2 < held.length; i += 3) {
      const r = readingOf(held[i] ?? '', Number(held[i + 1]), Number(held[i + 2]));
      if (r) out.push(r);
    }
    return out;
  }

  async forget(readings: readonly TelemetryReading[]): Promise<void> {
    if (readings.length === 0) return;
    await this.call(
      'forgetTelemetry',
      readings.flatMap((r) => [fieldOf(r), r.at ?? '']),
    );
  }

  private async call(script: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await callScript(this.redis, script, this.keys, args);
    } catch (e) {
      throw storeError(e);
    }
  }
}

/** A stored series back as a reading; undefined for a field or value that is not one. */
function readingOf(field: string, value: number, at: number): TelemetryReading | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(field);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || !parsed[1] || typeof parsed[1] !== 'object' || !Number.isFinite(value)) return undefined;
  const labels = parsed[1] as Record<string, unknown>;
  if (!Object.values(labels).every((v) => typeof v === 'string')) return undefined;
  return { gauge: parsed[0], labels: labels as Record<string, string>, value, ...(Number.isFinite(at) ? { at } : {}) };
}
