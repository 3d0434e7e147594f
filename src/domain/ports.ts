/** Ports the use cases depend on; adapters in store/ and channels/ implement them. */
import type { Level, NormalizedEvent } from './event.js';
import type { Incident, IncidentState, MemberState } from './incident.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Makes ids: sortable by time, unique across replicas. */
export interface IdSource {
  next(now: number): string;
}

export interface IngestCommand {
  readonly event: NormalizedEvent;
  readonly groupKey: string;
  /** Used only if the event opens a new incident. */
  readonly newId: string;
  readonly resolveHoldMs: number;
  readonly resolution: 'source' | 'manual';
  readonly playbookVersion: string;
  /**
   * Alerts the sender left out of this body: given on the body's first command, recorded on the
   * first incident one of the body's events lands on as news (not as a duplicate).
   */
  readonly truncated: number;
  /** The same body as the command before it (its left-out alerts are that body's); absent or false: a body of its own. */
  readonly continuesBody?: boolean | undefined;
  /** The labels the class's tiers match on (matchLabelsOf); '' or absent: none, nothing to keep. */
  readonly matchLabels?: string | undefined;
}

export type IngestKind = 'opened' | 'reopened' | 'merged' | 'duplicate' | 'resolved' | 'holding' | 'ignored';

export interface IngestOutcome {
  readonly kind: IngestKind;
  readonly id: string;
  readonly eventCount: number;
  readonly level: Level | 0;
  readonly levelRaised: boolean;
  readonly state: IncidentState | '';
  /** Resolved by this event: when the incident opened (epoch ms), for the time it took. */
  readonly openedAtMs?: number | undefined;
}

export type TransitionAction = 'acknowledge' | 'resolve';

export interface TransitionOutcome {
  readonly result: 'changed' | 'unchanged' | 'missing';
  readonly state: IncidentState | '';
}

export interface IncidentQuery {
  /** One state, or `unresolved`: open and acknowledged alike. */
  readonly state?: IncidentState | 'unresolved' | undefined;
  readonly limit: number;
}

/** Incidents of one namespace (live or drill), durably kept. */
export interface IncidentStore {
  /** Open-or-merge each event atomically; one round trip for the whole batch. */
  ingest(commands: readonly IngestCommand[], now: number): Promise<IngestOutcome[]>;
  get(id: string): Promise<Incident | undefined>;
  list(query: IncidentQuery): Promise<Incident[]>;
  transition(id: string, action: TransitionAction, by: string, via: string, now: number, note?: string): Promise<TransitionOutcome>;
  /** Appends an entry to an incident's timeline. */
  note(id: string, entry: { type: string; [field: string]: unknown }, now: number): Promise<void>;
  /**
   * One page of an incident's members with their details, from `cursor` ('0' to start), about
   * `count` of them; undefined when the incident no longer exists.
   */
  members(id: string, cursor: string, count: number): Promise<MemberPage | undefined>;
}

/** One page of an incident's members, with their details; `cursor` null once every member was given. */
export interface MemberPage {
  readonly cursor: string | null;
  readonly memberCount: number;
  readonly members: Readonly<Record<string, MemberState & { readonly details?: unknown }>>;
}

// ---- telemetry readings ---------------------------------------------------------------------

/** One gauge series of telemetry (a UPS's charge, a queue's calls waiting) as last reported. */
export interface TelemetryReading {
  /** Which gauge (the metric catalogue's key, e.g. `upsCharge`). */
  readonly gauge: string;
  /** Its labels, already masked and admitted. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** When it was reported (clock ms). Written: the store's clock when left out; read: always given. */
  readonly at?: number | undefined;
}

/**
 * The last reading of every telemetry series, shared by every replica on one Redis: whichever
 * replica receives a report writes it, and every replica exports what is held when scraped, until
 * the series has gone unreported too long and a replica forgets it.
 */
export interface TelemetryReadings {
  /** Keeps these readings as the last ones of their series (one write). */
  put(readings: readonly TelemetryReading[]): Promise<void>;
  /** Every series' last reading, with when it was reported. */
  all(): Promise<TelemetryReading[]>;
  /** Removes these series, each unless reported again since its `at` (a series without `at`: whatever its age). */
  forget(readings: readonly TelemetryReading[]): Promise<void>;
}

// ---- channels -------------------------------------------------------------------------------

export type Locale = 'en' | 'zh-CN';

/** A person as channels see them (resolved from the roster; a page reaches a person, never a role). */
export interface Recipient {
  readonly id: string;
  readonly name: string;
  readonly phone?: string | undefined;
  readonly email?: string | undefined;
  readonly locale: Locale;
  readonly timezone: string;
  /** The person's preferred channels, in the order to try them (from the roster). */
  readonly channels?: readonly import('./incident.js').ChannelKind[] | undefined;
}

/** Why a message goes out. */
export type Phase = 'page' | 'escalation' | 'level_raised' | 'update' | 'all_clear' | 'reminder';

