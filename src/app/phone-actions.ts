/**
 * Use case: answers that come back from a page — an SMS reply, a key press on a paging call, an
 * e-mail link — and delivery callbacks. Replies and keys acknowledge or resolve through the same
 * door as the API (TransitionIncident: the climb stops, the timeline says who and how); key 5 asks
 * the engine to page the next tier now; delivery callbacks land on the notification and let the
 * engine follow up calls nobody answered.
 */
import type { RosterConfig } from '../config/schema.js';
import type { CodeRef } from '../domain/escalation-ports.js';
import { TocsinError, isTocsinError } from '../domain/errors.js';
import type { ChannelKind, Incident, NotificationStatus } from '../domain/incident.js';
import type { Clock, IncidentStore, Locale, Recipient, TransitionAction } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LinkAction } from './action-links.js';
import { isDrillId, storeFor, type IncidentStores } from './incident-stores.js';
import type { EscalateNowResult, FollowedNotification, NotificationPatch } from './escalation-engine-ports.js';
import type { TransitionRequest } from './transition-incident.js';

/** What an SMS body said. */
export type SmsCommand = { readonly kind: 'command'; readonly code: string; readonly action: TransitionAction } | { readonly kind: 'unknown' };

export type SmsReplyOutcome = 'acknowledged' | 'resolved' | 'alreadyResolved' | 'unknownCode' | 'notUnderstood';

export interface SmsAnswer {
  readonly outcome: SmsReplyOutcome;
  readonly locale: Locale;
  readonly code?: string | undefined;
  readonly classId?: string | undefined;
  readonly site?: string | undefined;
  readonly summary?: string | undefined;
  /** About a drill: the answer is marked DRILL, as the page was. */
  readonly drill?: boolean | undefined;
}

/** 4 acknowledge, 6 resolve, 5 escalate now, * repeat. */
export type KeyAction = TransitionAction | 'escalate' | 'repeat' | 'unknown';

/** `no_further_tier`: key 5 found no tier left to page (the incident stays with whoever holds it). */
export type KeyReply = 'acknowledged' | 'resolved' | 'escalated' | 'no_further_tier' | 'already_resolved' | 'not_active' | 'repeat' | 'invalid_key';

export interface KeyAnswer {
  readonly reply: KeyReply;
  readonly locale: Locale;
  /** A drill's call: the answer is marked DRILL, as the page was. */
  readonly drill: boolean;
  /** For `repeat`: what to speak again. */
  readonly incident?: Incident | undefined;
  readonly notification?: FollowedNotification | undefined;
  readonly recipient?: Recipient | undefined;
}

export type LinkOutcome = 'acknowledged' | 'resolved' | 'already_acknowledged' | 'already_resolved';

export interface LinkClaims {
  readonly incidentId: string;
  readonly action: LinkAction;
  readonly person: string;
  readonly notificationId?: string | undefined;
}

/** A delivery callback, already parsed (Twilio SMS / voice status). */
export interface DeliveryUpdate {
  readonly notificationId: string;
  readonly providerId: string;
  readonly providerStatus: string;
  /** undefined: an in-between state (queued, sending…) that changes nothing. */
  readonly status: 'sent' | 'delivered' | 'failed' | undefined;
  /** The provider's last word on this message / call. */
  readonly final: boolean;
  readonly sequence?: number | undefined;
  /** How a call went (answered, voicemail, no_answer, busy, failed, canceled). */
  readonly outcome?: string | undefined;
  readonly answeredBy?: string | undefined;
  readonly providerCode?: string | undefined;
  readonly failure?: string | undefined;
}

export interface PhoneEngine {
  lookupCode(code: string): Promise<CodeRef | undefined>;
  findNotification(incidentId: string, notificationId: string): Promise<FollowedNotification | undefined>;
  updateNotification(incidentId: string, notificationId: string, patch: NotificationPatch): Promise<boolean>;
  escalateNow(incidentId: string, by: string, via: string, notificationId?: string): Promise<EscalateNowResult>;
  kick(incidentId: string): Promise<void>;
}

export interface PeopleDirectory {
  byId(id: string): Recipient | undefined;
  /** The roster person with this phone number (E.164; spaces and dashes ignored). */
  byPhone(phone: string): Recipient | undefined;
}

export interface PhoneActionsDeps {
  readonly transition: { run(req: TransitionRequest): Promise<{ incident: Incident; changed: boolean }> };
  readonly engine: PhoneEngine;
  readonly stores: IncidentStores;
  readonly people: PeopleDirectory;
  readonly defaultLocale: Locale;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Counts each notification's last word from its provider (delivered, undelivered), once. */
  readonly metrics: Pick<Metrics, 'notifications'>;
}

