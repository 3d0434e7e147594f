/**
 * A reminder's step key (the escalation's done set and its notifications' ids carry it): stable
 * whatever its place in the class's list, so reordering a class's reminders never sends one twice
 * nor skips one. `rem.<id>` when the reminder names an `id`; otherwise `rem-<hash>` of what tells it
 * apart (its wait, its roles, its `match` and `unless`, not its words: correcting a note does not
 * make a sent reminder new). Reminders sent before were recorded by position (`legacyReminderKey`).
 */

export interface ReminderIdentity {
  readonly id?: string | undefined;
  /** After the resolution, in ms as loaded (divided by the clock speed). */
  readonly after: number;
  readonly roles: readonly string[];
  readonly match?: Readonly<Record<string, string>> | undefined;
  readonly unless?: Readonly<Record<string, string>> | undefined;
}

/** `speed`: the clock speed the waits were divided by (the key is the same at any speed). */
export function reminderKey(r: ReminderIdentity, speed = 1): string {
  if (r.id !== undefined) return `rem.${r.id}`;
  const sorted = (m: Readonly<Record<string, string>> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const afterS = Math.round((r.after * speed) / 1000);
  return `rem-${fnv1a(JSON.stringify([afterS, [...r.roles].sort(), sorted(r.match), sorted(r.unless)]))}`;
}

/** The key a reminder had when keys were its place in the list: still honoured for those sent so. */
export function legacyReminderKey(index: number): string {
  return `rem${index}`;
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
