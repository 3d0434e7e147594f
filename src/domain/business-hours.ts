/** "During business hours" (daemon.yaml businessHours): local days and HH:MM–HH:MM in an IANA time zone. Pure. */
import { addDays, DAY_MS, dateOfWall, localDate, wallMs, wallOf, weekdayOf, zonedToUtc, type Weekday } from './zoned-time.js';

export interface BusinessHours {
  readonly timezone: string;
  readonly days: readonly Weekday[];
  /** HH:MM, local. */
  readonly start: string;
  /** HH:MM, local; at or before `start` means the hours run past midnight (equal: around the clock). */
  readonly end: string;
}

function minuteOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function withinBusinessHours(bh: BusinessHours, at: number): boolean {
  const wall = wallMs(at, bh.timezone);
  const date = dateOfWall(wall);
  const minute = Math.floor((((wall % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
  const start = minuteOfDay(bh.start);
  const end = minuteOfDay(bh.end);
  const today = bh.days.includes(weekdayOf(date));
  if (end > start) return today && minute >= start && minute < end;
  // Past midnight: the evening part belongs to today, the small hours to yesterday's opening.
  const yesterday = bh.days.includes(weekdayOf(addDays(date, -1)));
  return (today && minute >= start) || (yesterday && minute < end);
}

/** The next instant after `at` when business hours open (a `start` on one of the `days`); undefined when no day is listed. */
export function nextBusinessStart(bh: BusinessHours, at: number): number | undefined {
  const today = localDate(at, bh.timezone);
  for (let d = 0; d <= 7; d++) {
    const date = addDays(today, d);
    if (!bh.days.includes(weekdayOf(date))) continue;
    const opens = zonedToUtc(wallOf(date, bh.start), bh.timezone);
    if (opens > at) return opens;
  }
  return undefined;
}

/**
 * The next instant after `at` when business hours close (an `end` on a day they were open up to it);
 * undefined when they never close (around the clock on every day, or no day listed).
 */
export function nextBusinessEnd(bh: BusinessHours, at: number): number | undefined {
  const today = localDate(at, bh.timezone);
  for (let d = 0; d <= 8; d++) {
    const closes = zonedToUtc(wallOf(addDays(today, d), bh.end), bh.timezone);
    if (closes > at && withinBusinessHours(bh, closes - 60_000) && !withinBusinessHours(bh, closes)) return closes;
  }
  return undefined;
}

/**
 * The latest instant at or before `at` when business hours opened (a `start` on a day they were closed
 * up to it); undefined when they never open (around the clock on every day, or no day listed).
 */
export function lastBusinessStart(bh: BusinessHours, at: number): number | undefined {
  const today = localDate(at, bh.timezone);
  for (let d = 0; d <= 8; d++) {
    const opens = zonedToUtc(wallOf(addDays(today, -d), bh.start), bh.timezone);
    if (opens <= at && withinBusinessHours(bh, opens) && !withinBusinessHours(bh, opens - 60_000)) return opens;
  }
  return undefined;
}

/**
 * The latest instant at or before `at` when business hours closed (an `end` on a day they were open up
 * to it); undefined when they never close (around the clock on every day, or no day listed).
 */
export function lastBusinessEnd(bh: BusinessHours, at: number): number | undefined {
  const today = localDate(at, bh.timezone);
  for (let d = 0; d <= 8; d++) {
    const closes = zonedToUtc(wallOf(addDays(today, -d), bh.end), bh.timezone);
    if (closes <= at && withinBusinessHours(bh, closes - 60_000) && !withinBusinessHours(bh, closes)) return closes;
  }
  return undefined;
}

/** The edge of business hours an instant falls in: just after they open, or just before they end. */
export type BusinessEdge = { readonly edge: 'opening'; readonly openedAt: number } | { readonly edge: 'closing'; readonly closesAt: number };

/**
 * Whether `at`, within business hours, falls in the first `windows.opening` after they opened or the
 * last `windows.closing` before they end (a window of 0: never); undefined otherwise, and outside them.
 */
export function businessEdgeAt(bh: BusinessHours, at: number, windows: { readonly opening: number; readonly closing: number }): BusinessEdge | undefined {
  if (!withinBusinessHours(bh, at)) return undefined;
  const closesAt = windows.closing > 0 ? nextBusinessEnd(bh, at) : undefined;
  if (closesAt !== undefined && closesAt - at <= windows.closing) return { edge: 'closing', closesAt };
  const openedAt = windows.opening > 0 ? lastBusinessStart(bh, at) : undefined;
  if (openedAt !== undefined && at - openedAt < windows.opening) return { edge: 'opening', openedAt };
  return undefined;
}
