/** The port of the per-destination throttle's state (store/throttle-repository.ts implements it). */
import type { StoredNotification } from './escalation-ports.js';
import type { ChannelKind } from './incident.js';
import type { SentMessage } from './throttle.js';

/** A page waiting to be folded into the person's next message on a channel. */
export interface PendingPage {
  readonly incidentId: string;
  readonly notificationId: string;
  /** A critical page waiting out the minimum gap (only a critical message carries it). */
  readonly critical?: boolean | undefined;
  /**
   * The kind of message it waits for: '' (or none) for pages, else the gathered phase (all_clear,
   * reminder): a message carries only the waiting pages of its own lane.
   */
  readonly lane?: string | undefined;
}

export interface SendHistory {
  /** Changes with every recorded send; a commit must name the version its decision saw. */
  readonly version: string;
  /** The page asked about is waiting on the pending set (not yet taken by a carrier). */
  readonly waiting: boolean;
  readonly sent: SentMessage[];
  /** The page holding the told mark of the incident asked about ('' when none, or none asked about). */
  readonly told: string;
}

/**
 * One incident cycle's told mark: the first page that went or waited to go about it (see
 * domain/daily-cap.ts). Written with a send or a queued page, atomically with the throttle's own
 * check-and-record.
 */
export interface ToldWrite {
  /** The incident and cycle (toldKey). */
  readonly incident: string;
  /** The page (pageKey): every channel and attempt of one step to one person. */
  readonly page: string;
  /**
   * note: the page becomes the mark unless another holds it; claim: the page goes over the daily cap
   * as its incident's one page, only while the mark is unset, its own or `replacing`'s (else the
   * commit fails as a version conflict does, and nothing is changed).
   */
  readonly mode: 'note' | 'claim';
  /** A page that holds the mark but reached nobody: a claim may take the mark from it. */
  readonly replacing?: string | undefined;
}

export type CommitResult = { readonly ok: true; readonly pending: PendingPage[] } | { readonly ok: false };

export interface ThrottleStore {
  /**
   * The person's messages newer than `now - keepMs`, every channel (and whether `page` still waits;
   * with `told`, an incident cycle's toldKey, the page holding its told mark).
   */
  history(person: string, channel: ChannelKind, now: number, page?: PendingPage, told?: string): Promise<SendHistory>;
  /** True while nothing was sent since the version was read. */
  unchanged(person: string, channel: ChannelKind, now: number, version: string): Promise<boolean>;
  /**
   * Records a message sent now and takes the pages waiting on that channel, the critical ones only
   * when this message is critical, from its `lane` (see PendingPage) (false: the version moved, or
   * `told` claimed a mark another page holds; version '' = whatever it is). `told`: the incident
   * cycle's told mark written with it.
   */
  recordSend(person: string, channel: ChannelKind, notificationId: string, now: number, version: string, critical: boolean, lane?: string, told?: ToldWrite): Promise<CommitResult>;
  /** Records a message that is never held back (a phase neither throttled nor gathered). */
  recordForced(person: string, channel: ChannelKind, notificationId: string, now: number): Promise<void>;
  /**
   * Records a message never held back before it goes (a notice), once per id: true when this call
   * recorded it, false when it was recorded already (the first count's time is kept).
   */
  recordOnce(person: string, channel: ChannelKind, messageId: string, now: number): Promise<boolean>;
  /** Takes back a message recorded before it went that did not go: false when it was not recorded. */
  forget(person: string, channel: ChannelKind, messageId: string, now: number): Promise<boolean>;
  /** Queues a page to be folded into the next message (false: the version moved, or `told` claimed a mark another page holds). */
  enqueue(person: string, channel: ChannelKind, page: PendingPage, now: number, version: string, told?: ToldWrite): Promise<boolean>;
  /** Takes a waiting page off the queue, to be decided again: false when it was not waiting (a carrier took it). */
  withdraw(person: string, channel: ChannelKind, page: PendingPage): Promise<boolean>;
  /** Puts taken pages back (their carrier could not be sent; one lane). */
  release(person: string, channel: ChannelKind, pages: readonly PendingPage[], now: number): Promise<void>;
  notification(incidentId: string, notificationId: string): Promise<StoredNotification | undefined>;
  /** Merges `patch` into a notification that is still planned (and claimed by `owner`, '' = anyone). */
  fold(incidentId: string, notificationId: string, patch: Record<string, unknown>, owner: string): Promise<boolean>;
  /**
   * Makes a page cancelled at the daily cap wait again (`patch`: status planned, its new time, the
   * `reinstated` mark): false when it is no longer so cancelled, or was reinstated already.
   */
  reinstate(incidentId: string, notificationId: string, patch: Record<string, unknown>): Promise<boolean>;
}
