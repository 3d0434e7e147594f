import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TelemetryReading, TelemetryReadings } from '../domain/ports.js';
import { ManualClock } from '../platform/clock.js';
import { createMetrics } from '../telemetry/metrics.js';
import { SeriesGuard } from '../telemetry/series-guard.js';
import { TelemetryMirror } from './telemetry-mirror.js';

const MIN = 60_000;

/** Readings held as given; forget fails while `down`. */
function store(held: TelemetryReading[], down = false): TelemetryReadings & { forgotten: TelemetryReading[][] } {
  const forgotten: TelemetryReading[][] = [];
  return {
    forgotten,
    put: async () => undefined,
    all: async () => held,
    forget: async (r) => {
      if (down) throw new Error('redis down');
      forgotten.push([...r]);
    },
  };
}

describe('TelemetryMirror: readings age per family', () => {
  const mirror = (readings: TelemetryReadings, clock: ManualClock) => {
    const metrics = createMetrics();
    const guard = () => new SeriesGuard(10, () => undefined, 'key');
    const m = new TelemetryMirror({ store: readings, metrics, series: { ups: guard(), acd: guard() }, logger: pino({ level: 'silent' }), clock, maxAgeMs: { ups: 15 * MIN, acd: 60 * MIN } });
    const exported = async () => [...(await metrics.upsCharge.get()).values, ...(await metrics.acdCallsWaiting.get()).values].map((v) => Object.values(v.labels).join('/')).sort();
    return { m, exported };
  };

  it('exports a series until it has gone unreported for its family’s age, then asks the store to forget it as read', async () => {
    const clock = new ManualClock(100 * MIN);
    const ups = { gauge: 'upsCharge', labels: { site: 'hq', device: 'ups1' }, value: 0.9, at: 80 * MIN };
    const queue = { gauge: 'acdCallsWaiting', labels: { site: 'hq', queue: 'main' }, value: 3, at: 80 * MIN };
    const s = store([ups, queue]);
    const { m, exported } = mirror(s, clock);
    await m.refresh();
    expect(await exported()).toEqual(['hq/main']);
    expect(s.forgotten).toEqual([[ups]]);
  });

  it('a series the store could not forget is not exported all the same', async () => {
    const clock = new ManualClock(100 * MIN);
    const { m, exported } = mirror(store([{ gauge: 'upsCharge', labels: { site: 'hq', device: 'ups1' }, value: 0.9, at: 0 }], true), clock);
    await m.refresh();
    expect(await exported()).toEqual([]);
  });
});
