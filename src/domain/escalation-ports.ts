/** Ports of the escalation engine: the due queue, the per-incident escalation state, notifications, playbook snapshots. */
import type { ClassConfig } from '../config/schema.js';
import type { Level } from './event.js';
import type { Incident, IncidentState, Notification } from './incident.js';

/** One claimed incident: the claimer holds it until it reschedules or the lease runs out. */
export interface DueClaim {
  readonly id: string;
  /** When it fell due (epoch ms); NaN when it was claimed out of turn and had no due entry. */
  readonly dueAt: number;
  /** Fencing token: only its holder may reschedule. */
  readonly token: string;
}

export type RescheduleResult = 'rescheduled' | 'touched' | 'lost';

export interface AuditResult {
  /** Open incidents that had no due entry (re-added). */
  readonly missing: readonly string[];
  /** Due entries older than the lease (nobody claimed them in time). */
  readonly overdue: readonly string[];
}

/** Incidents whose escalation is due, in one namespace. */
export interface EscalationQueue {
  claimDue(now: number, batch: number): Promise<DueClaim[]>;
  /** Claims one incident at once (fast path); undefined while someone else holds it. */
  claim(id: string, now: number): Promise<DueClaim | undefined>;
  /** `next`: epoch ms; 'park' (open, nothing due by time); null (nothing left: removed). */
  reschedule(id: string, token: string, next: number | 'park' | null): Promise<RescheduleResult>;
  /** Finds open incidents with no due entry (and re-adds them) or an overdue one. */
  audit(now: number): Promise<AuditResult>;
  /** When (epoch ms) the earliest incident is due; undefined when none is due by time. */
  nextDue(): Promise<number | undefined>;
  /**
   * Asks for a look at these incidents by `now` (a hold they wait out was lifted early): their due
   * time moves to `now` unless it is earlier; a claimer's reschedule keeps it. Ids not in the due
   * set are left alone. Returns how many moved.
   */
  lookNow(ids: readonly string[], now: number): Promise<number>;
}

/** What the engine reads of an incident besides its public JSON. */
export interface EscalationFacts {
  readonly state: IncidentState;
  readonly level: Level;
  readonly tier: number;
  readonly openedAtMs: number;
  readonly levelAtMs: number;
  readonly acknowledgedAtMs: number | null;
  readonly resolvedAtMs: number | null;
  readonly reopenCount: number;
  readonly playbookVersion: string;
  /** Every member calm or resolved. */
  readonly controlled: boolean;
  /** When the first held resolution ends (epoch ms), null when no member is calm. */
  readonly holdEndsAtMs: number | null;
  /** Step keys carried out. */
  readonly done: ReadonlySet<string>;
  /** "<cycle>:<tier>" → epoch ms the tier was brought forward. */
  readonly advanced: ReadonlyMap<string, number>;
  /** The labels of the events recorded in the current cycle (a tier matching any of them applies). */
  readonly seenLabels: readonly Readonly<Record<string, string>>[];
}

/** What decides whether a page is still wanted, read right before it goes out. */
export type LiveFacts = Pick<EscalationFacts, 'state' | 'reopenCount' | 'controlled'>;

export interface EscalationStateStore {
  /** The facts as of `now` (epoch ms), which decides which held resolutions are over. */
  facts(id: string, now: number): Promise<EscalationFacts | undefined>;
  /** Only state, cycle and whether every member is calm: the small read before each page. */
  live(id: string): Promise<LiveFacts | undefined>;
  /**
   * The incident and its facts, read together (one read of the incident's keys where the store can).
   * The incident's `members` may hold only the members whose held resolution is over at `now`: the
   * ones the engine settles; how many are calm and when the next hold ends are in the facts.
   */
  snapshot(id: string, now: number): Promise<{ incident: Incident; facts: EscalationFacts } | undefined>;
  /**
   * Marks a step done (once) and raises `tier` when given; true when newly marked. `reached`, when
   * given, goes on the timeline in the same step, only when newly marked.
   */
  completeStep(id: string, key: string, now: number, tier: number | null, reached?: TimelineNote): Promise<boolean>;
  /** Raises the level of an open incident; the previous level when raised, 0 otherwise. */
  raiseLevel(id: string, to: Level, reason: string, now: number): Promise<number>;
  /** Brings a tier forward to now (coverage gap in the tier before it); true when newly so. */
  advanceTier(id: string, cycle: number, tier: number, now: number): Promise<boolean>;
  /** Sets a marker once; true the first time (keeps timeline notes from repeating). */
  markOnce(id: string, mark: string, now: number): Promise<boolean>;
}

