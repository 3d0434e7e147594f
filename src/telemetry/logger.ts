/** Structured logs (pino). Phone numbers and e-mail addresses never reach a log line. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * A run of digits in groups: an optional `+` or `(` first, then digits, each group joined to the next by
 * one space, dash or dot, or by parentheses (`(010) 6552`, `1 (555)`). Greedy, so each run is taken
 * whole; `maskRun` then tells a phone number from the other runs of digits logs carry.
 */
const DIGIT_RUN = /[+(]?\d+(?:(?:[ .-]|\)[ .-]?|[ .-]?\()\d+)*/g;

/**
 * The parts of a run that are never a phone number nor a piece of one, however they are joined to the
 * digits beside them: a date (`2026-12-05`, `2026.12.05`) and an IPv4 address (exactly four dot-joined
 * groups of 1-3 digits: `192.168.1.10`, not `06.12.34.56.78`).
 */
const NOT_A_NUMBER = /(?<!\d)(?:19|20)\d\d([.-])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?!\d)|(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![.\d])/g;
const HAS_NOT_A_NUMBER = new RegExp(NOT_A_NUMBER.source);

/** A decimal number: digits, one dot, digits. */
const DECIMAL = /^\d+\.\d+$/;

/**
 * A list of numbers rather than one number: three groups or more of 4 digits or more, joined by single
 * spaces, the first not starting with 0 (`8080 8081 9090`, `1000 2000 4000`); a national number
 * written in such groups starts with its trunk 0 (`0755 8888 1234`).
 */
const NUMBER_LIST = /^[1-9]\d{3,}(?: \d{4,}){2,}$/;

/** The longest phone number: 15 digits (E.164). A longer run is several numbers, or none. */
const MAX_DIGITS = 15;

function countDigits(s: string, atLeast: number): number {
  let n = 0;
  for (let i = 0; i < s.length && n < atLeast; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/**
 * Masks the phone numbers in a run of digits (DIGIT_RUN) found at `at` in `text`, and returns the run
 * with them masked. The dates and IPv4 addresses in the run are kept, and what lies between them is
 * read as runs of its own. Then a run is a phone number with a `+`, 7 digits or more (E.164:
 * `+44 20 7946 0958`); without, 9 to 15 digits in any grouping (national formats: `138 0013 8000`,
 * `020-7946-0958`, `06.12.34.56.78`, `(010) 6552 9988`, `13800138000`). Not a run glued to letters or
 * `_` (ids, ULIDs, Twilio SIDs, `1500ms`) or following a letter and a dash (`CVE-2024-12345678`,
 * `INC-123456789`), nor a part of a time or an address and port (a `:` and a digit on either side:
 * `2026-12-05 10:00`, `10.0.0.1:3493`), nor a decimal number. A run of more than 15 digits, or a list
 * (NUMBER_LIST), is read part by part, each part being what lies between two spaces
 * (`13800138000 13900139000` is two numbers; `8080 8081 9090` none).
 */
function maskRun(run: string, at: number, text: string, tag?: (masked: string) => string): string {
  const least = run.startsWith('+') ? 7 : 9;
  if (countDigits(run, least) < least) return run;
  if (HAS_NOT_A_NUMBER.test(run)) {
    let out = '';
    let last = 0;
    for (const m of run.matchAll(NOT_A_NUMBER)) {
      out += maskGap(run.slice(last, m.index), at + last, text, tag) + m[0];
      last = m.index + m[0].length;
    }
    return out + maskGap(run.slice(last), at + last, text, tag);
  }
  const digits = run.replace(/\D/g, '');
  const masked = () => `***${digits.slice(-2)}${tag ? tag(digits) : ''}`;
  if (run.startsWith('+')) return masked();
  const before = text.slice(Math.max(0, at - 2), at);
  const after = text.slice(at + run.length, at + run.length + 2);
  if (/\w$/.test(before) || /^\w/.test(after) || /[A-Za-z]-$/.test(before)) return run;
  if (/\d:$/.test(before) || /^:\d/.test(after)) return run;
  if (DECIMAL.test(run)) return run;
  if (digits.length > MAX_DIGITS || NUMBER_LIST.test(run)) {
    if (!run.includes(' ')) return run;
    let from = at;
    return run
      .split(' ')
      .map((part) => {
        const out = countDigits(part, 7) < 7 ? part : maskGap(part, from, text, tag);
        from += part.length + 1;
        return out;
      })
      .join(' ');
  }
  return masked();
}

/** Masks the phone numbers in a piece of a run: the runs of digits it holds, each read by `maskRun`. */
function maskGap(piece: string, at: number, text: string, tag?: (masked: string) => string): string {
  return piece.replace(DIGIT_RUN, (m, i: number) => maskRun(m, at + i, text, tag));
}

/**
 * An e-mail address. The local part starts where a run of the characters it may hold starts, so that a
 * long word with no address in it is read once, not once from each of its characters.
 */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/**
 * Full-width digits, letters, `＋`, `－`, `．` and `＠`: read as their ASCII selves before masking.
 * Full-width punctuation of Chinese text (`，：（）`) is left as it is.
 */
const FULL_WIDTH = /[\uFF0B\uFF0D\uFF0E\uFF10-\uFF19\uFF20-\uFF3A\uFF41-\uFF5A]/g;

/**
 * An address masked: all of it but its top-level domain (`lin.wei@example.com` → `***@***.com`). The
 * domain is masked too, since it can name the person as well as the local part does (a family's or a
 * one-person company's own domain); the top-level domain names nobody.
 */
function maskAddress(address: string): string {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return `***@***${domain.slice(domain.lastIndexOf('.'))}`;
}

/**
 * Masks phone numbers (keeps the last 2 digits) and e-mail addresses (keeps the top-level domain).
 * `tag`, when given, is appended to each mask, from what was masked (a number's digits, an address in
 * lower case); it must hold no digits and no `@`, so that masking the result again leaves it as it is.
 * Linear in the length of the text; a text with no `@` skips the e-mail rule, and one with fewer than
 * 7 digits the phone rules.
 */
export function redactText(text: string, tag?: (masked: string) => string): string {
  let s = text.replace(FULL_WIDTH, (c) => String.fromCharCode((c.codePointAt(0) ?? 0) - 0xfee0));
  if (s.includes('@')) s = s.replace(EMAIL, (m) => `${maskAddress(m)}${tag ? tag(m.toLowerCase()) : ''}`);
  if (countDigits(s, 7) < 7) return s;
  return maskGap(s, 0, s, tag);
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
