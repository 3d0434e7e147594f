/** Temporary on-call overrides: a person holds a role from `from` until `until`, in place of the schedule. */

export interface Override {
  readonly id: string;
  readonly role: string;
  readonly person: string;
  /** ISO-8601 */
  readonly from: string;
  /** ISO-8601; every override ends. */
  readonly until: string;
  readonly reason?: string | undefined;
  readonly createdAt: string;
  readonly createdBy?: string | undefined;
  /** ISO-8601: ended early (DELETE) at this moment; the record is kept until `until` so that the end can be told. */
  readonly endedAt?: string | undefined;
}

/**
 * When an override starts to hold: its `from`, or when it was made if that is later — one made to
 * start at once, or with a `from` already past, changes nothing before it existed.
 */
export function inForceFrom(o: Pick<Override, 'from' | 'createdAt'>): number {
  const from = Date.parse(o.from);
  const made = Date.parse(o.createdAt);
  return Number.isNaN(made) ? from : Math.max(from, made);
}

/** True when the override took hold as it was made (no `from` ahead of its making). */
export function startedAsMade(o: Pick<Override, 'from' | 'createdAt'>): boolean {
  return Date.parse(o.from) <= Date.parse(o.createdAt);
}

/** When an override stops holding: its `until`, or when it was ended early. */
export function inForceUntil(o: Pick<Override, 'until' | 'endedAt'>): number {
  const until = Date.parse(o.until);
  return o.endedAt === undefined ? until : Math.min(until, Date.parse(o.endedAt));
}

/** True when the override was ended early, while it held (its end is a handover nobody planned). */
export function endedInForce(o: Pick<Override, 'from' | 'until' | 'createdAt' | 'endedAt'>): boolean {
  return o.endedAt !== undefined && inForceFrom(o) < inForceUntil(o);
}

export function overrideActive(o: Pick<Override, 'from' | 'until' | 'createdAt' | 'endedAt'>, at: number): boolean {
  return inForceFrom(o) <= at && at < inForceUntil(o);
}

/** People overriding `role` at `at`, oldest override first, each once (empty = the schedule holds). */
export function overridingPeople(overrides: readonly Override[], role: string, at: number): string[] {
  const out: string[] = [];
  const active = overrides.filter((o) => o.role === role && overrideActive(o, at)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  for (const o of active) if (!out.includes(o.person)) out.push(o.person);
  return out;
}
