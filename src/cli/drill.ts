/**
 * `tocsin drill <class> [--site S] [--key K]`: asks the running daemon to open a drill incident (its
 * own namespace, ids `drill-…`) that runs the real chain with every message marked DRILL, and says
 * where to watch it. The request carries an idempotency key (new for each run, or `--key`): when it
 * fails without a clear answer, running it again with the key it printed opens no second drill.
 */
import { randomUUID } from 'node:crypto';
import { REPORT_KEY, REPORT_KEY_RULE } from '../domain/report-key.js';

export interface DrillDeps {
  readonly fetch: typeof fetch;
  /** TOCSIN_URL */
  readonly baseUrl: string;
  /** TOCSIN_API_TOKEN */
  readonly token?: string | undefined;
  readonly out: { write(s: string): unknown };
  readonly err: { write(s: string): unknown };
  /** Class id → display name, when the configuration can be read. */
  readonly className?: ((id: string) => string | undefined) | undefined;
  readonly timeoutMs?: number;
  /** A new idempotency key for a run without `--key` (default: a random UUID). */
  readonly newKey?: (() => string) | undefined;
}

import { EX_DATAERR, EX_UNAVAILABLE, EX_USAGE } from './exit-codes.js';

export { EX_DATAERR, EX_UNAVAILABLE, EX_USAGE };

const USAGE = 'usage: tocsin drill <class> [--site S] [--key K]\n';

export interface DrillArgs {
  readonly class: string;
  readonly site: string;
  /** `--key`: the key of an earlier run to send again. */
  readonly key?: string | undefined;
}

export function parseDrillArgs(args: readonly string[]): DrillArgs | string {
  let klass: string | undefined;
  let site = 'default';
  let key: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const option = /^--(site|key)(?:=(.*))?$/.exec(a);
    if (option) {
      const v = option[2] ?? args[++i];
      if (!v) return `--${option[1]} needs a value`;
      if (option[1] === 'site') site = v;
      else if (REPORT_KEY.test(v)) key = v;
      else return `--key: ${REPORT_KEY_RULE}`;
    } else if (a.startsWith('-')) {
      return `unknown option ${a}`;
    } else if (klass === undefined) {
      klass = a;
    } else {
      return `unexpected argument ${a}`;
    }
  }
  if (!klass) return 'name the incident class to drill (e.g. app_network_acd)';
  return { class: klass, site, key };
}

export async function runDrill(args: readonly string[], deps: DrillDeps): Promise<number> {
  const parsed = parseDrillArgs(args);
  if (typeof parsed === 'string') {
    deps.err.write(`tocsin drill: ${parsed}\n${USAGE}`);
    return EX_USAGE;
  }
  const base = deps.baseUrl.replace(/\/+$/, '');
  const name = deps.className?.(parsed.class) ?? parsed.class;
  const body = { class: parsed.class, site: parsed.site, summary: `DRILL: ${name}`, drill: true, by: 'cli:drill' };
  const key = parsed.key ?? (deps.newKey ?? randomUUID)();
  // the daemon may have opened the drill without the answer getting back (a 503, a timeout)
  const again = `it may have opened all the same: run again with --key ${key} to open it at most once`;
  let res: Response;
  try {
    res = await deps.fetch(`${base}/api/incidents`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': key,
        ...(deps.token ? { authorization: `Bearer ${deps.token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
    });
  } catch (e) {
    deps.err.write(`tocsin drill: cannot reach the daemon at ${base} (${e instanceof Error ? e.message : String(e)}); is it running? Set TOCSIN_URL to where it listens; ${again}.\n`);
    return EX_UNAVAILABLE;
  }
  const text = await res.text();
  let json: { id?: string; result?: string; error?: { code?: string; message?: string } } = {};
  try {
    json = text ? (JSON.parse(text) as typeof json) : {};
  } catch {
    /* not JSON */
  }
  if (!res.ok || typeof json.id !== 'string') {
    const why = json.error ? `${json.error.code ?? ''}: ${json.error.message ?? ''}` : text.slice(0, 200);
    deps.err.write(`tocsin drill: the daemon answered ${res.status} ${why}${res.status >= 500 ? `; ${again}` : ''}\n`);
    return res.status >= 500 ? EX_UNAVAILABLE : EX_DATAERR;
  }
  const id = json.id;
  deps.out.write(
    [
      answered(id, json.result, parsed, key),
      `watch it:   GET ${base}/api/incidents/${id}`,
      `its record: GET ${base}/api/incidents/${id}/report?format=md`,
      `all drills: GET ${base}/api/drills`,
      `end it:     POST ${base}/api/incidents/${id}/resolve {"by":"<you>"}`,
      '',
    ].join('\n'),
  );
  return 0;
}

/**
 * The first line: what the daemon did with the drill, as it answered (`result`). Run again with the
 * same key, it opened nothing (`duplicate`); a drill of a class grouped per site may join one still
 * open (`merged`) or reopen one just resolved (`reopened`).
 */
function answered(id: string, result: string | undefined, args: DrillArgs, key: string): string {
  const what = `${args.class} at ${args.site}`;
  switch (result) {
    case 'opened':
    case undefined:
      return `drill incident ${id} opened: ${what}`;
    case 'duplicate':
      return `drill incident ${id} was opened by an earlier run with key ${key} (duplicate): nothing opened, nobody paged again`;
    case 'merged':
      return `drill incident ${id} was already open for ${what} (merged): this drill joined it, no second incident opened`;
    case 'reopened':
      return `drill incident ${id} reopened: ${what} (resolved moments ago, within incidents.reopenWindow)`;
    default:
      return `drill incident ${id}: the daemon answered "${result}" for ${what}`;
  }
}
