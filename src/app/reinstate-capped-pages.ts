/**
 * Use case: a page cancelled at the daily cap while its incident was below throttle.promptLevel is
 * brought back once the incident climbs to the prompt or the critical level, whose pages the cap
 * never drops: the person it was for hears of the incident after all. It waits again as a page of
 * the incident as it is now (at the end of the bundle window at most, folded with what waits then,
 * or after the minimum gap as a critical one) and is sent by the engine (resumeReinstated).
 *
 * Once per person and incident cycle: only the person's latest capped page comes back, and none
 * when a page of the incident has reached them since it was cancelled, or one waits for them. The
 * record is changed atomically while it is still cancelled at the cap and never reinstated before,
 * so two replicas looking at once bring it back once.
 */
import { conditionHolds, type StepCondition } from '../domain/escalation.js';
import type { StoredNotification } from '../domain/escalation-ports.js';
import { REACHED_STATUSES, type ChannelKind, type Incident } from '../domain/incident.js';
import { isPagePhase } from '../domain/page-phases.js';
import type { IncidentStore } from '../domain/ports.js';
import { isCritical, isPrompt, promptWait } from '../domain/throttle.js';
import type { HeldBack } from './escalation-engine-ports.js';
import type { HastenHeldDeps } from './hasten-held-pages.js';


/** As hastening held pages: the throttle's limits and phases (only their pages are ever cancelled at the cap). */
export type ReinstateCappedDeps = HastenHeldDeps;

interface PageRecord extends StoredNotification {
  readonly limit?: unknown;
  readonly reinstated?: unknown;
}

export class ReinstateCappedPages {
  constructor(private readonly deps: ReinstateCappedDeps) {}

  /**
   * Brings back the incident's pages cancelled at the daily cap, now that it pages promptly;
   * returns the earliest time one of them may go (the engine looks again then), null when none came back.
   */
  async run(incident: Incident, incidents: IncidentStore, controlled: boolean, now: number, heldBack: HeldBack = async () => null): Promise<number | null> {
    const { limits } = this.deps;
    const critical = isCritical(incident, limits);
    if (!critical && !isPrompt(incident, limits)) return null;
    const records = incident.notifications as readonly PageRecord[];
    // the engine asks at every look at a prompt incident: nothing to group when nothing was capped
    if (!records.some((r) => r.status === 'cancelled' && r.limit === 'daily_cap')) return null;
    const prefix = incident.reopenCount > 0 ? `c${incident.reopenCount}:` : '';
    const ofCycle = (r: PageRecord) => (prefix ? r.stepKey.startsWith(prefix) : !/^c\d+:/.test(r.stepKey));
    const byPerson = new Map<string, PageRecord[]>();
    for (const r of records) {
      if (!r.stepKey || !ofCycle(r) || !isPagePhase(r.phase)) continue;
      const list = byPerson.get(r.person);
      if (list) list.push(r);
      else byPerson.set(r.person, [r]);
    }
    const due: PageRecord[] = [];
    for (const list of byPerson.values()) {
      const capped = latestCapped(list, this.deps.phases);
      if (!capped || !conditionHolds((capped.condition ?? 'unresolved') as StepCondition, incident.state, controlled)) continue;
      const cappedAt = Date.parse(capped.at);
      // brought back once; and not when the person is reached (or about to be) by another page of it
      if (list.some((r) => r.reinstated !== undefined || r.status === 'planned' || (REACHED_STATUSES.has(r.status) && Date.parse(r.at) > cappedAt))) continue;
      due.push(capped);
    }
    if (due.length === 0) return null;
    // held back by inhibition or maintenance as the incident's steps are: brought back when that is over
    const held = await heldBack();
    if (held !== null) return held;
    let wake: number | null = null;
    for (const capped of due) {
      const until = await this.reinstate(incident, incidents, capped, critical, now);
      if (until !== undefined) wake = wake === null ? until : Math.min(wake, until);
    }
    return wake;
  }

  private async reinstate(incident: Incident, incidents: IncidentStore, r: PageRecord, critical: boolean, now: number): Promise<number | undefined> {
    const store = this.deps.throttle.storeFor(incident.id);
    const channel = r.channel as ChannelKind;
    const h = await store.history(r.person, channel, now);
    const wait = promptWait({ now, channel, critical, history: h.sent, limits: this.deps.limits });
    if (!wait) return undefined;
    const { until, reason, limit } = wait;
    const at = new Date(now).toISOString();
    // only while still cancelled at the cap and never brought back: another replica may have done it
    const write = (patch: Record<string, unknown>) => store.reinstate(incident.id, r.id, { ...patch, status: 'planned', at, reinstated: at });
    // once brought back, waiting again, for its time or for a message that carries it first
    const page = { incidentId: incident.id, notificationId: r.id, person: r.person, role: r.role, channel, tier: r.tier };
    const mark = { level: incident.level, reinstated: true };
    if (!(await this.deps.throttle.rehold({ ...page, until, reason, limit, now, incidents, write, requeue: { critical }, mark }))) return undefined;
    this.deps.logger.info({ incident: incident.id, person: r.person, channel, level: incident.level, until: new Date(until).toISOString() }, 'page cancelled at the daily cap brought back: its incident climbed');
    return until;
  }
}

/** The person's latest page cancelled at the daily cap (a throttled phase), if any. */
function latestCapped(list: readonly PageRecord[], phases: ReadonlySet<string>): PageRecord | undefined {
  let best: PageRecord | undefined;
  for (const r of list) {
    if (r.status !== 'cancelled' || r.reason !== 'throttled' || r.limit !== 'daily_cap' || !phases.has(r.phase ?? '')) continue;
    if (!best || Date.parse(r.at) > Date.parse(best.at) || (Date.parse(r.at) === Date.parse(best.at) && best.channel === 'email' && r.channel !== 'email')) best = r;
  }
  return best;
}
