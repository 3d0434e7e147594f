/**
 * Where a page's chain of attempts stands, read from its records alone (no Redis): the mirror of
 * DispatchNotification's chain, for pages no step sends any more (brought back after the daily cap),
 * so that a process dying between a failed attempt and the next one leaves something to resume.
 */
import type { StoredNotification } from '../domain/escalation-ports.js';
import type { ChannelKind } from '../domain/incident.js';

/** The idempotency key of one attempt of one page: `${incident}:${step}:${person}:${channel}:${attempt}`. */
export function notificationId(incidentId: string, stepKey: string, person: string, channel: ChannelKind, attempt: number): string {
  return `${incidentId}:${stepKey}:${person}:${channel}:${attempt}`;
}

/**
 * done: reached, cancelled, or failed after it was sent (the follow-ups carry it on); failed: every
 * attempt of the route failed; waiting: an attempt recorded and not settled (held back, or being
 * sent); next: the next attempt is not on record yet, `after` the failed attempt before it.
 */
export type ChainPoint =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed' }
  | { readonly kind: 'waiting'; readonly record: StoredNotification }
  | { readonly kind: 'next'; readonly channel: ChannelKind; readonly attempt: number; readonly after: StoredNotification | undefined };

export interface ChainOf {
  readonly incidentId: string;
  readonly stepKey: string;
  readonly person: string;
  /** The channels in the order the chain takes them, from the one it started on. */
  readonly route: readonly ChannelKind[];
  /** The attempt it started at on its first channel (the others start at 1). */
  readonly firstAttempt: number;
  /** Attempts per channel (escalation.retry.attempts). */
  readonly attempts: number;
  /** The channels that still reach the person: no new attempt is made on another. */
  readonly open: ReadonlySet<ChannelKind>;
}

/** Walks the chain as DispatchNotification would, attempt by attempt, through the records by id. */
export function chainPoint(chain: ChainOf, records: ReadonlyMap<string, StoredNotification & { readonly deliveryFailure?: unknown }>): ChainPoint {
  let after: StoredNotification | undefined;
  for (const [ci, channel] of chain.route.entries()) {
    const start = ci === 0 ? chain.firstAttempt : 1;
    for (let attempt = start; attempt < start + chain.attempts; attempt++) {
      const r = records.get(notificationId(chain.incidentId, chain.stepKey, chain.person, channel, attempt));
      if (!r) {
        if (!chain.open.has(channel)) break;
        return { kind: 'next', channel, attempt, after };
      }
      if (r.status === 'planned') return { kind: 'waiting', record: r };
      if (r.status !== 'failed' || r.deliveryFailure !== undefined) return { kind: 'done' };
      after = r;
      if (r.failure === 'permanent') break;
    }
  }
  return { kind: 'failed' };
}
