import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { NormalizedEvent } from '../domain/event.js';
import type { QueueSnapshot } from '../domain/taskrouter.js';
import { ManualClock } from '../platform/clock.js';
import type { IngestResult } from './ingest-event.js';
import { RecheckTaskQueues } from './recheck-task-queues.js';

const config = loadConfig('config');
const T0 = Date.parse('2026-11-23T04:00:00Z');

function recheck(queues: QueueSnapshot[]) {
  const sent: NormalizedEvent[][] = [];
  const r = new RecheckTaskQueues({
    queues: { waiting: async () => queues },
    ingest: {
      ingest: async (events: readonly NormalizedEvent[]) => {
        sent.push([...events]);
        return events.map((event) => ({ event, outcome: { kind: 'opened', id: 'x' } }) as unknown as IngestResult);
      },
    },
    sources: config.sources,
    businessHours: config.daemon.businessHours,
  });
  return { r, sent };
}

const stuck: QueueSnapshot = { workspace: 'WS1', queueSid: 'WQa', queueName: 'On-call', waiting: 1, oldestCreatedAt: T0 - 170_000, availableWorkers: 0 };

describe('RecheckTaskQueues', () => {
  it('a task entered at 170 s is under the 180 s limit at once, and over it 15 s later without any callback', async () => {
    const clock = new ManualClock(T0);
    const { r, sent } = recheck([stuck]);
    expect(await r.run(clock.now())).toEqual([]);
    clock.advance(15_000);
    const results = await r.run(clock.now());
    expect(results.map((x) => x.event.member)).toEqual(['acd:default:On-call:surge:longest_wait']);
    expect(sent.at(-1)?.[0]).toMatchObject({ class: 'inbound_surge', status: 'firing', source: 'taskrouter', at: T0 + 15_000, eventKey: 'acd:default:On-call:surge:longest_wait:over' });
    expect(sent.at(-1)?.[0]?.summary).toContain('longest wait 185 s (over 180 s)');
    expect(sent.at(-1)?.[0]?.details).toMatchObject({ workspaceSid: 'WS1', taskQueueSid: 'WQa' });
  });

  it('sends only the figures over their thresholds: those under are left to the callbacks', async () => {
    const { r, sent } = recheck([{ ...stuck, waiting: 31, oldestCreatedAt: T0 - 10_000 }, { ...stuck, queueSid: 'WQb', queueName: 'Sales', oldestCreatedAt: T0 - 1_000 }]);
    await r.run(T0);
    expect(sent.flat().map((e) => `${e.member}=${e.status}`)).toEqual(['acd:default:On-call:surge:calls_waiting=firing']);
  });

  it('maps the workspace to its site (taskrouter.sites)', async () => {
    const sites = { ...config.sources, taskrouter: { ...config.sources.taskrouter, sites: { WS1: 'hq' } } };
    const sent: NormalizedEvent[] = [];
    const r = new RecheckTaskQueues({
      queues: { waiting: async () => [stuck] },
      ingest: { ingest: async (events: readonly NormalizedEvent[]) => (sent.push(...events), []) },
      sources: sites,
      businessHours: config.daemon.businessHours,
    });
    await r.run(T0 + 20_000);
    expect(sent.map((e) => `${e.site} ${e.member}`)).toEqual(['hq acd:hq:On-call:surge:longest_wait']);
  });
});
