/** Reads tocsin's /metrics (Prometheus text format): counter sums and histogram quantiles. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, +Inf last. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly count: number;
  readonly sum: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, '$1');
    const raw = m[3] ?? '';
    out.push({ name: m[1] ?? '', labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return out;
}

export async function fetchMetrics(baseUrl: string): Promise<Sample[]> {
  const r = await fetch(`${baseUrl}/metrics`);
  if (!r.ok) throw new Error(`GET /metrics: ${r.status}`);
  return parseMetrics(await r.text());
}

/** Sum of every series of `name` whose labels include `match`. */
export function total(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

/** Sums of `name` per value of one label. */
export function byLabel(samples: readonly Sample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (s.name === name) out[s.labels[label] ?? ''] = (out[s.labels[label] ?? ''] ?? 0) + s.value;
  return out;
}

/** The histogram `name` (every series added up). */
export function histogram(samples: readonly Sample[], name: string): Histogram {
  const les = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    les.set(le, (les.get(le) ?? 0) + s.value);
  }
  const buckets = [...les.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
  return { buckets, count: total(samples, `${name}_count`), sum: total(samples, `${name}_sum`) };
}

/** What happened between two scrapes of one histogram. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const prior = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/** Like PromQL's histogram_quantile: linear inside the bucket; the highest finite bound when it falls into +Inf. */
export function quantile(h: Histogram, q: number): number {
  const n = h.buckets.at(-1)?.count ?? 0;
  if (n === 0) return Number.NaN;
  const rank = q * n;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** The smallest bucket bound holding every observation (Infinity when some fell above the last bound). */
export function maxBound(h: Histogram): number {
  const n = h.buckets.at(-1)?.count ?? 0;
  return h.buckets.find((b) => b.count >= n)?.le ?? Number.NaN;
}
