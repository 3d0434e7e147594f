/** POSTs one UPS report to the daemon's `/webhooks/ups`, with a timeout and the ingest token. */

export interface UpsReport {
  readonly device: string;
  readonly site?: string;
  readonly event?: string;
  readonly vars?: Readonly<Record<string, string | number>>;
  /** `ups-poll` (the poller's heartbeat) or `upsmon` (a notification). */
  readonly reporter?: 'ups-poll' | 'upsmon';
  /** The host the reporter runs on (ups-notify sends upsmon's). */
  readonly host?: string;
}

export type PostResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status?: number; readonly reason: string };

export interface PostUpsOptions {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export async function postUpsReport(report: UpsReport, o: PostUpsOptions): Promise<PostResult> {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/webhooks/ups`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  try {
    const res = await (o.fetch ?? fetch)(url, { method: 'POST', headers, body: JSON.stringify(report), signal: AbortSignal.timeout(o.timeoutMs) });
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true, status: res.status };
    return { ok: false, status: res.status, reason: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason = err.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, reason };
  }
}
