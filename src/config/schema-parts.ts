/** The primitives the config files' schemas share: ids, levels, channels, durations, sizes, times of day, time zones. */
import { z } from 'zod';
import { formatDuration, parseBytes, parseDurationOrSeconds } from './durations.js';

export const CLASS_ID = /^[a-z][a-z0-9_]*$/;
export const CHANNELS = ['sms', 'voice', 'email'] as const;
export const TIER_CONDITIONS = ['unacknowledged', 'unresolved', 'uncontrolled'] as const;

export const id = z.string().regex(CLASS_ID, 'must be a snake_case id such as app_network_acd');
export const level = z.number().int().min(1).max(5);
export const channel = z.enum(CHANNELS);

/** The least a duration may be as written (before the clock speed divides it), and why. */
export interface Least {
  readonly ms: number;
  readonly why: string;
}

export function durationSchema(scale: number, least?: Least) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? (v >= 0 ? v * 1000 : undefined) : parseDurationOrSeconds(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (write e.g. "30s", "5m", "1h30m"; a bare number is seconds)` });
      return z.NEVER;
    }
    if (least && ms < least.ms) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(least.ms)}: ${least.why}` });
      return z.NEVER;
    }
    return Math.max(0, Math.round(ms / scale));
  });
}

/** A duration field's schema, its value in milliseconds. */
export type DurationSchema = ReturnType<typeof durationSchema>;

/**
 * The two kinds of duration: `wait` (a time the daemon waits, divided by the clock speed) and
 * `span` (a fact about the world compared with telemetry, never scaled).
 */
export interface Durations {
  readonly wait: DurationSchema;
  readonly span: DurationSchema;
  /** A `wait` of at least `least.ms` as written: a cadence that would spin when shorter (the clock speed still divides it). */
  readonly waitAtLeast: (least: Least) => DurationSchema;
}

/** The `wait` and `span` duration schemas for a clock speed. */
export function durationSchemas(clockSpeed: number): Durations {
  return { wait: durationSchema(clockSpeed), span: durationSchema(1), waitAtLeast: (least) => durationSchema(clockSpeed, least) };
}

export const bytes = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseBytes(v);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a size (write e.g. "1mb", "512kb")` });
    return z.NEVER;
  }
  return n;
});

export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
export const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');
export const isoInstant = z.string().datetime({ offset: true });

/** Phases a throttle may hold back. */
export const THROTTLED_PHASES = ['page', 'escalation', 'level_raised', 'update', 'all_clear', 'reminder'] as const;

/** One channel's limits for one person: messages per 15 minutes and per hour, and the least gap between two. */
export function throttleChannel(wait: DurationSchema) {
  return z.strictObject({
    per15m: z.number().int().min(1).describe('Messages to one person on this channel per 15 minutes, at most.'),
    perHour: z.number().int().min(1).describe('Messages to one person on this channel per hour, at most.'),
    minGap: wait.describe(durationText('The least time between two messages to one person on this channel.')),
  });
}

/**
 * The description of a duration field for editors (config/schema/*.json): what it is, how it is
 * written, and its default when it has one.
 */
export function durationText(what: string, byDefault?: string): string {
  return `${what} A duration such as "30s", "5m" or "1h30m" (a bare number is seconds)${byDefault === undefined ? '' : `; default ${byDefault}`}.`;
}

/** A whole number from `min` to `max`, `byDefault` when left out. */
export function wholeNumber(min: number, max: number, byDefault: number) {
  return z.number().int().min(min).max(max).default(byDefault);
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
