/**
 * Use case: age the TaskRouter tasks tocsin knows to be waiting, between callbacks. TaskRouter tells of a
 * task when it enters a queue, not while it sits there: a quiet queue with one stuck call would never
 * cross the longest-wait threshold. Each run judges every queue with tasks waiting at the run's minute
 * and records the figures it finds over their thresholds through the normal intake, whose dedupe opens
 * one incident however many replicas run it (the others' reports merge as duplicates). Figures under
 * their thresholds are left to the callbacks: time only makes a wait longer. Every queue's aged
 * figures (calls waiting, longest wait) go to the ACD gauges too, so /metrics shows the wait growing
 * while a call is stuck, not the wait the last callback told.
 */
import type { DaemonConfig, SourcesConfig } from '../config/schema.js';
import { evaluateAcd } from '../domain/acd.js';
import { queueAcdInput, type TaskRouterState } from '../domain/taskrouter.js';
import { mirrorAcd } from './acd-gauges.js';
import type { IngestEvents, IngestResult } from './ingest-event.js';
import type { TelemetryMirror } from './telemetry-mirror.js';

export interface RecheckTaskQueuesDeps {
  readonly queues: Pick<TaskRouterState, 'waiting'>;
  readonly ingest: Pick<IngestEvents, 'ingest'>;
  readonly sources: SourcesConfig;
  readonly businessHours: DaemonConfig['businessHours'];
  /** The ACD gauges (the same on every replica). */
  readonly telemetry: Pick<TelemetryMirror, 'record'>;
}

export class RecheckTaskQueues {
  constructor(private readonly deps: RecheckTaskQueuesDeps) {}

  /** One re-check at `now`; resolves with what the intake made of the figures found over. */
  async run(now: number): Promise<IngestResult[]> {
    const { queues, ingest, sources, businessHours, telemetry } = this.deps;
    const inputs = (await queues.waiting(now)).map((q) => queueAcdInput(q, sources.taskrouter, now));
    const events = inputs.flatMap((i) => evaluateAcd(i, sources.acd, businessHours, now)).filter((e) => e.status === 'firing');
    const results = await ingest.ingest(events);
    for (const i of inputs) await mirrorAcd(telemetry, i.site, i.queue ?? '', i.metrics ?? {});
    return results;
  }
}