/** One message to one person on one channel, fully decided by the engine; channels only render and send. */
export interface Page {
  /** Idempotency key of this notification (incident, tier, person, channel[, attempt]). */
  readonly notificationId: string;
  readonly incident: import('./incident.js').Incident;
  readonly recipient: Recipient;
  readonly role: string;
  readonly tier: number;
  readonly channel: import('./incident.js').ChannelKind;
  readonly phase: Phase;
  /** Extra line for this tier ("start the generator"). */
  readonly note?: string | undefined;
  /** The class's standing advice (load shedding, paper records, evacuate). */
  readonly advice?: string | undefined;
  /** Short code the person replies with (`<code>a` acknowledges). */
  readonly code: string;
  /** Acknowledge / resolve links under PUBLIC_URL (signed, expiring). */
  readonly links: { readonly ack: string; readonly resolve: string };
  /** Other open incidents for the same person, bundled into this message. */
  readonly bundle?: readonly import('./incident.js').Incident[] | undefined;
  /** An all-clear's reason, when time rather than a report ended the incident (business hours over, a queue closed). */
  readonly reason?: import('./clear-reason.js').ClearReason | undefined;
}

export interface SendResult {
  /** `logged`: the channel is not configured; the page was recorded, not sent. */
  readonly status: 'sent' | 'logged';
  readonly providerId?: string | undefined;
}

/**
 * The one small port every vendor adapter implements (Novu/Grafana OnCall style).
 * Failures throw TocsinError with code TOCSIN_ERR_CHANNEL_TEMPORARY (retry) or
 * TOCSIN_ERR_CHANNEL_PERMANENT (fail over to the person's next channel), details.providerCode set.
 */
export interface Channel {
  readonly kind: import('./incident.js').ChannelKind;
  /** False in log mode (no Twilio / SMTP settings). */
  readonly live: boolean;
  send(page: Page): Promise<SendResult>;
  /** Sends a message about no incident (a shift handover); absent on channels that cannot (voice). */
  notice?(notice: Notice): Promise<SendResult>;
}

/** A message about no incident (a shift handover): finished words for one person on one channel. */
export interface Notice {
  /** Idempotency key of this message (the e-mail's Message-ID). */
  readonly id: string;
  readonly recipient: Recipient;
  /** E-mail subject (SMS sends the text alone). */
  readonly subject: string;
  readonly text: string;
  /** The text for SMS: short class names, GSM-7 where the words allow. */
  readonly sms: string;
}

/**
 * "Do this once" across replicas and restarts, safe against a process dying half-way: a claim is a
 * lease until it is settled; done keeps it for good, given back lets the next check take it, and a
 * lease nobody settles (its holder died) runs out and can be taken again.
 */
export interface OnceClaims {
  /** True while `key` is held under a lease or done. */
  taken(key: string): Promise<boolean>;
  /** A token when `key` was free and is now held for `leaseMs`; undefined when it is taken. */
  take(key: string, leaseMs: number): Promise<string | undefined>;
  /**
   * Right before the work's provider call: while `key` still holds `token`, its lease starts again
   * now, for `leaseMs`. False when the claim was lost (its lease ran out and someone else took it, or
   * it was settled): the work must not go on.
   */
  renew(key: string, token: string, leaseMs: number): Promise<boolean>;
  /** The work is done: `key` stays taken for `keepMs`. */
  done(key: string, token: string, keepMs: number): Promise<void>;
  /** The work did not happen: `key` is free for the next check. */
  release(key: string, token: string): Promise<void>;
}

/**
 * What the engines learned of an incident under a scope (a night, say), shared by every engine
 * process and replica, so that an incident is read for it once, not once per process.
 */
export interface ReadMarks {
  /** The event count `id` had when it was marked under `scope`; undefined when it was not. */
  countAt(scope: string, id: string): Promise<number | undefined>;
  /** `id` was read under `scope` at `eventCount`; the mark is kept `keepMs`. */
  mark(scope: string, id: string, eventCount: number, keepMs: number): Promise<void>;
}

/** A shift handover as one person is told of it. */
export interface HandoverFacts {
  readonly recipient: Recipient;
  /** incoming: takes the role over; outgoing: hands it over. */
  readonly side: 'incoming' | 'outgoing';
  /** The role's name (roles.yaml). */
  readonly roleName: string;
  /** When the role changes hands (epoch ms). */
  readonly at: number;
  /** Who holds the role until `at`, and who from then. */
  readonly from: readonly Recipient[];
  readonly to: readonly Recipient[];
  /** Told to the incoming: incidents still open that the role was paged for. */
  readonly open: readonly import('./incident.js').Incident[];
}

// ---- people and suppression (the escalation engine asks; roster / maintenance / inhibition answer) ----

export interface OnCallResolution {
  readonly role: string;
  /** The people on duty for the role at that moment (overrides applied). Empty = coverage gap. */
  readonly people: readonly Recipient[];
  /** Where the people came from: the roster's schedule, or a temporary override. */
  readonly source?: 'schedule' | 'override' | undefined;
}

export interface OnCall {
  /** Who holds `role` at epoch ms `at`. */
  resolve(role: string, at: number): Promise<OnCallResolution>;
}

export type Suppression =
  | { readonly kind: 'none' }
  | { readonly kind: 'inhibited'; readonly by: string; readonly rule: string }
  | { readonly kind: 'maintenance'; readonly window: string; readonly until: number };

/** Decides whether an incident's pages are held back right now (inhibition rules, maintenance windows). */
export interface SuppressionPolicy {
  check(incident: import('./incident.js').Incident, now: number): Promise<Suppression>;
}

/** The open-incident gauges, as the store counts them. */
export interface OpenCounts {
  /** Incidents not yet resolved, by class, level and state. */
  readonly counts: readonly { readonly class: string; readonly level: string; readonly state: string; readonly n: number }[];
  /** Per surge queue, the highest tier its open surge incidents reached, + 1. */
  readonly surges: readonly { readonly site: string; readonly queue: string; readonly tier: number }[];
}
