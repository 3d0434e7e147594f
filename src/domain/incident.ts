import type { EventSource, Level } from './event.js';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';
export const INCIDENT_STATES: readonly IncidentState[] = ['open', 'acknowledged', 'resolved'];

export type ChannelKind = 'sms' | 'voice' | 'email';
export type NotificationStatus = 'planned' | 'sent' | 'delivered' | 'failed' | 'logged' | 'acknowledged' | 'cancelled';
/** The statuses of a page that reached its person (or went in a message that did). */
export const REACHED_STATUSES: ReadonlySet<string> = new Set<NotificationStatus>(['sent', 'delivered', 'logged', 'acknowledged']);

export interface Notification {
  /** Idempotency key: incident, tier, person, channel (and attempt for retries). */
  readonly id: string;
  readonly tier: number;
  readonly role: string;
  readonly person: string;
  readonly channel: ChannelKind;
  readonly status: NotificationStatus;
  /** ISO-8601 of the last status change. */
  readonly at: string;
  readonly phase?: string;
  readonly code?: string;
  readonly providerId?: string;
  /** ISO-8601 of when the provider took the page (status callbacks change `at`, not this). */
  readonly sentAt?: string;
  readonly error?: string;
  readonly attempt?: number;
}

export interface TimelineEntry {
  readonly at: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The incident as the API shows it (CONTRACT.md "An incident's JSON"). */
export interface Incident {
  readonly id: string;
  readonly class: string;
  readonly level: Level;
  readonly state: IncidentState;
  readonly site: string;
  readonly summary: string;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  readonly lastEventAt: string;
  readonly eventCount: number;
  readonly tier: number;
  readonly drill: boolean;
  readonly source: EventSource;
  /** The grouping key incidents are merged on (class + site + the class's group template). */
  readonly groupKey: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>>;
  /**
   * Members (alerts, devices, queues) merged into this incident, with their own state: all of them,
   * or as many as `incidents.membersShown` when it has more (GET /api/incidents/:id/members pages
   * through every one).
   */
  readonly members: Readonly<Record<string, MemberState>>;
  /** How many members the incident has. */
  readonly memberCount: number;
  /** How many alerts senders said they left out (Alertmanager `truncatedAlerts`). */
  readonly truncatedAlerts: number;
  readonly reopenCount: number;
  readonly notifications: readonly Notification[];
  readonly timeline: readonly TimelineEntry[];
}

export interface MemberState {
  readonly status: 'firing' | 'resolved';
  readonly since: string;
  readonly lastAt: string;
  readonly count: number;
  /** The source that reported this member. */
  readonly source?: EventSource;
  /** Set while a resolution is being held: calm since then, resolves after `holdMs`. */
  readonly calmSince?: string;
  readonly holdMs?: number;
}

export function isOpen(state: IncidentState): boolean {
  return state !== 'resolved';
}
