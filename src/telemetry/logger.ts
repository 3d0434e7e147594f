/** Structured logs (pino). Phone numbers and e-mail addresses never reach a log line. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * E.164-style numbers (+ and 7-15 digits, separators allowed), bare runs of 10-15 digits, and
 * numbers written in groups without a + (`555-555-0101`, `(555) 555-0101`, `1 555 555 0101`). Dates,
 * times, versions and addresses (dots, colons, fewer digits) do not match.
 */
const PHONE = /\+\d[\d\s().-]{5,20}\d|\b\d{10,15}\b|(?<![\d.:])(?:\d{1,3}[ -])?\(?\d{3}\)?[ -]\d{3}[ -]\d{4}(?![\d.:])/g;
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
    .replace(PHONE, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 7 ? `***${digits.slice(-2)}${tag ? tag(digits) : ''}` : m;
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
