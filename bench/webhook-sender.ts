/**
 * Posts Alertmanager webhook bodies the way Alertmanager does: a few connections at once, and a body
 * refused with 429 or 503 is sent again (after Retry-After) until it is accepted, so nothing is lost.
 * Bounded: a body that is still refused after `deadlineMs` counts as failed.
 */

export interface AmAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly fingerprint: string;
}

export interface SendStats {
  /** Bodies accepted (2xx). */
  accepted: number;
  /** Answers 429 (rate limited) and 503 (store unavailable), each retried. */
  refused429: number;
  refused503: number;
  /** Connection errors, retried. */
  errors: number;
  /** Bodies given up on (4xx other than 429, or still refused at the deadline). */
  failed: number;
  /** Milliseconds spent waiting on Retry-After. */
  retryWaitMs: number;
}

export function emptyStats(): SendStats {
  return { accepted: 0, refused429: 0, refused503: 0, errors: 0, failed: 0, retryWaitMs: 0 };
}

/** A webhook version 4 body carrying `alerts` (all firing). */
export function webhookBody(alerts: readonly AmAlert[], groupKey = '{}:{alertname=~".+"}'): string {
  return JSON.stringify({
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'tocsin',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({ status: 'firing', labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: a.fingerprint })),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends every body with `concurrency` workers; resolves when each was accepted or given up. */
/** Posts every body over `concurrency` connections; with `paceMs`, body i starts no sooner than i × paceMs after the first. */
export async function postAll(url: string, bodies: readonly string[], concurrency: number, stats: SendStats, deadlineMs = 300_000, paceMs = 0): Promise<void> {
  let next = 0;
  const start = Date.now();
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const wait = start + i * paceMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await postOne(url, bodies[i] ?? '', stats, Date.now() + deadlineMs);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

async function postOne(url: string, body: string, stats: SendStats, deadline: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let wait = Math.min(5_000, 100 * 2 ** attempt);
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await r.arrayBuffer();
      if (r.ok) {
        stats.accepted++;
        return;
      }
      if (r.status !== 429 && r.status !== 503) {
        stats.failed++;
        process.stderr.write(`  webhook answered ${r.status}; body dropped\n`);
        return;
      }
      if (r.status === 429) stats.refused429++;
      else stats.refused503++;
      const after = Number(r.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) wait = Math.min(10_000, after * 1000);
    } catch {
      stats.errors++;
    }
    if (Date.now() + wait > deadline) {
      stats.failed++;
      return;
    }
    stats.retryWaitMs += wait;
    await sleep(wait);
  }
}
