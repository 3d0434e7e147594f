/**
 * Who holds a role when, from the roster's schedules. Pure: time is an argument.
 *
 * A schedule has a time zone and shifts. A shift starts on each of its `days` at `start` (HH:MM, the
 * schedule's zone) and ends at `end` the same day, or the next day when `end` ≤ `start` (so
 * `start` == `end` is a whole day). The person holding one shift instance is
 * `people[floor((shiftStart - from) / every) mod n]`, counted in the zone's wall-clock time, so a
 * daily rotation hands over at the same local time on both sides of a DST change.
 * Local times that happen twice take the first; local times that do not exist move forward by the gap.
 */
import { addDays, DAY_MS, localDate, wallMs, wallOf, weekdayOf, zonedToUtc, type Weekday } from './zoned-time.js';

/**
 * The shortest rotation step. Rotations are shifts of hours, days or weeks; a step of minutes would
 * cut one shift into hundreds of turns, and one of milliseconds into millions (roster.yaml refuses it).
 */
export const MIN_ROTATION_MS = 15 * 60_000;

export interface RotationSpec {
  readonly people: readonly string[];
  /** Every one of `people` holds the shift at once (a group told together), instead of taking turns. */
  readonly together?: boolean | undefined;
  /** ms */
  readonly every: number;
  /** ISO-8601 with offset: when the first person starts. */
  readonly from: string;
}

export interface ShiftSpec {
  readonly name?: string | undefined;
  readonly days: readonly Weekday[];
  readonly start: string;
  readonly end: string;
  readonly rotation: RotationSpec;
}

export interface ScheduleSpec {
  readonly timezone: string;
  readonly shifts: readonly ShiftSpec[];
}

export interface RosterSpec {
  readonly schedules: Readonly<Record<string, ScheduleSpec>>;
}

export interface ShiftInstance {
  readonly shift: number;
  readonly name: string | undefined;
  /** epoch ms, inclusive */
  readonly start: number;
  /** epoch ms, exclusive */
  readonly end: number;
  readonly person: string;
}

export interface Handover {
  readonly role: string;
  /** epoch ms of the change */
  readonly at: number;
  /** On duty just before. */
  readonly from: readonly string[];
  /** On duty from `at`. */
  readonly to: readonly string[];
}

/** Every shift instance of a schedule that overlaps [fromMs, toMs). */
export function shiftInstances(schedule: ScheduleSpec, fromMs: number, toMs: number): ShiftInstance[] {
  const tz = schedule.timezone;
  const out: ShiftInstance[] = [];
  const last = localDate(toMs, tz);
  const lastDay = Date.UTC(last.y, last.m - 1, last.d);
  // A shift lasts at most a day (25 h across DST), so the one that started the day before may still run.
  for (let date = addDays(localDate(fromMs, tz), -1); Date.UTC(date.y, date.m - 1, date.d) <= lastDay; date = addDays(date, 1)) {
    const weekday = weekdayOf(date);
    schedule.shifts.forEach((shift, index) => {
      if (!shift.days.includes(weekday)) return;
      const startWall = wallOf(date, shift.start);
      const endWall = wallOf(shift.end <= shift.start ? addDays(date, 1) : date, shift.end);
      const start = zonedToUtc(startWall, tz);
      const end = zonedToUtc(endWall, tz);
      if (end <= fromMs || start >= toMs || end <= start) return;
      // The rotation hands over every `every` from `from`, within the shift too: a whole-day shift
      // with a rotation that turns at 08:00 is one holder until 08:00 and the next one after.
      const t = turns(shift.rotation, tz);
      const cuts = [startWall, ...handoversWithin(t, startWall, endWall), endWall];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const fromWall = cuts[i] as number;
        const toWall = cuts[i + 1] as number;
        const partStart = i === 0 ? start : zonedToUtc(fromWall, tz);
        const partEnd = i + 2 === cuts.length ? end : zonedToUtc(toWall, tz);
        if (partEnd <= fromMs || partStart >= toMs || partEnd <= partStart) continue;
        const holders = shift.rotation.together ? shift.rotation.people : [holder(shift.rotation.people, t, fromWall)];
        for (const person of holders) if (person !== undefined) out.push({ shift: index, name: shift.name, start: partStart, end: partEnd, person });
      }
    });
  }
  return out.sort((a, b) => a.start - b.start || a.shift - b.shift);
}

