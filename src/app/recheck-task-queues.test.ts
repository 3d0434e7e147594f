import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { NormalizedEvent } from '../domain/event.js';
import type { QueueSnapshot } from '../domain/taskrouter.js';
import { ManualClock } from '../platform/clock.js';
import type { IngestResult } from './ingest-event.js';
import type { TelemetryFigure } from './telemetry-mirror.js';
import { RecheckTaskQueues } from './recheck-task-queues.js';

const config = loadConfig('config');
const T0 = Date.parse('2026-11-23T04:00:00Z');

type Recorded = { family: string; labels: Readonly<Record<string, string>>; figures: readonly TelemetryFigure[] };

/** A telemetry mirror that keeps what it was given. */
function gauges() {
  const recorded: Recorded[] = [];
  return { recorded, telemetry: { record: async (family: 'ups' | 'acd', labels: Readonly<Record<string, string>>, figures: readonly TelemetryFigure[]) => void recorded.push({ family, labels, figures }) } };
}

function recheck(queues: QueueSnapshot[]) {
  const sent: NormalizedEvent[][] = [];
  const { recorded, telemetry } = gauges();
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
    telemetry,
  });
  return { r, sent, recorded };
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
      telemetry: gauges().telemetry,
    });
    await r.run(T0 + 20_000);
    expect(sent.map((e) => `${e.site} ${e.member}`)).toEqual(['hq acd:hq:On-call:surge:longest_wait']);
  });

  it("refreshes every waiting queue's calls waiting and longest wait in the ACD gauges, over its thresholds or not", async () => {
    const { r, recorded } = recheck([stuck, { ...stuck, queueSid: 'WQb', queueName: 'Sales', waiting: 2, oldestCreatedAt: T0 - 20_000 }]);
    await r.run(T0);
    await r.run(T0 + 15_000);
    const figures = (x: Recorded) => Object.fromEntries(x.figures.map((f) => [f.gauge, f.value]));
    expect(recorded.map((x) => [x.family, x.labels, figures(x)])).toEqual([
      ['acd', { site: 'default', queue: 'On-call' }, { acdCallsWaiting: 1, acdLongestWait: 170 }],
      ['acd', { site: 'default', queue: 'Sales' }, { acdCallsWaiting: 2, acdLongestWait: 20 }],
      ['acd', { site: 'default', queue: 'On-call' }, { acdCallsWaiting: 1, acdLongestWait: 185 }],
      ['acd', { site: 'default', queue: 'Sales' }, { acdCallsWaiting: 2, acdLongestWait: 35 }],
    ]);
  });
});
