/**
 * Use case: the dead-man's switch. Sources report (`observe`); a periodic `check(now)` opens an
 * incident (through IngestEvents, source `heartbeat`) for each watched source silent longer than
 * its `missingAfter`; the next report resolves it. Watched: every key seen at least once, plus the
 * keys the config expects from the first check on.
 */
import type { HeartbeatsConfig } from '../config/schema.js';
import { clampLevel } from '../domain/event.js';
import {
  heartbeatMember,
  parseHeartbeatMember,
  returnEvent,
  silenceEvent,
  HEARTBEAT_SOURCES,
  type Beat,
  type HeartbeatIncident,
  type HeartbeatSource,
  type HeartbeatStore,
} from '../domain/heartbeat.js';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { IngestEvents } from './ingest-event.js';

export interface HeartbeatDeps {
  readonly config: HeartbeatsConfig;
  readonly store: HeartbeatStore;
  readonly ingest: Pick<IngestEvents, 'ingest'>;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** TOCSIN_CLOCK_SPEED: waits run this much faster; summaries still say the planned durations (default 1). */
  readonly speed?: number;
}

export class Heartbeats {
  private seeded = false;
  private readonly incident: HeartbeatIncident;

  constructor(private readonly deps: HeartbeatDeps) {
    this.incident = { class: deps.config.class, level: clampLevel(deps.config.level), alertname: deps.config.alertmanager.alertname };
  }

  /** The Watchdog alert's name (its alerts only feed the heartbeat). */
  get watchdogAlertname(): string {
    return this.deps.config.alertmanager.alertname;
  }

  enabled(source: HeartbeatSource): boolean {
    return this.deps.config[source].enabled;
  }

  /** A source reported at `now`: remembered; a source that had been silent resolves its incident. */
  async observe(beat: Beat, now: number = this.deps.clock.now()): Promise<void> {
    if (!this.enabled(beat.source) || beat.key === '') return;
    const wasMissing = await this.deps.store.beat(heartbeatMember(beat), now);
    this.deps.metrics.sourceLastSeen.set({ source: beat.source }, now / 1000);
    if (!wasMissing) return;
    this.deps.logger.info({ heartbeat: beat.source, key: beat.key }, 'heartbeat back');
    await this.deps.ingest.ingest([returnEvent(beat, now, this.incident)]);
  }

  /** Opens an incident for each watched source silent too long; returns the members newly found silent. */
  async check(now: number = this.deps.clock.now()): Promise<string[]> {
    const { config, store } = this.deps;
    if (!this.seeded) {
      for (const source of HEARTBEAT_SOURCES) {
        if (!config[source].enabled) continue;
        for (const key of config[source].expected) await store.expect(heartbeatMember({ source, key }), now);
      }
      this.seeded = true;
    }
    const silent: string[] = [];
    const latest = new Map<HeartbeatSource, number>();
    for (const [member, lastSeen] of await store.watched()) {
      const beat = parseHeartbeatMember(member);
      if (!beat || !config[beat.source].enabled) continue;
      latest.set(beat.source, Math.max(latest.get(beat.source) ?? 0, lastSeen));
      const missingAfter = config[beat.source].missingAfter;
      if (now - lastSeen < missingAfter) continue;
      const since = await store.markMissing(member, now - missingAfter + 1);
      if (since === undefined) continue;
      this.deps.logger.warn({ heartbeat: beat.source, key: beat.key, lastSeen: new Date(since).toISOString() }, 'heartbeat missing');
      await this.deps.ingest.ingest([silenceEvent(beat, since, missingAfter * (this.deps.speed ?? 1), now, this.incident)]);
      silent.push(member);
    }
    // after a restart the gauge shows what Redis remembers (expected keys count from when watching began)
    for (const [source, at] of latest) this.deps.metrics.sourceLastSeen.set({ source }, at / 1000);
    return silent;
  }
}
