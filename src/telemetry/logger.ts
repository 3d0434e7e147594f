/** Structured logs (pino). Phone numbers and e-mail addresses never reach a log line. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * A run of digits in groups: an optional `+` or `(` first, then digits, each group joined to the next by
 * one space, dash or dot, or by parentheses (`(010) 6552`, `1 (555)`). Greedy, so each run is taken
 * whole; `isPhoneNumber` then tells a phone number from the other runs of digits logs carry.
 */
const DIGIT_RUN = /[+(]?\d+(?:(?:[ .-]|\)[ .-]?|[ .-]?\()\d+)*/g;

/** Four dot-separated groups of 1-3 digits: an IPv4 address. */
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** A decimal number: digits, one dot, digits. */
const DECIMAL = /^\d+\.\d+$/;

/**
 * Whether a run of digits (DIGIT_RUN) at `at` in `text` is a phone number: with a `+`, 7 digits or more
 * (E.164: `+44 20 7946 0958`); without, 9 or more in any grouping (national formats: `138 0013 8000`,
 * `020-7946-0958`, `06.12.34.56.78`, `(010) 6552 9988`, `13800138000`). Not a run glued to letters or
 * `_` (ids, ULIDs, Twilio SIDs, `1500ms`), nor a part of a time or an address and port (a `:` and a
 * digit on either side: `2026-12-05 10:00`, `10.0.0.1:3493`), nor an IPv4 address or a decimal number.
 */
function isPhoneNumber(run: string, at: number, text: string): boolean {
  const digits = run.replace(/\D/g, '').length;
  if (run.startsWith('+')) return digits >= 7;
  if (digits < 9) return false;
  const before = text.slice(Math.max(0, at - 2), at);
  const after = text.slice(at + run.length, at + run.length + 2);
  if (/\w$/.test(before) || /^\w/.test(after)) return false;
  if (/\d:$/.test(before) || /^:\d/.test(after)) return false;
  return !IPV4.test(run) && !DECIMAL.test(run);
}
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/**
 * Full-width digits, letters, `＋`, `－`, `．` and `＠`: read as their ASCII selves before masking.
 * Full-width punctuation of Chinese text (`，：（）`) is left as it is.
 */
const FULL_WIDTH = /[\uFF0B\uFF0D\uFF0E\uFF10-\uFF19\uFF20-\uFF3A\uFF41-\uFF5A]/g;

/**
 * Masks phone numbers (keeps the last 2 digits) and e-mail addresses (keeps the domain). `tag`, when
 * given, is appended to each mask, from what was masked (a number's digits, an address in lower
 * case); it must hold no digits and no `@`, so that masking the result again leaves it as it is.
 */
export function redactText(text: string, tag?: (masked: string) => string): string {
  const s = text.replace(FULL_WIDTH, (c) => String.fromCharCode((c.codePointAt(0) ?? 0) - 0xfee0));
  return s
    .replace(EMAIL, (m) => `***@${m.split('@')[1] ?? ''}${tag ? tag(m.toLowerCase()) : ''}`)
    .replace(DIGIT_RUN, (m, at: number, all: string) => {
      if (!isPhoneNumber(m, at, all)) return m;
      const digits = m.replace(/\D/g, '');
      return `***${digits.slice(-2)}${tag ? tag(digits) : ''}`;
    });
}

export function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactText(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (v instanceof Error) {
    // the first frames of the stack, so that an internal error can be traced from its log line
    const stack = v.stack?.split('\n').slice(1, 9).map((l) => l.trim()).join('\n');
    return { type: v.name, message: redactText(v.message), code: (v as { code?: unknown }).code, ...(stack ? { stack: redactText(stack) } : {}) };
  }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactValue(x, depth + 1);
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tocsin' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactValue(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (typeof first === 'string') return method.apply(this, [redactText(first), ...rest] as Parameters<typeof method>);
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
}
