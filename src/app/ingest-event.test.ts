import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { TocsinError } from '../domain/errors.js';
import type { IncidentStore, IngestCommand } from '../domain/ports.js';
import { ManualClock } from '../platform/clock.js';
import { createMetrics } from '../telemetry/metrics.js';
import { upsEvent } from '../../test/support/events.js';
import { IngestEvents } from './ingest-event.js';

const config = loadConfig('config');
const event = upsEvent(0);

/** A store that refuses the first `failures` calls as Redis down would, then records every event as merged. */
function store(failures: number): IncidentStore {
  let calls = 0;
  return {
    async ingest(commands: readonly IngestCommand[]) {
      if (commands.length > 0 && calls++ < failures) throw new TocsinError('TOCSIN_ERR_STORE_UNAVAILABLE', 'redis down');
      return commands.map(() => ({ kind: 'merged' as const, id: 'inc-1', eventCount: 1, level: 3 as const, levelRaised: false, state: 'open' as const }));
    },
  } as unknown as IncidentStore;
}

async function truncatedCount(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  return (await metrics.truncatedAlerts.get()).values.reduce((n, v) => n + v.value, 0);
}

describe('IngestEvents: alerts Alertmanager left out', () => {
  const ingestWith = (failures: number) => {
    const metrics = createMetrics();
    const ingest = new IngestEvents({ config, live: store(failures), drill: store(0), clock: new ManualClock(), ids: { next: () => 'id' }, metrics, logger: pino({ level: 'silent' }) });
    return { metrics, ingest };
  };

  it('are counted for a body with no event left in it (only the Watchdog, taken out for the heartbeat)', async () => {
    const { metrics, ingest } = ingestWith(0);
    expect(await ingest.ingest([], { truncated: 4 })).toEqual([]);
    expect(await truncatedCount(metrics)).toBe(4);
  });

  it('are counted once when a body is refused (503) and sent again', async () => {
    const { metrics, ingest } = ingestWith(1);
    await expect(ingest.ingest([event], { truncated: 3 })).rejects.toThrow('redis down');
    expect(await truncatedCount(metrics)).toBe(0);
    await ingest.ingest([event], { truncated: 3 });
    expect(await truncatedCount(metrics)).toBe(3);
  });
});
