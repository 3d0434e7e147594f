/**
 * Pages that failed after they were sent (a call nobody answered, an SMS not delivered) while the
 * incident is still unacknowledged: called again on the configured cadence, then on the person's
 * next channel. Each follow-up has its own idempotency key, so planning it twice sends it once.
 */
import type { ClassConfig } from '../config/schema.js';
import type { EscalationFacts } from '../domain/escalation-ports.js';
import { conditionHolds, type Step } from '../domain/escalation.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import type { EngineDeps, EngineNamespace, FollowedNotification } from './escalation-engine-ports.js';
import { wantedWhile } from './escalation-subject.js';

/** The channels a tier step names (`t<i>`, `t<i>r<k>`, with a cycle prefix), if any. */
export function tierChannels(klass: ClassConfig, stepKey: string): readonly ChannelKind[] | undefined {
  const m = /^(?:c\d+:)?t(\d+)(?:r\d+)?$/.exec(stepKey);
  return m ? klass.tiers[Number(m[1])]?.channels : undefined;
}

/** Sends the follow-ups due at `now`; returns when the next one falls due (null: none waiting). */
export async function followUps(
  deps: Pick<EngineDeps, 'config' | 'person' | 'dispatcher' | 'metrics'>,
  n: EngineNamespace,
  inc: Incident,
  facts: EscalationFacts,
  klass: ClassConfig,
  now: number,
): Promise<number | null> {
  if (facts.state !== 'open') return null;
  const retry = deps.config.daemon.escalation.voiceRetry;
  const groups = new Map<string, FollowedNotification[]>();
  for (const r of inc.notifications as readonly FollowedNotification[]) {
    if (r.channel === 'email' || !r.stepKey || !isPagePhase(r.phase)) continue;
    const cycle = /^c(\d+):/.exec(r.stepKey);
    if ((cycle ? Number(cycle[1]) : 0) !== facts.reopenCount) continue;
    const key = `${r.stepKey}\u0000${r.person}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let wake: number | null = null;
  for (const list of groups.values()) {
    const first = list[0];
    const recipient = first ? deps.person(first.person) : undefined;
    if (!first || !recipient) continue;
    const condition = (first.condition ?? 'unacknowledged') as Step['condition'];
    const phase = (first.phase ?? 'page') as Step['phase'];
    const step = { key: first.stepKey, tier: first.tier, phase, condition, channels: tierChannels(klass, first.stepKey), note: first.note, at: now };
    const order = deps.dispatcher.channelOrder({ recipient, role: first.role, step });
    const rank = (r: FollowedNotification) => order.indexOf(r.channel) * 1000 + (r.attempt ?? 1);
    const frontier = list.reduce((a, b) => (rank(b) > rank(a) ? b : a));
    if (frontier.status !== 'failed' || !frontier.deliveryFailure || !conditionHolds(condition, facts.state, facts.controlled)) continue;
    const calls = list.filter((r) => r.channel === 'voice' && r.status === 'failed' && r.deliveryFailure);
    let channel: ChannelKind;
    let attempt: number;
    let at: number;
    if (frontier.channel === 'voice' && frontier.failure !== 'permanent' && calls.length < retry.attempts) {
      channel = 'voice';
      attempt = Math.max(...list.filter((r) => r.channel === 'voice').map((r) => r.attempt ?? 1)) + 1;
      at = Date.parse(frontier.at) + retry.every;
    } else {
      const nextChannel = order[order.indexOf(frontier.channel) + 1];
      if (!nextChannel) {
        if (await n.state.markOnce(inc.id, `unreachable:${first.stepKey}:${first.person}`, now)) {
          await n.incidents.note(inc.id, { type: 'unreachable', person: first.person, role: first.role, tier: first.tier, step: first.stepKey, reason: `every channel tried; last: ${frontier.channel} ${frontier.deliveryFailure}` }, now);
        }
        continue;
      }
      channel = nextChannel;
      attempt = Math.max(0, ...list.filter((r) => r.channel === nextChannel).map((r) => r.attempt ?? 1)) + 1;
      at = now;
    }
    if (at > now) {
      wake = wake === null ? at : Math.min(wake, at);
      continue;
    }
    const stillWanted = wantedWhile(n, inc.id, facts.reopenCount, condition, 'open');
    await n.incidents.note(inc.id, { type: channel === frontier.channel ? 'page_retry' : 'page_failover', person: first.person, role: first.role, tier: first.tier, from: frontier.channel, to: channel, attempt, reason: frontier.deliveryFailure }, now);
    // a call placed again is counted retried, as a retry at sending is (the call itself counts as sent)
    if (channel === frontier.channel) deps.metrics.notifications.inc({ channel, result: 'retried' });
    await deps.dispatcher.resume(
      {
        incident: inc,
        recipient,
        role: first.role,
        step: { ...step, at },
        advice: klass.advice,
        stillWanted,
        notifications: n.notifications,
        incidents: n.incidents,
        lookNow: (ids) => n.queue.lookNow(ids, now),
      },
      channel,
      attempt,
    );
  }
  return wake;
}
