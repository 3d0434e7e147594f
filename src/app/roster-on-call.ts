/** OnCall from the roster: temporary overrides win over the schedule; people become Recipients. */
import type { RosterConfig } from '../config/schema.js';
import { overridingPeople, type Override } from '../domain/override.js';
import type { OnCall, OnCallResolution, Recipient } from '../domain/ports.js';
import { dutySpanAt, type DutySpan } from '../domain/roster.js';

/** Overrides that have not ended at `now`. */
export interface OverrideSource {
  list(now: number): Promise<Override[]>;
}

export function recipientOf(roster: Pick<RosterConfig, 'people'>, id: string): Recipient | undefined {
  const p = roster.people[id];
  if (!p) return undefined;
  return { id, name: p.name, phone: p.phone, email: p.email, locale: p.locale, timezone: p.timezone, channels: p.channels };
}

export class RosterOnCall implements OnCall {
  /**
   * The schedule's answer per role, kept for the span in which nobody hands over: the engine asks
   * for the same roles for every incident it runs, each at its own moment, and the answer is a pure
   * function of the role and the time.
   */
  private readonly scheduled = new Map<string, DutySpan>();

  /**
   * The override read in flight, and for which time: questions asked while it is on its way (every
   * incident of a batch asks at once) share it. A question asked after it came back reads anew, so
   * an override stored before the question is always seen.
   */
  private inFlight: { readonly at: number; readonly list: Promise<Override[]> } | undefined;

  constructor(
    private readonly roster: RosterConfig,
    private readonly overrides: OverrideSource,
  ) {}

  async resolve(role: string, at: number): Promise<OnCallResolution> {
    // An override naming someone no longer in the roster is ignored (the schedule holds).
    const overriding = overridingPeople(await this.overridesAt(at), role, at).filter((id) => this.roster.people[id] !== undefined);
    const ids = overriding.length > 0 ? overriding : this.onSchedule(role, at);
    const people = ids.map((id) => recipientOf(this.roster, id)).filter((r): r is Recipient => r !== undefined);
    return { role, people, source: overriding.length > 0 ? 'override' : 'schedule' };
  }

  private overridesAt(at: number): Promise<Override[]> {
    if (this.inFlight?.at === at) return this.inFlight.list;
    const entry = { at, list: this.overrides.list(at) };
    this.inFlight = entry;
    const done = () => {
      if (this.inFlight === entry) this.inFlight = undefined;
    };
    entry.list.then(done, done);
    return entry.list;
  }

  private onSchedule(role: string, at: number): readonly string[] {
    const last = this.scheduled.get(role);
    if (last && last.from <= at && at < last.until) return last.people;
    const span = dutySpanAt(this.roster, role, at);
    this.scheduled.set(role, span);
    return span.people;
  }
}
