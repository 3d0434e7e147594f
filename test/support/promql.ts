/**
 * Just enough PromQL reading for dashboard checks: substitute Grafana variables, and list the
 * metric names an expression selects (Prometheus itself judges validity).
 */

/** Grafana's built-in and dashboard variables, as a test substitutes them. */
export const DEFAULT_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '30s',
  __range: '5m',
  __range_s: '300',
};

/** Replaces `$name`, `${name}` and `[[name]]`; dashboard variables not named in `vars` become `.*`. */
export function substituteVariables(expr: string, vars: Readonly<Record<string, string>> = {}): string {
  const all = { ...DEFAULT_VARIABLES, ...vars };
  const value = (name: string) => all[name] ?? '.*';
  return expr
    .replace(/\$\{(\w+)(?::[^}]*)?\}/g, (_m, n: string) => value(n))
    .replace(/\[\[(\w+)\]\]/g, (_m, n: string) => value(n))
    .replace(/\$(\w+)/g, (_m, n: string) => value(n));
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2']);

/** Metric names selected by an expression: `foo{…}`, bare `foo`, and `{__name__="foo"}` / `=~"a|b"`. */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  // {__name__="x"} and {__name__=~"x|y"}
  for (const m of expr.matchAll(/__name__\s*=~?\s*"([^"]*)"/g)) for (const n of (m[1] ?? '').split('|')) if (/^[a-zA-Z_:][\w:]*$/.test(n)) names.add(n);
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\[[^\]]*\]/g, '[]') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1()'); // label lists
  s = s.replace(/\boffset\s+-?(\d+(ms|[smhdwy]))+/gi, ' ').replace(/@\s*(start\(\)|end\(\)|[\d.]+)/g, ' ');
  s = s.replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  for (const m of s.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const word = m[0];
    const after = s.slice((m.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || /^(by|without)\s*\(/i.test(after)) continue; // a function or an aggregation
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** Every `expr` in a Grafana dashboard's panels (rows' nested panels included). */
export function dashboardExprs(dashboard: unknown): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const walk = (panels: unknown) => {
    if (!Array.isArray(panels)) return;
    for (const p of panels as { title?: string; targets?: { expr?: unknown }[]; panels?: unknown }[]) {
      for (const t of p.targets ?? []) if (typeof t.expr === 'string') out.push({ panel: p.title ?? '?', expr: t.expr });
      walk(p.panels);
    }
  };
  walk((dashboard as { panels?: unknown }).panels);
  return out;
}
