/**
 * A Twilio-compatible REST server on 127.0.0.1 (port 0) for tests: accepts Messages.json and Calls.json
 * (form-encoded, Basic auth), records every request with its decoded form, answers like Twilio, and can
 * be told to fail (an error status + Twilio code, a reset connection, or a hang).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FormValue = string | string[];

export interface RecordedRequest {
  readonly method: string;
  /** Path as received (with any host prefix). */
  readonly url: string;
  readonly resource: 'Messages' | 'Calls' | 'other';
  readonly accountSid: string | undefined;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Decoded form fields; repeated keys become arrays. */
  readonly form: Readonly<Record<string, FormValue>>;
}

export type Failure =
  | { readonly status: number; readonly code?: number | undefined; readonly message?: string | undefined }
  /** Never answer (the client's timeout fires). */
  | { readonly hang: true }
  /** Drop the connection without an answer. */
  | { readonly reset: true };

export interface FakeTwilioOptions {
  /** When set, requests with other Basic credentials get 401 / 20003. */
  readonly accountSid?: string | undefined;
  readonly authToken?: string | undefined;
}

const PATH = /^(?:\/api\.twilio\.com)?\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/;

export class FakeTwilio {
  readonly requests: RecordedRequest[] = [];
  private readonly failures: Failure[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private readonly options: FakeTwilioOptions;

  constructor(options: FakeTwilioOptions = {}) {
    this.options = options;
  }

  /** The base URL to give the SDK (TWILIO_API_URL). */
  get url(): string {
    if (!this.server) throw new Error('fake twilio not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `n` requests fail this way (in order, before any earlier-queued failures run out). */
  failNext(n: number, failure: Failure): void {
    for (let i = 0; i < n; i++) this.failures.push(failure);
  }

  /** Requests to Messages.json / Calls.json. */
  messages(): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === 'Messages');
  }

  calls(): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === 'Calls');
  }

  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const m = PATH.exec(path);
    const auth = basicAuth(req.headers.authorization);
    const form = decodeForm(raw);
    const resource = m ? (m[2] as 'Messages' | 'Calls') : 'other';
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', resource, accountSid: m?.[1], auth, headers: { ...req.headers }, form });

    const failure = this.failures.shift();
    if (failure) {
      if ('hang' in failure) return; // keep the socket open; stop() destroys it
      if ('reset' in failure) {
        req.socket.destroy();
        return;
      }
      return json(res, failure.status, { code: failure.code ?? (failure.status === 429 ? 20429 : failure.status >= 500 ? 20500 : 20001), message: failure.message ?? 'fake failure', more_info: `https://www.twilio.com/docs/errors/${failure.code ?? ''}`, status: failure.status });
    }
    if (!m || req.method !== 'POST') return json(res, 404, { code: 20404, message: 'The requested resource was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
    const { accountSid, authToken } = this.options;
    if ((accountSid !== undefined || authToken !== undefined) && (auth?.username !== accountSid || auth?.password !== authToken || m[1] !== accountSid)) {
      return json(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    }
    const now = new Date().toUTCString();
    const one = (k: string) => {
      const v = form[k];
      return Array.isArray(v) ? v[0] : v;
    };
    if (resource === 'Messages') {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      return json(res, 201, {
        sid,
        account_sid: m[1],
        to: one('To'),
        from: one('From'),
        body: one('Body'),
        status: 'queued',
        num_segments: '1',
        num_media: '0',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        messaging_service_sid: null,
        error_code: null,
        error_message: null,
        price: null,
        price_unit: 'USD',
        date_created: now,
        date_updated: now,
        date_sent: null,
        uri: `/2010-04-01/Accounts/${m[1]}/Messages/${sid}.json`,
        subresource_uris: { media: `/2010-04-01/Accounts/${m[1]}/Messages/${sid}/Media.json` },
      });
    }
    const sid = `CA${randomBytes(16).toString('hex')}`;
    return json(res, 201, {
      sid,
      account_sid: m[1],
      parent_call_sid: null,
      to: one('To'),
      to_formatted: one('To'),
      from: one('From'),
      from_formatted: one('From'),
      phone_number_sid: null,
      status: 'queued',
      start_time: null,
      end_time: null,
      duration: null,
      price: null,
      price_unit: 'USD',
      direction: 'outbound-api',
      answered_by: null,
      api_version: '2010-04-01',
      forwarded_from: null,
      group_sid: null,
      caller_name: null,
      queue_time: '0',
      trunk_sid: null,
      date_created: now,
      date_updated: now,
      uri: `/2010-04-01/Accounts/${m[1]}/Calls/${sid}.json`,
      subresource_uris: {},
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function decodeForm(raw: string): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  const params = new URLSearchParams(raw);
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? (all[0] ?? '') : all;
  }
  return out;
}

function basicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
