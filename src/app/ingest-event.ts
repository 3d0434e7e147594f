/** Use case: record normalized events as incidents — open or merge, atomically, in one round trip. */
import type { Config } from '../config/load-config.js';
import type { ClassConfig } from '../config/schema.js';
import { groupKeyFor } from '../domain/dedupe.js';
import { matchLabelNames, matchLabelsOf } from '../domain/escalation.js';
import type { NormalizedEvent } from '../domain/event.js';
import { TocsinError } from '../domain/errors.js';
import type { Clock, IdSource, IncidentStore, IngestCommand, IngestOutcome } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createTracer, withSpan, type Tracer } from '../telemetry/tracer.js';
import { drillIdOf } from './incident-stores.js';

export interface IngestResult {
  readonly event: NormalizedEvent;
  readonly outcome: IngestOutcome;
}

/** Called after events were durably recorded (the escalation engine reacts at once to openings and resolutions). */
export type IngestListener = (results: readonly IngestResult[]) => void;

export interface IngestDeps {
  readonly config: Config;
  readonly live: IncidentStore;
  readonly drill: IncidentStore;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Spans ingest → classify → dedupe (default: the global tracer, a no-op without an SDK). */
  readonly tracer?: Tracer;
}

export interface IngestOptions {
  /** Alerts the sender left out of the body (counted once). */
  readonly truncated?: number | undefined;
  /** The group of each event, when the caller knows it already (settling holds). */
  readonly groupKeys?: readonly string[] | undefined;
  /**
   * All-clears that find nothing to clear are answered `ignored` and not counted: a UPS poll reports
   * every condition it does not see as cleared, 6–7 of them on every poll of an idle UPS, and a calm
   * ACD report every figure under its threshold (its surge figures, the agents, each seat that is ok).
   */
  readonly quietClears?: boolean | undefined;
}

export class IngestEvents {
  private readonly listeners: IngestListener[] = [];
  private readonly tracer: Tracer;
  /** Per class: the label names its tiers match on (what an incident keeps of each event's labels). */
  private readonly matchNamesOf = new Map<string, string[]>();

  constructor(private readonly deps: IngestDeps) {
    this.tracer = deps.tracer ?? createTracer();
  }

  onRecorded(listener: IngestListener): void {
    this.listeners.push(listener);
  }

  /**
   * Records every event; resolves only once all are durable. Throws TocsinError
   * (STORE_UNAVAILABLE → 503) when they could not be recorded: nothing is half-acknowledged.
   */
  async ingest(events: readonly NormalizedEvent[], options: IngestOptions = {}): Promise<IngestResult[]> {
    if (events.length === 0) {
      // a body whose only alerts were taken out (the Watchdog, a heartbeat) still says what it left out
      this.countTruncated(options);
      return [];
    }
    const sources = [...new Set(events.map((e) => e.source))].join(',');
    const started = process.hrtime.bigint();
    const results = await withSpan(this.tracer, 'ingest', { 'tocsin.source': sources, 'tocsin.events': events.length }, () => this.record(events, options));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const source of new Set(events.map((e) => e.source))) this.deps.metrics.ingestDuration.observe({ source }, seconds);
    return results;
  }

  /** Counted once the body is recorded: a body refused (503) and sent again is counted at the attempt that is answered 200. */
  private countTruncated(options: IngestOptions): void {
    if (options.truncated) this.deps.metrics.truncatedAlerts.inc(options.truncated);
  }

  private matchNames(klassId: string, klass: ClassConfig): string[] {
    let names = this.matchNamesOf.get(klassId);
    if (!names) this.matchNamesOf.set(klassId, (names = matchLabelNames(klass)));
    return names;
  }

  private async record(events: readonly NormalizedEvent[], options: IngestOptions): Promise<IngestResult[]> {
    const { config, clock, ids, metrics } = this.deps;
    const now = clock.now();
    const live: IngestCommand[] = [];
    const drill: IngestCommand[] = [];
    const order: { drill: boolean; index: number }[] = [];
    let truncated = options.truncated ?? 0;
    const classify = this.tracer.startSpan('classify', { attributes: { 'tocsin.events': events.length } });
    try {
      for (const [i, event] of events.entries()) {
        const klass = config.playbooks.classes[event.class];
        if (!klass) throw new TocsinError('TOCSIN_ERR_CLASS_UNKNOWN', `unknown incident class "${event.class}"`);
        const target = event.drill ? drill : live;
        const newId = ids.next(now);
        target.push({
          event,
          groupKey: options.groupKeys?.[i] ?? groupKeyFor(klass.group, event),
          newId: event.drill ? drillIdOf(newId) : newId,
          resolveHoldMs: event.holdMs ?? 0,
          resolution: klass.resolution,
          playbookVersion: config.playbooks.version,
          truncated,
          matchLabels: matchLabelsOf(this.matchNames(event.class, klass), event.labels),
          // each namespace's share of the body is one body to the store, its left-out alerts on the first share
          continuesBody: target.length > 0,
        });
        order.push({ drill: event.drill, index: target.length - 1 });
        truncated = 0; // counted once per body
      }
      classify.setAttribute('tocsin.class', [...new Set(events.map((e) => e.class))].join(','));
    } finally {
      classify.end();
    }
    const [liveOut, drillOut] = await withSpan(this.tracer, 'dedupe', { 'tocsin.events': events.length }, async (span) => {
      const out = await Promise.all([this.deps.live.ingest(live, now), this.deps.drill.ingest(drill, now)]);
      span.setAttribute('tocsin.outcomes', [...new Set(out.flat().map((o) => o.kind))].join(','));
      return out;
    });
    const results: IngestResult[] = order.map((o, i) => {
      const outcome = (o.drill ? drillOut : liveOut)[o.index];
      const event = events[i];
      if (!outcome || !event) throw new TocsinError('TOCSIN_ERR_INTERNAL', 'ingest result missing');
      return { event, outcome };
    });
    for (const { event, outcome } of results) {
      if (options.quietClears && outcome.kind === 'ignored' && event.status === 'resolved') continue;
      metrics.eventsReceived.inc({ source: event.source, result: outcome.kind });
      if (outcome.kind === 'duplicate') metrics.duplicatesMerged.inc({ source: event.source });
      if (outcome.kind === 'opened') metrics.incidentsOpened.inc({ class: event.class, drill: String(event.drill) });
      if (outcome.kind === 'resolved') {
        metrics.incidentsResolved.inc({ class: event.class, via: 'source', drill: String(event.drill) });
        if (outcome.openedAtMs) metrics.timeToResolve.observe({ class: event.class, drill: String(event.drill) }, Math.max(0, now - outcome.openedAtMs) / 1000);
      }
      if (outcome.levelRaised && outcome.level !== 0) metrics.levelRaised.inc({ class: event.class, level: String(outcome.level) });
    }
    this.countTruncated(options);
    for (const l of this.listeners) {
      try {
        l(results);
      } catch (e) {
        this.deps.logger.error({ err: e }, 'ingest listener failed');
      }
    }
    return results;
  }
}
