/**
 * Wall-clock time in IANA time zones, with Intl only. "Wall ms" is a local date and time written as
 * if it were UTC (Date.UTC of the local fields): days are always 24 h long in wall ms, which is what
 * calendars and rotations count in.
 */

export const DAY_MS = 86_400_000;

export interface LocalDate {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * The wall-clock reading in `tz` at instant `at` (epoch ms), as wall ms. Intl's answer costs
 * microseconds, and the escalation engine asks for it at every look at an incident (business hours,
 * rotations), so the zone's offset is remembered per quarter of an hour of UTC: every offset change of
 * a zone's rules falls on one (offsets are whole quarters, changes happen at whole local minutes of
 * them). A quarter whose two ends disagree (a change at an odd instant, in old history) is never
 * remembered: each instant in it is asked of Intl.
 */
export function wallMs(at: number, tz: string): number {
  const quarter = Math.floor(at / QUARTER_MS);
  const key = `${tz}\u0000${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const from = quarter * QUARTER_MS;
    const to = from + QUARTER_MS - 1_000;
    const first = intlWallMs(from, tz) - from;
    if (intlWallMs(to, tz) - to !== first) return intlWallMs(at, tz);
    if (offsets.size >= MAX_REMEMBERED) offsets.clear();
    offsets.set(key, first);
    offset = first;
  }
  return at + offset;
}

const QUARTER_MS = 15 * 60_000;
const offsets = new Map<string, number>();

/** wallMs as Intl tells it. */
function intlWallMs(at: number, tz: string): number {
  const fields: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(at)) if (p.type !== 'literal') fields[p.type] = Number(p.value);
  const hour = (fields.hour ?? 0) % 24;
  const secondStart = Math.floor(at / 1000) * 1000;
  return Date.UTC(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1, hour, fields.minute ?? 0, fields.second ?? 0) + (at - secondStart);
}

/** UTC offset of `tz` at instant `at`, in ms (east positive). */
export function offsetMs(at: number, tz: string): number {
  return wallMs(at, tz) - at;
}

/**
 * The instant a wall-clock time happens in `tz`. Like Temporal's "compatible" disambiguation:
 * a time that happens twice (autumn) is its first occurrence; a time that does not exist (spring
 * gap) is moved forward by the length of the gap (02:30 → 03:30).
 */
export function zonedToUtc(wall: number, tz: string): number {
  // Rosters ask for the same shift boundaries over and over (every page resolves who is on call),
  // and each answer costs several Intl calls: remembered, as the answer never changes.
  const key = `${tz}\u0000${wall}`;
  const known = instants.get(key);
  if (known !== undefined) return known;
  if (instants.size >= MAX_REMEMBERED) instants.clear();
  const at = computeZonedToUtc(wall, tz);
  instants.set(key, at);
  return at;
}

const MAX_REMEMBERED = 4096;
const instants = new Map<string, number>();

function computeZonedToUtc(wall: number, tz: string): number {
  const before = offsetMs(wall - DAY_MS, tz);
  const after = offsetMs(wall + DAY_MS, tz);
  const valid = [wall - before, wall - after].filter((t) => wallMs(t, tz) === wall);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

export function localDate(at: number, tz: string): LocalDate {
  return dateOfWall(wallMs(at, tz));
}

export function dateOfWall(wall: number): LocalDate {
  return civilFromDays(Math.floor(wall / DAY_MS));
}

/** Wall ms of a local date at HH:MM. */
export function wallOf(date: LocalDate, hhmm: string): number {
  const [h, mi] = hhmm.split(':').map(Number);
  return Date.UTC(date.y, date.m - 1, date.d, h ?? 0, mi ?? 0);
}

export function addDays(date: LocalDate, n: number): LocalDate {
  return civilFromDays(Math.floor(Date.UTC(date.y, date.m - 1, date.d) / DAY_MS) + n);
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function weekdayOf(date: LocalDate): Weekday {
  const days = Math.floor(Date.UTC(date.y, date.m - 1, date.d) / DAY_MS);
  return WEEKDAYS[(((days + 4) % 7) + 7) % 7] ?? 'sun'; // 1970-01-01 was a Thursday
}

/** Days since 1970-01-01 → civil date (Howard Hinnant's algorithm). */
function civilFromDays(days: number): LocalDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}
