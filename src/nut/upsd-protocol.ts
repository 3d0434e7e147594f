/**
 * NUT's upsd network protocol, the pure part: splitting reply lines into words (double quotes,
 * backslash escapes), reading `VAR <ups> <name> "<value>"` and `ERR <CODE>` lines, and turning
 * string values into numbers where they are numbers. No sockets here.
 */

/** upsd error codes the poller acts on; any other `ERR` code is carried as a string. */
export type UpsdErrorCode = 'DRIVER-NOT-CONNECTED' | 'DATA-STALE' | 'UNKNOWN-UPS' | 'VAR-NOT-SUPPORTED' | 'ACCESS-DENIED' | (string & {});

/** Splits one protocol line into words: spaces separate, "double quotes" group, `\"` and `\\` escape. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i]!;
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Quotes a word for a request line (`LIST VAR "my ups"`), escaping `"` and `\`. */
export function quoteWord(w: string): string {
  return /^[A-Za-z0-9_.@:-]+$/.test(w) ? w : `"${w.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** `ERR DATA-STALE` → `DATA-STALE`; undefined when the line is not an error. */
export function parseErr(line: string): UpsdErrorCode | undefined {
  const w = splitWords(line);
  return w[0] === 'ERR' ? (w[1] ?? 'UNKNOWN') : undefined;
}

export interface VarLine {
  readonly ups: string;
  readonly name: string;
  readonly value: string;
}

/** `VAR ups1 ups.status "OL CHRG"` → { ups, name, value }; undefined for any other line. */
export function parseVarLine(line: string): VarLine | undefined {
  const w = splitWords(line);
  if (w[0] !== 'VAR' || w.length < 4) return undefined;
  return { ups: w[1]!, name: w[2]!, value: w[3]! };
}

export type ListVarResult = { readonly ok: true; readonly vars: Readonly<Record<string, string>> } | { readonly ok: false; readonly error: UpsdErrorCode };

/**
 * Reads the reply to `LIST VAR <ups>`: either one `ERR` line, or `BEGIN LIST VAR <ups>`, VAR lines,
 * `END LIST VAR <ups>`. Returns undefined while the reply is still incomplete.
 */
export function parseListVar(lines: readonly string[], ups: string): ListVarResult | undefined {
  const first = lines[0];
  if (first === undefined) return undefined;
  const err = parseErr(first);
  if (err !== undefined) return { ok: false, error: err };
  const begin = splitWords(first);
  if (begin.join(' ') !== `BEGIN LIST VAR ${ups}`) return { ok: false, error: `PROTOCOL: unexpected "${first}"` };
  const vars: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const w = splitWords(line);
    if (w[0] === 'END') return w.join(' ') === `END LIST VAR ${ups}` ? { ok: true, vars } : { ok: false, error: `PROTOCOL: unexpected "${line}"` };
    const v = parseVarLine(line);
    if (v !== undefined && v.ups === ups) vars[v.name] = v.value;
  }
  return undefined;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Identifiers that may look numeric but are text: serial numbers, models, versions, driver parameters. */
const TEXT_VAR = /(^driver\.parameter\.|\.(serial|model|mfr|version|firmware|id|name|type|date)(\.|$))/;

/** Numbers where the string is a number (`"100"` → 100, `"27.1"` → 27.1); text and identifiers stay text. */
export function convertVars(vars: Readonly<Record<string, string>>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(vars)) {
    const t = v.trim();
    const numeric = NUMBER.test(t) && Number.isFinite(Number(t)) && !/^[+-]?0\d/.test(t) && !TEXT_VAR.test(k);
    out[k] = numeric ? Number(t) : v;
  }
  return out;
}
