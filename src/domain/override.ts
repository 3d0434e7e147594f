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
}

export function overrideActive(o: Pick<Override, 'from' | 'until'>, at: number): boolean {
  return Date.parse(o.from) <= at && at < Date.parse(o.until);
}

/** People overriding `role` at `at`, oldest override first, each once (empty = the schedule holds). */
export function overridingPeople(overrides: readonly Override[], role: string, at: number): string[] {
  const out: string[] = [];
  const active = overrides.filter((o) => o.role === role && overrideActive(o, at)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  for (const o of active) if (!out.includes(o.person)) out.push(o.person);
  return out;
}
