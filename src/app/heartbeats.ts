/**
 * Use case: the dead-man's switch. Sources report (`observe`); a periodic `check(now)` opens an
 * incident (through IngestEvents, source `heartbeat`) for each watched source silent longer than
 * its `missingAfter`; the next report resolves it. Watched: every key seen at least once, plus the
 * keys the config expects from the first check on. A source watched `during: business_hours` is silent
 * only while they hold, and gets `openingGrace` after each opening for its first report; a silence
 * still open when they end is resolved by the first check after that, or by the escalation engine
 * looking at its incident (EndSilencesAtClosing), at closing or once a daemon down then is back, by
 * whichever takes its mark off first. Each mark carries when it was set: one set before the last
 * closing is over even when no daemon ran from before that closing until after the next opening (the
 * first look back ends it, and judges the source afresh for today).
 */
import type { HeartbeatsConfig } from '../config/schema.js';
import { clampLevel } from '../domain/event.js';
import { lastBusinessEnd, type BusinessHours } from '../domain/business-hours.js';
import { closedSinceMark, silentFrom, watchAt, type WatchNow } from '../domain/heartbeat-hours.js';
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
  type StaleMark,
} from '../domain/heartbeat.js';
import type { Clock } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { IngestEvents } from './ingest-event.js';

/** The day's opening a watched source is judged from, with its grace. */
type Opening = NonNullable<Extract<WatchNow, { closed: false }>['opening']>;

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

  /**
   * A source reported at `now`: remembered; a source that had been silent resolves its incident (a
   * silence marked before the last closing of its hours ended with it, and is resolved as such).
   */
  async observe(beat: Beat, now: number = this.deps.clock.now()): Promise<void> {
    if (!this.enabled(beat.source) || beat.key === '') return;
    const member = heartbeatMember(beat);
    const markedAt = await this.deps.store.beat(member, now);
    this.deps.metrics.sourceLastSeen.set({ source: beat.source }, now / 1000);
    if (markedAt === undefined) return;
    if (closedSinceMark(this.deps.config[beat.source], this.deps.businessHours, markedAt, now) !== undefined) {
      await this.endStale(beat, member, markedAt, now);
      return;
    }
    this.deps.logger.info({ heartbeat: beat.source, key: beat.key }, 'heartbeat back');
    await this.afterMark(member, markedAt, () => this.deps.ingest.ingest([returnEvent(beat, now, this.incident)]));
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
    // a silence marked before the last closing (no daemon ran from then until after the opening)
    if (watch.opening && (await marked()).has(member)) {
      const stale = await this.renew(beat, member, lastSeen, now, watch.opening);
      if (stale) return stale.silentSince !== undefined;
    }
    const missingAfter = config[beat.source].missingAfter;
    if (now < silentFrom(lastSeen, missingAfter, watch.opening)) return false;
    const since = await store.markMissing(member, now - missingAfter + 1, now);
    if (since === undefined) return false;
    await this.open(beat, member, since, now, watch.opening);
    return true;
  }

  /**
   * Opens the incident of a silence just marked (the source last seen at `since`). `stale`: the mark
   * of an earlier day's silence that was just ended, and renewed for today's (its incident a new one,
   * not that one reopened); should the opening fail, that old mark is put back, so that the next look
   * ends the old silence (already ended: nothing more) and opens today's afresh.
   */
  private async open(beat: Beat, member: string, since: number, now: number, opening: Opening | undefined, stale?: StaleMark): Promise<void> {
    const missingAfter = this.deps.config[beat.source].missingAfter;
    this.deps.logger.warn({ heartbeat: beat.source, key: beat.key, lastSeen: new Date(since).toISOString() }, 'heartbeat missing');
    const openedAt = opening && since < opening.at ? this.deps.businessHours.start : undefined;
    await this.afterMark(member, stale?.markedAt, () =>
      this.deps.ingest.ingest([silenceEvent(beat, since, missingAfter * (this.deps.speed ?? 1), now, this.incident, openedAt, stale !== undefined)]),
    );
  }

  /**
   * Within business hours, a silence marked before their last closing ended with it: its mark is taken
   * off (once, whichever check, engine or report comes first on whichever replica), its incident ended
   * with the all-clear, and the source judged afresh for today in the same step (still silent after the
   * opening's grace: marked again, and a new incident opened, by the same caller, after the old one is
   * ended). Undefined when there was no such mark.
   */
  private async renew(beat: Beat, member: string, lastSeen: number | undefined, now: number, opening: Opening): Promise<StaleMark | undefined> {
    const closedAt = lastBusinessEnd(this.deps.businessHours, now);
    if (closedAt === undefined) return undefined;
    const missingAfter = this.deps.config[beat.source].missingAfter;
    const silent = lastSeen !== undefined && now >= silentFrom(lastSeen, missingAfter, opening);
    const stale = await this.deps.store.renewStale(member, closedAt, silent ? now - missingAfter + 1 : undefined, now);
    if (!stale) return undefined;
    await this.endStale(beat, member, stale.markedAt, now);
    if (stale.silentSince !== undefined) await this.open(beat, member, stale.silentSince, now, opening, stale);
    return stale;
  }

  /** The incident of a silence marked (at `markedAt`) before the last closing, its mark taken off: ended as business hours did. */
  private async endStale(beat: Beat, member: string, markedAt: number, now: number): Promise<void> {
    this.deps.logger.info({ heartbeat: beat.source, key: beat.key }, 'heartbeat silence ended: business hours closed since it began');
    await this.afterMark(member, markedAt, () => this.deps.ingest.ingest([hoursEndedEvent(beat, now, this.deps.businessHours.end, this.incident)]));
  }

  /**
   * The incident step that follows a change of the member's "missing" mark (set: a silence to open,
   * `takenAt` undefined; taken off: one to end, `takenAt` when the mark had been set). Should it fail,
   * the mark goes back as it was, so that a later check or report does the step again: a silence marked
   * but never opened would page nobody, and one unmarked but never ended would stay open for good.
   */
  private async afterMark(member: string, takenAt: number | undefined, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (e) {
      await (takenAt !== undefined ? this.deps.store.restoreMissing(member, takenAt) : this.deps.store.clearMissing(member)).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Ends the source's silence when `now` is outside its hours, or when it was marked before their last
   * closing (then judging the source afresh for today, as the check would); the escalation engine asks,
   * when it looks at the silence's incident, before any step of it runs. True when this call ended it.
   */
  async endAfterHours(beat: Beat, now: number): Promise<boolean> {
    if (!this.enabled(beat.source)) return false;
    const watch = watchAt(this.deps.config[beat.source], this.deps.businessHours, now);
    const member = heartbeatMember(beat);
    if (watch.closed) return this.standDown(beat, member, now);
    if (!watch.opening) return false;
    return (await this.renew(beat, member, await this.deps.store.lastSeen(member), now, watch.opening)) !== undefined;
  }

  /**
   * Outside its hours a source is not expected to report: a silence still marked ends, at whatever
   * comes first after closing (the check, or the engine looking at its incident: at closing, or once a
   * daemon down then is back), once, by the call that takes the mark off; true for that call.
   */
  private async standDown(beat: Beat, member: string, now: number): Promise<boolean> {
    const markedAt = await this.deps.store.clearMissing(member);
    if (markedAt === undefined) return false;
    this.deps.logger.info({ heartbeat: beat.source, key: beat.key }, 'heartbeat silence ended: business hours are over');
    await this.afterMark(member, markedAt, () => this.deps.ingest.ingest([hoursEndedEvent(beat, now, this.deps.businessHours.end, this.incident)]));
    return true;
  }
}