/** A timeline entry to write, and when it happened (epoch ms). */
export interface TimelineNote {
  readonly entry: { readonly type: string; readonly [field: string]: unknown };
  readonly at: number;
}

/** A notification as stored: the public fields plus what the engine needs to resume it. */
export interface StoredNotification extends Notification {
  readonly incidentId: string;
  readonly stepKey: string;
  readonly condition?: string;
  readonly note?: string;
  readonly claimedBy?: string;
  readonly claimedAtMs?: number;
  /** 'temporary' | 'permanent' for failed records. */
  readonly failure?: string;
  /** Why a cancelled page was not sent: `no longer unresolved` (its condition ended), `throttled`. */
  readonly reason?: string;
}

/**
 * owned / reclaimed: the caller sends; exists: someone else has it; code_taken: offer another reply
 * code; gone: the incident no longer exists, nothing is recorded or sent.
 */
export type ClaimOutcome = 'owned' | 'reclaimed' | 'exists' | 'code_taken' | 'gone';

/**
 * A claim's answer: the record as it is now; when `reclaimed`, `from` names the claimer it was taken
 * over from and `fromClaimedAtMs` says when that claim was taken (see throttle.ts `lapsedHold`).
 */
export interface Claimed {
  readonly outcome: ClaimOutcome;
  readonly record: StoredNotification;
  readonly from?: string;
  readonly fromClaimedAtMs?: number;
}

/**
 * renewed: the claim's lease starts again now, the caller sends; lost: another claimer has it (another
 * owner, or a claim taken over since); settled: no longer planned; gone: no such record.
 */
export type RenewOutcome = 'renewed' | 'lost' | 'settled' | 'gone';

/** A reply code offered with a claim, reserved in the same step when the claim is won. */
export interface ReplyCode {
  readonly code: string;
  readonly ref: CodeRef;
  readonly ttlMs: number;
}

export interface NotificationStore {
  /**
   * Claims a notification before it is sent. With `code`, the claim also reserves that reply code
   * for it (a record reclaimed with a code keeps its own); `code_taken` when the code is in use.
   * `from` and `fromClaimedAtMs`, when `reclaimed`: the claim it took over.
   */
  claim(record: StoredNotification, now: number, leaseMs: number, owner: string, code?: ReplyCode): Promise<Claimed>;
  /**
   * Renews a claim right before its page goes to the provider: while the record is still planned and
   * holds the claim `owner` took at `claimedAtMs`, its lease starts again at `now` (so the whole send
   * fits in one lease, whatever took time since the claim). Anything else is left as it is.
   */
  renew(incidentId: string, id: string, owner: string, claimedAtMs: number, now: number): Promise<RenewOutcome>;
  /**
   * Merges fields into a record; only its claimer may (owner '' = anyone). `note`, when given, goes
   * on the incident's timeline in the same step whenever the record exists, even when this claimer
   * may no longer record.
   */
  update(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean>;
  /**
   * Records a page its provider took (status sent or logged, provider id, `sentAt`), `note` with it.
   * While the record is planned it is merged when `owner` still claims it (owner '': whoever claims it
   * now — a page whose record could not be written right after the send, Redis down, written later: a
   * claim taken over since has not sent yet, and its renewal before the send then finds the page
   * settled). A record that news of this page reached first (a status callback posted before the
   * provider's answer came back, a key pressed) keeps its status: the rest is added, `note` with it.
   * False when the record is missing, claimed by someone else, or settled already (with `owner`,
   * `note` still goes on the timeline: what was tried is told).
   */
  recordSent(incidentId: string, id: string, patch: Partial<StoredNotification>, owner: string, note?: TimelineNote): Promise<boolean>;
  lookupCode(code: string): Promise<CodeRef | undefined>;
}

/** What an SMS reply code points at. */
export interface CodeRef {
  readonly incidentId: string;
  readonly notificationId: string;
  readonly person: string;
}

/** The playbook each incident started with, kept per version. */
export interface PlaybookSnapshots {
  /** Stores the classes under their version once (the first writer wins). */
  save(version: string, classes: Readonly<Record<string, ClassConfig>>): Promise<void>;
  classFor(version: string, klass: string): Promise<ClassConfig | undefined>;
}
