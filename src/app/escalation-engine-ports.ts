/** What the escalation engine is built from and what it answers: its dependencies, namespaces and results. */
import type { Config } from '../config/load-config.js';
import type { EscalationQueue, EscalationStateStore, NotificationStore, PlaybookSnapshots, StoredNotification } from '../domain/escalation-ports.js';
import type { Incident } from '../domain/incident.js';
import type { Clock, IncidentStore, OnCall, Recipient, SuppressionPolicy } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { DispatchNotification } from './dispatch-notification.js';

export interface EngineNamespace {
  readonly ns: 'live' | 'drill';
  readonly incidents: IncidentStore;
  readonly queue: EscalationQueue;
  readonly state: EscalationStateStore;
  readonly notifications: NotificationStore;
}

export interface EngineDeps {
  readonly config: Config;
  readonly namespaces: readonly EngineNamespace[];
  readonly snapshots: PlaybookSnapshots;
  readonly onCall: OnCall;
  readonly suppression: SuppressionPolicy;
  readonly dispatcher: DispatchNotification;
  /** A person by id (for updates and the all-clear, which go to people already paged). */
  readonly person: (id: string) => Recipient | undefined;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /**
   * Completes resolutions whose hold is over although the source never reported again
   * (SettleHolds); true when it changed the incident.
   */
  readonly settle?: (incident: Incident, now: number) => Promise<boolean>;
  /** Ends members that time alone ends, with no report (an ACD agents collapse at closing time). */
  readonly timedEnds?: TimedEnds;
  /**
   * Brings forward the pages a throttle held back before the incident climbed to a prompt or
   * critical level (HastenHeldPages); returns when the earliest of them may go, null: none moved.
   */
  readonly hasten?: (incident: Incident, incidents: IncidentStore, now: number) => Promise<number | null>;
  /**
   * Brings back the pages cancelled at the daily cap once the incident climbed to a prompt or
   * critical level (ReinstateCappedPages); returns when the earliest of them may go, null: none came back.
   * `heldBack` says when inhibition or maintenance holds the incident's pages back (see HeldBack).
   */
  readonly reinstate?: (incident: Incident, incidents: IncidentStore, controlled: boolean, now: number, heldBack: HeldBack) => Promise<number | null>;
}

/**
 * Whether inhibition or a maintenance window holds the incident's pages back now: when to look again
 * (the hold is counted and on the timeline), or null when nothing holds them. Asked only when a page
 * would go, once per look.
 */
export type HeldBack = () => Promise<number | null>;

/** Members that end at a time of day rather than on a report (EndCollapsesAtClosing). */
export interface TimedEnds {
  /** Ends those over at `now`; true when it changed the incident. */
  run(incident: Incident, now: number): Promise<boolean>;
  /** When the next of them is due (epoch ms): the engine looks at the incident then. */
  nextAt(incident: Incident, now: number): number | undefined;
}

/** A notification with what delivery callbacks recorded on it. */
export type FollowedNotification = StoredNotification & {
  /** Why it failed after it was sent: no_answer, busy, voicemail, failed, undelivered… */
  readonly deliveryFailure?: string;
  /** The provider's own status word (CallStatus / MessageStatus). */
  readonly providerStatus?: string;
  /** Order of the provider's events (voice SequenceNumber). */
  readonly seq?: number;
  /** The provider's last event was final: later in-between events are ignored. */
  readonly settled?: boolean;
  readonly answeredBy?: string;
};

export type NotificationPatch = Partial<Omit<FollowedNotification, 'id' | 'incidentId'>>;

export interface EscalateNowResult {
  /** escalated: a tier was brought forward; top: no further tier; not_active: resolved or unknown. */
  readonly result: 'escalated' | 'top' | 'not_active';
  readonly tier?: number;
}

export interface TickResult {
  readonly claimed: number;
  readonly processed: number;
  readonly failed: number;
  /** When the earliest step is due after this tick (epoch ms), over every namespace. */
  readonly nextDueAt?: number | undefined;
}
