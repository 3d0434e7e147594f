/**
 * The dispatch request of a page the engine sends outside its steps (a page brought back after the
 * daily cap, a page a sender that died left behind): wanted while its condition holds in the incident's
 * cycle, held back by a throttle until `later` is told, and sent as a step's page is.
 */
import type { EscalationFacts } from '../domain/escalation-ports.js';
import type { Incident } from '../domain/incident.js';
import type { Recipient } from '../domain/ports.js';
import type { DispatchRequest } from './dispatch-notification.js';
import type { EngineNamespace } from './escalation-engine-ports.js';
import { wantedWhile } from './escalation-subject.js';

export interface OutsideStepPage {
  readonly recipient: Recipient;
  readonly role: string;
  readonly step: DispatchRequest['step'];
  readonly advice: string | undefined;
  /** Told when a throttle holds the page back until then. */
  readonly later: (at: number) => void;
}

export function outsideStepRequest(n: EngineNamespace, inc: Incident, facts: Pick<EscalationFacts, 'reopenCount'>, page: OutsideStepPage, now: number): DispatchRequest {
  return {
    incident: inc,
    recipient: page.recipient,
    role: page.role,
    step: page.step,
    advice: page.advice,
    stillWanted: wantedWhile(n, inc.id, facts.reopenCount, page.step.condition),
    deferred: page.later,
    notifications: n.notifications,
    incidents: n.incidents,
    lookNow: (ids) => n.queue.lookNow(ids, now),
  };
}
