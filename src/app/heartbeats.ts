/**
 * Use case: the dead-man's switch. Sources report (`observe`); a periodic `check(now)` opens an
 * incident (through IngestEvents, source `heartbeat`) for each watched source silent longer than
 * its `missingAfter`; the next report resolves it. Watched: every key seen at least once, plus the
 * keys the config expects from the first check on. A source watched `during: business_hours` is silent
 * only while they hold, and gets `openingGrace` after each opening for its first report; a silence
 * still open when they end is resolved by the first check after that, or by the escalation engine
 * looking at its incident (EndSilencesAtClosing), at closing or once a daemon down then is back, by
 * whichever takes its mark off first.
 */
import type { HeartbeatsConfig } from '../config/schema.js';
import type { BusinessHours } from '../domain/business-hours.js';
import { clampLevel } from '../domain/event.js';
import { silentFrom, watchAt } from '../domain/heartbeat-hours.js';
import {
  heartbeatMember,
  hoursEndedEvent,
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
  /** daemon.yaml businessHours: when sources watched `during: business_hours` are expected to report. */
  readonly businessHours: BusinessHours;
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
    await this.afterMark(heartbeatMember(beat), true, () => this.deps.ingest.ingest([returnEvent(beat, now, this.incident)]));
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
    // the members marked missing, read once and only when a watched source is out of its hours: after
    // hours a check then costs one read, not a write per source, and takes off only the marks there are
    let marks: Promise<Set<string>> | undefined;
    const marked = () => (marks ??= store.marked());
    let failed: unknown;
    for (const [member, lastSeen] of await store.watched()) {
      const beat = parseHeartbeatMember(member);
      if (!beat || !config[beat.source].enabled) continue;
      latest.set(beat.source, Math.max(latest.get(beat.source) ?? 0, lastSeen));
      // one source's failure leaves the others looked at; the first is thrown once all were
      try {
        if (await this.look(beat, member, lastSeen, now, marked)) silent.push(member);
      } catch (e) {
        failed ??= e;
      }
    }
    // after a restart the gauge shows what Redis remembers (expected keys count from when watching began)
    for (const [source, at] of latest) this.deps.metrics.sourceLastSeen.set({ source }, at / 1000);
    if (failed !== undefined) throw failed;
    return silent;
  }

  /** One watched source: its silence opened (true), ended with business hours, or nothing. */
  private async look(beat: Beat, member: string, lastSeen: number, now: number, marked: () => Promise<Set<string>>): Promise<boolean> {
    const { config, store } = this.deps;
    const watch = watchAt(config[beat.source], this.deps.businessHours, now);
    if (watch.closed) {
      if ((await marked()).has(member)) await this.standDown(beat, member, now);
      return false;
    }
    const missingAfter = config[beat.source].missingAfter;
    if (now < silentFrom(lastSeen, missingAfter, watch.opening)) return false;
    const since = await store.markMissing(member, now - missingAfter + 1);
    if (since === undefined) return false;
    this.deps.logger.warn({ heartbeat: beat.source, key: beat.key, lastSeen: new Date(since).toISOString() }, 'heartbeat missing');
    const openedAt = watch.opening && since < watch.opening.at ? this.deps.businessHours.start : undefined;
    await this.afterMark(member, false, () =>
      this.deps.ingest.ingest([silenceEvent(beat, since, missingAfter * (this.deps.speed ?? 1), now, this.incident, openedAt)]),
    );
    return true;
  }

  /**
   * The incident step that follows a change of the member's "missing" mark (set: a silence to open;
   * taken off: one to end). Should it fail, the mark goes back as it was, so that a later check or
   * report does the step again: a silence marked but never opened would page nobody, and one
   * unmarked but never ended would stay open for good.
   */
  private async afterMark(member: string, wasMissing: boolean, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (e) {
      await (wasMissing ? this.deps.store.restoreMissing(member) : this.deps.store.clearMissing(member)).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Ends the source's silence when `now` is outside its hours (the escalation engine asks, when it looks
   * at the silence's incident, before any step of it runs); true when this call ended it.
   */
  async endAfterHours(beat: Beat, now: number): Promise<boolean> {
    if (!this.enabled(beat.source) || !watchAt(this.deps.config[beat.source], this.deps.businessHours, now).closed) return false;
    return this.standDown(beat, heartbeatMember(beat), now);
  }

  /**
   * Outside its hours a source is not expected to report: a silence still marked ends, at whatever
   * comes first after closing (the check, or the engine looking at its incident: at closing, or once a
   * daemon down then is back), once, by the call that takes the mark off; true for that call.
   */
  private async standDown(beat: Beat, member: string, now: number): Promise<boolean> {
    if (!(await this.deps.store.clearMissing(member))) return false;
    this.deps.logger.info({ heartbeat: beat.source, key: beat.key }, 'heartbeat silence ended: business hours are over');
    await this.afterMark(member, true, () => this.deps.ingest.ingest([hoursEndedEvent(beat, now, this.deps.businessHours.end, this.incident)]));
    return true;
  }
}