const SETTLED: ReadonlySet<NotificationStatus> = new Set<NotificationStatus>(['acknowledged', 'cancelled']);

export class PhoneActions {
  constructor(private readonly deps: PhoneActionsDeps) {}

  /** An inbound SMS: `<code>a` acknowledges, `<code>c` resolves — for roster numbers only. */
  async smsReply(from: string, command: SmsCommand): Promise<SmsAnswer> {
    const sender = this.deps.people.byPhone(from);
    const locale = sender?.locale ?? this.deps.defaultLocale;
    if (command.kind === 'unknown') return { outcome: 'notUnderstood', locale };
    const code = command.code.toUpperCase();
    const ref = await this.deps.engine.lookupCode(code);
    if (!ref || !sender) {
      this.deps.logger.info({ known: Boolean(sender), code: ref ? 'known' : 'unknown' }, 'sms reply not matched');
      return { outcome: 'unknownCode', locale, code };
    }
    const incident = await this.store(ref.incidentId).get(ref.incidentId);
    if (!incident) return { outcome: 'unknownCode', locale, code };
    const facts = { code, classId: incident.class, site: incident.site, summary: incident.summary, drill: incident.drill };
    if (incident.state === 'resolved') return { outcome: 'alreadyResolved', locale, ...facts };
    const done = await this.act(ref.incidentId, command.action, sender.id, 'sms', ref.notificationId);
    if (done === 'already_resolved') return { outcome: 'alreadyResolved', locale, ...facts };
    return { outcome: command.action === 'acknowledge' ? 'acknowledged' : 'resolved', locale, ...facts };
  }

  /** A key pressed on a paging call (the `<Gather>` action of notification `notificationId`). */
  async keypress(notificationId: string, action: KeyAction): Promise<KeyAnswer> {
    const incidentId = incidentIdOf(notificationId);
    const notification = await this.deps.engine.findNotification(incidentId, notificationId);
    const recipient = notification ? this.deps.people.byId(notification.person) : undefined;
    const incident = notification ? await this.store(incidentId).get(incidentId) : undefined;
    // a drill's call (known by its id when the incident is gone) answers marked DRILL, as it paged
    const said = { locale: recipient?.locale ?? this.deps.defaultLocale, drill: incident?.drill ?? isDrillId(incidentId) };
    if (!notification || !incident) return { reply: 'not_active', ...said };
    const person = notification.person;
    switch (action) {
      case 'acknowledge':
      case 'resolve': {
        if (incident.state === 'resolved') return { reply: 'already_resolved', ...said };
        const done = await this.act(incidentId, action, person, 'voice', notificationId);
        if (done === 'already_resolved') return { reply: 'already_resolved', ...said };
        return { reply: action === 'acknowledge' ? 'acknowledged' : 'resolved', ...said };
      }
      case 'escalate': {
        if (incident.state === 'resolved') return { reply: 'already_resolved', ...said };
        const r = await this.deps.engine.escalateNow(incidentId, person, 'voice', notificationId);
        await this.markAnswered(incidentId, notification, 'delivered');
        // say only what happened: a tier paged now, none left, or nothing to escalate any more
        const reply = r.result === 'escalated' ? 'escalated' : r.result === 'top' ? 'no_further_tier' : 'not_active';
        return { reply, ...said };
      }
      case 'repeat':
        return { reply: 'repeat', ...said, incident, notification, recipient };
      case 'unknown':
        return { reply: 'invalid_key', ...said, incident, notification, recipient };
    }
  }

  /** What an e-mail link points at (GET shows it; only POST acts). */
  async linkTarget(claims: LinkClaims): Promise<{ incident: Incident; person: Recipient | undefined } | undefined> {
    const incident = await this.store(claims.incidentId).get(claims.incidentId);
    return incident ? { incident, person: this.deps.people.byId(claims.person) } : undefined;
  }

  /** A signed e-mail link, confirmed (POST). */
  async link(claims: LinkClaims): Promise<{ outcome: LinkOutcome; incident: Incident; person: Recipient | undefined }> {
    const store = this.store(claims.incidentId);
    const before = await store.get(claims.incidentId);
    if (!before) throw notFound(claims.incidentId);
    const person = this.deps.people.byId(claims.person);
    const action: TransitionAction = claims.action === 'ack' ? 'acknowledge' : 'resolve';
    if (before.state === 'resolved') return { outcome: 'already_resolved', incident: before, person };
    if (action === 'acknowledge' && before.state === 'acknowledged') return { outcome: 'already_acknowledged', incident: before, person };
    const done = await this.act(claims.incidentId, action, claims.person, 'email', claims.notificationId);
    const incident = (await store.get(claims.incidentId)) ?? before;
    if (done === 'already_resolved') return { outcome: 'already_resolved', incident, person };
    return { outcome: action === 'acknowledge' ? 'acknowledged' : 'resolved', incident, person };
  }

