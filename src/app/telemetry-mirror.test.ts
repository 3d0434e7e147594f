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

  it('drops a series whose label holds a mask an older daemon wrote (no tag, or an address with its domain), exporting the present one only', async () => {
    const clock = new ManualClock(100 * MIN);
    const old = { gauge: 'upsCharge', labels: { site: 'hq', device: '***02' }, value: 0.5, at: 99 * MIN };
    const oldQueue = { gauge: 'acdCallsWaiting', labels: { site: '***@example.com', queue: 'main' }, value: 7 };
    const domainShown = { gauge: 'acdCallsWaiting', labels: { site: 'hq', queue: '***@example.com~bhopjamcea' }, value: 7, at: 99 * MIN };
    const tagged = { gauge: 'upsCharge', labels: { site: 'hq', device: '***02~kdpaofbmgc' }, value: 0.9, at: 99 * MIN };
    const s = store([old, oldQueue, domainShown, tagged]);
    const { m, exported } = mirror(s, clock);
    await m.refresh();
    expect(await exported()).toEqual(['hq/***02~kdpaofbmgc']);
    expect(s.forgotten).toEqual([[old, oldQueue, domainShown]]);
  });

  it('a series the store could not forget is not exported all the same', async () => {
    const clock = new ManualClock(100 * MIN);
    const { m, exported } = mirror(store([{ gauge: 'upsCharge', labels: { site: 'hq', device: 'ups1' }, value: 0.9, at: 0 }], true), clock);
    await m.refresh();
    expect(await exported()).toEqual([]);
  });
});

describe('TelemetryMirror: guard slots', () => {
  /** A store that keeps what is put, like Redis (forget honours `at`). */
  function shared(): TelemetryReadings & { held: Map<string, TelemetryReading>; gate?: Promise<void> | undefined } {
    const held = new Map<string, TelemetryReading>();
    const s: TelemetryReadings & { held: Map<string, TelemetryReading>; gate?: Promise<void> | undefined } = {
      held,
      put: async (rs) => {
        await s.gate;
        for (const r of rs) held.set(JSON.stringify([r.gauge, r.labels]), r);
      },
      all: async () => [...held.values()],
      forget: async (rs) => {
        for (const r of rs) {
          const k = JSON.stringify([r.gauge, r.labels]);
          if (held.get(k)?.at === r.at) held.delete(k);
        }
      },
    };
    return s;
  }
  const replica = (s: TelemetryReadings, clock: ManualClock, max = 1) => {
    const metrics = createMetrics();
    const series = { ups: new SeriesGuard(max, () => undefined, 'key'), acd: new SeriesGuard(max, () => undefined, 'key') };
    const m = new TelemetryMirror({ store: s, metrics, series, logger: pino({ level: 'silent' }), clock, maxAgeMs: { ups: 15 * MIN, acd: 60 * MIN } });
    const devices = async () => (await metrics.upsCharge.get()).values.map((v) => v.labels['device']).sort();
    return { m, devices, series };
  };

  it('a UPS whose readings expired frees its slot on the replica that forgot it and on one that did not', async () => {
    const clock = new ManualClock(0);
    const s = shared();
    const a = replica(s, clock);
    const b = replica(s, clock);
    await a.m.record('ups', { site: 'hq', device: 'ups1' }, [{ gauge: 'upsCharge', value: 0.9 }]);
    await b.m.refresh();
    expect(await b.devices()).toEqual(['ups1']);

    clock.advance(16 * MIN);
    await a.m.refresh(); // forgets ups1 in the store
    expect(s.held.size).toBe(0);
    await b.m.refresh(); // finds it gone
    expect(await b.devices()).toEqual([]);
    for (const r of [a, b]) expect(r.series.ups.size).toBe(0);

    // a new UPS takes the slot on both replicas
    await b.m.record('ups', { site: 'hq', device: 'ups2' }, [{ gauge: 'upsCharge', value: 0.8 }]);
    await a.m.refresh();
    expect(await a.devices()).toEqual(['ups2']);
    expect(await b.devices()).toEqual(['ups2']);
  });

  it('keeps a device while any of its readings is live, and one being recorded while the store is read', async () => {
    const clock = new ManualClock(0);
    const s = shared();
    const a = replica(s, clock, 2);
    await a.m.record('acd', { site: 'hq', queue: 'main' }, [{ gauge: 'acdAgentsLoggedIn', value: 20 }]);
    clock.advance(50 * MIN);
    await a.m.record('acd', { site: 'hq', queue: 'main' }, [{ gauge: 'acdCallsWaiting', value: 3 }]);
    clock.advance(20 * MIN); // agents logged in expired, calls waiting not
    await a.m.refresh();
    expect(a.series.acd.size).toBe(1);

    // ups1's write is under way while a scrape reads the store: its slot stays
    let open: () => void = () => undefined;
    s.gate = new Promise((r) => (open = r));
    const writing = a.m.record('ups', { site: 'hq', device: 'ups1' }, [{ gauge: 'upsCharge', value: 0.9 }]);
    await a.m.refresh();
    expect(a.series.ups.size).toBe(1);
    open();
    await writing;
    s.gate = undefined;
    await a.m.refresh();
    expect(await a.devices()).toEqual(['ups1']);
    expect(a.series.ups.size).toBe(1);
  });
});