/** When a rotation turns: its `from` as a wall time, and its step. */
interface Turns {
  readonly fromWall: number;
  readonly every: number;
}

/** The rotation's turns, or undefined when it never turns. */
function turns(r: RotationSpec, tz: string): Turns | undefined {
  const fromInstant = Date.parse(r.from);
  if (r.together || r.people.length < 2 || Number.isNaN(fromInstant)) return undefined;
  if (!(r.every >= MIN_ROTATION_MS)) throw new RangeError(`a rotation's step (every) must be at least ${MIN_ROTATION_MS / 60_000} minutes, got ${r.every} ms`);
  return { fromWall: wallMs(fromInstant, tz), every: r.every };
}

/**
 * The wall times strictly inside (startWall, endWall) at which the rotation hands over: their number
 * is worked out first, so a shift (at most 25 h) has at most 25 h / MIN_ROTATION_MS of them.
 */
function handoversWithin(t: Turns | undefined, startWall: number, endWall: number): number[] {
  if (!t) return [];
  const first = t.fromWall + (Math.floor((startWall - t.fromWall) / t.every) + 1) * t.every;
  const count = Math.max(0, Math.ceil((endWall - first) / t.every));
  return Array.from({ length: count }, (_, i) => first + i * t.every);
}

/** Who of the rotation's `people` holds it at wall time `wall`. */
function holder(people: readonly string[], t: Turns | undefined, wall: number): string | undefined {
  const n = people.length;
  if (n === 0) return undefined;
  if (!t) return people[0];
  const k = Math.floor((wall - t.fromWall) / t.every);
  return people[((k % n) + n) % n];
}

function peopleAt(instances: readonly ShiftInstance[], at: number): string[] {
  const out: string[] = [];
  for (const i of instances) if (i.start <= at && at < i.end && !out.includes(i.person)) out.push(i.person);
  return out;
}

/** The people on duty for `role` at epoch ms `at` (in shift order; empty = nobody scheduled). */
export function onDutyAt(roster: RosterSpec, role: string, at: number): string[] {
  return [...dutySpanAt(roster, role, at).people];
}

/** Who is on duty at a moment, and the span around it in which that stays so. */
export interface DutySpan {
  readonly people: readonly string[];
  /** epoch ms, inclusive: no shift starts or ends in [from, until) */
  readonly from: number;
  /** epoch ms, exclusive */
  readonly until: number;
}

/**
 * Who is on duty at `at`, with the span that answer holds for: from the last shift start or end at
 * or before `at` to the next one after it, looked for within a day on each side (a shorter span when
 * none is nearer). Every moment inside the span has the same answer, so the answer can be kept for it.
 */
export function dutySpanAt(roster: RosterSpec, role: string, at: number): DutySpan {
  const schedule = roster.schedules[role];
  if (!schedule) return { people: [], from: Number.NEGATIVE_INFINITY, until: Number.POSITIVE_INFINITY };
  const instances = shiftInstances(schedule, at - DAY_MS, at + DAY_MS);
  let from = at - DAY_MS;
  let until = at + DAY_MS;
  for (const i of instances) {
    for (const b of [i.start, i.end]) {
      if (b <= at && b > from) from = b;
      else if (b > at && b < until) until = b;
    }
  }
  return { people: peopleAt(instances, at), from, until };
}

/**
 * The first moment after `after` when the people on duty for `role` change, or undefined when
 * nothing changes within the horizon (default: the longest rotation step plus a week).
 */
export function nextHandover(roster: RosterSpec, role: string, after: number, horizonMs?: number): Handover | undefined {
  const schedule = roster.schedules[role];
  if (!schedule) return undefined;
  const longest = Math.max(0, ...schedule.shifts.map((s) => s.rotation.every));
  const horizon = horizonMs ?? Math.min(366 * DAY_MS, longest + 8 * DAY_MS);
  const instances = shiftInstances(schedule, after, after + horizon);
  const boundaries = [...new Set(instances.flatMap((i) => [i.start, i.end]))].filter((b) => b > after && b <= after + horizon).sort((a, b) => a - b);
  for (const b of boundaries) {
    const from = peopleAt(instances, b - 1);
    const to = peopleAt(instances, b);
    if (from.length !== to.length || from.some((p) => !to.includes(p))) return { role, at: b, from, to };
  }
  return undefined;
}
