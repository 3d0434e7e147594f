/** The one shape every source is translated into at the boundary (ingest/). */

export type EventSource = 'alertmanager' | 'ups' | 'acd' | 'taskrouter' | 'api' | 'heartbeat';

export const LEVELS = [1, 2, 3, 4, 5] as const;
export type Level = (typeof LEVELS)[number];

export interface NormalizedEvent {
  readonly source: EventSource;
  /** Incident class id (snake_case id of PLAYBOOKS.md). */
  readonly class: string;
  readonly site: string;
  /** Level the facts of this event reach; the incident's level is the highest of its events. */
  readonly level: Level;
  /**
   * `firing` opens or merges; `resolved` marks this member as over; `notice` is news for the group's
   * incident (on its timeline, raising its level) that is no member of it — nothing of it will ever
   * resolve (upsmon's SHUTDOWN). A notice with no incident open opens one that a person must close.
   */
  readonly status: 'firing' | 'resolved' | 'notice';
  /**
   * What this event is a report about: an Alertmanager fingerprint, `ups:<device>`, `acd:<queue>:surge`…
   * An incident resolves from the source when every member it holds has resolved. For a notice: who
   * told it (`upsmon`), never a member.
   */
  readonly member: string;
  /**
   * Identity of this very report: the same report arriving twice (sender retries, HA replicas) is a
   * duplicate. For Alertmanager: fingerprint + startsAt + status.
   */
  readonly eventKey: string;
  /** Extra grouping input (for `{group}` in a class's group template), e.g. the Alertmanager fingerprint. */
  readonly groupHint: string;
  readonly summary: string;
  /** Epoch ms when the fact was observed (source time when given, else receipt time). */
  readonly at: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>>;
  readonly drill: boolean;
  /**
   * A `resolved` report takes effect once the member stayed calm this long (ms). Only for sources that
   * repeat their figures (UPS polls, ACD feeds); Alertmanager delivers a resolution once, so 0 there.
   */
  readonly holdMs?: number | undefined;
  /**
   * A firing that is a new occurrence, not a flap of the last one: it opens a new incident even when
   * its group's was resolved within `incidents.reopenWindow` (a source's silence of today, right after
   * yesterday's was ended).
   */
  readonly afresh?: boolean | undefined;
  /**
   * An event of a source whose events carry an occurrence identity (Alertmanager: fingerprint and
   * startsAt): the eventKey of that occurrence's resolution (a resolution's own). A firing received
   * within `incidents.staleFiringWindow` of its member's resolution by that very key is a late copy
   * (an HA peer's that had not seen the resolution yet): a duplicate, never a reopening. A resolution
   * that carries it is recorded on its member even when a person closed the incident first, so that
   * the late copy after it is known as one. Absent for sources without one (UPS, ACD): their events
   * are judged as ever.
   */
  readonly resolutionKey?: string | undefined;
  /**
   * A report's idempotency key (`POST /api/incidents`), when its sender gave one: the store remembers
   * which incident the report landed on for `incidents.idempotencyWindow`, so that the same report sent
   * again is a duplicate of it whatever became of it (resolved: not reopened, nobody paged again).
   * Remembered per group: the same key with another class or site is another report.
   */
  readonly reportKey?: string | undefined;
}

export function clampLevel(n: number): Level {
  const r = Math.round(n);
  if (Number.isNaN(r)) return 1; // never NaN on the record, whatever came in
  return (r < 1 ? 1 : r > 5 ? 5 : r) as Level;
}

export function maxLevel(a: Level, b: Level): Level {
  return a >= b ? a : b;
}