  /**
   * A delivery callback: the notification's status follows the provider (never backwards: a late
   * "ringing" does not undo "no-answer", and nothing undoes an acknowledgement). A final failure is
   * on the timeline and wakes the engine, which calls again or moves to the next channel.
   */
  async delivery(channel: ChannelKind, u: DeliveryUpdate): Promise<'recorded' | 'ignored' | 'unknown'> {
    const incidentId = incidentIdOf(u.notificationId);
    const current = await this.deps.engine.findNotification(incidentId, u.notificationId);
    if (!current || current.channel !== channel) return 'unknown';
    if (u.status === undefined || SETTLED.has(current.status)) return 'ignored';
    if (current.settled && !u.final) return 'ignored';
    if (u.sequence !== undefined && current.seq !== undefined && u.sequence < current.seq) return 'ignored';
    const failed = u.status === 'failed';
    const patch: NotificationPatch = {
      status: u.status,
      providerId: u.providerId,
      providerStatus: u.providerStatus,
      ...(u.sequence !== undefined ? { seq: u.sequence } : {}),
      ...(u.final ? { settled: true } : {}),
      ...(u.answeredBy ? { answeredBy: u.answeredBy } : {}),
      ...(failed ? { deliveryFailure: u.outcome ?? u.providerStatus, ...(u.failure ? { failure: u.failure } : {}), ...(u.providerCode ? { error: `provider code ${u.providerCode}` } : {}) } : {}),
    };
    await this.deps.engine.updateNotification(incidentId, u.notificationId, patch);
    if (u.final || u.status === 'delivered') {
      // once per notification: a callback Twilio posts again finds the status already there
      if (current.status !== u.status) this.deps.metrics.notifications.inc({ channel, result: failed ? 'undelivered' : 'delivered' });
      await this.store(incidentId).note(
        incidentId,
        {
          type: failed ? 'delivery_failed' : 'delivered',
          notification: u.notificationId,
          person: current.person,
          channel,
          status: u.status,
          providerStatus: u.providerStatus,
          ...(u.outcome ? { outcome: u.outcome } : {}),
          ...(u.answeredBy ? { answeredBy: u.answeredBy } : {}),
          ...(u.providerCode ? { providerCode: u.providerCode } : {}),
        },
        this.deps.clock.now(),
      );
    }
    if (failed) void this.deps.engine.kick(incidentId);
    return 'recorded';
  }

  /** Acknowledge / resolve through TransitionIncident; marks the message that was answered. */
  private async act(incidentId: string, action: TransitionAction, by: string, via: 'sms' | 'voice' | 'email', notificationId: string | undefined): Promise<'done' | 'already_resolved'> {
    try {
      await this.deps.transition.run({ id: incidentId, action, by, via });
    } catch (e) {
      if (isTocsinError(e) && e.code === 'TOCSIN_ERR_INCIDENT_STATE') return 'already_resolved';
      throw e;
    }
    if (notificationId) {
      const n = await this.deps.engine.findNotification(incidentId, notificationId);
      if (n) await this.markAnswered(incidentId, n, 'acknowledged');
    }
    return 'done';
  }

  private async markAnswered(incidentId: string, n: FollowedNotification, status: NotificationStatus): Promise<void> {
    if (SETTLED.has(n.status)) return;
    await this.deps.engine.updateNotification(incidentId, n.id, { status });
  }

  private store(id: string): IncidentStore {
    return storeFor(this.deps.stores, id);
  }
}

/** Notification ids start with their incident's id: `<incident>:<step>:<person>:<channel>:<attempt>`. */
export function incidentIdOf(notificationId: string): string {
  const i = notificationId.indexOf(':');
  return i < 0 ? notificationId : notificationId.slice(0, i);
}

/** Roster people by id and by phone number. */
export function rosterDirectory(people: RosterConfig['people'], recipient: (id: string) => Recipient | undefined): PeopleDirectory {
  const byPhone = new Map<string, string>();
  for (const [id, p] of Object.entries(people)) if (p.phone) byPhone.set(phoneKey(p.phone), id);
  return {
    byId: recipient,
    byPhone: (phone) => {
      const id = byPhone.get(phoneKey(phone));
      return id === undefined ? undefined : recipient(id);
    },
  };
}

function phoneKey(phone: string): string {
  return phone.replace(/[^\d+]/g, '').replace(/^00/, '+');
}

function notFound(id: string): TocsinError {
  return new TocsinError('TOCSIN_ERR_INCIDENT_NOT_FOUND', `no incident ${id}`);
}
