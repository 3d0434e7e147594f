/**
 * A Twilio-compatible REST server on 127.0.0.1 (port 0) for tests: accepts Messages.json and Calls.json
 * (form-encoded, Basic auth), serves TaskRouter's TaskQueues list (paged, with Twilio's `meta` envelope)
 * and each queue's RealTimeStatistics for the workspaces given to setTaskQueues (the SDK reaches them at
 * `<url>/taskrouter.twilio.com/v1/…`), records every request with its decoded form, answers like
 * Twilio, and can be told to fail (an error status + Twilio code, a reset connection, or a hang) or
 * to answer a request only when the test lets it go (a provider slow to answer).
 * The messages and calls it created are listed as Twilio lists them (GET Messages.json / Calls.json,
 * newest first, filtered by To, From, DateSent>/< and StartTime>/Status), and it can be told to take a
 * create and then not answer it (`{ accepted: true, hang: true }`): the client times out, Twilio has it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FormValue = string | string[];

export interface RecordedRequest {
  readonly method: string;
  /** Path as received (with any host prefix). */
  readonly url: string;
  /** Messages / Calls: a create (POST); MessageList / CallList: a list of them (GET). */
  readonly resource: 'Messages' | 'Calls' | 'MessageList' | 'CallList' | 'TaskQueues' | 'RealTimeStatistics' | 'other';
  readonly accountSid: string | undefined;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Decoded form fields; repeated keys become arrays. */
  readonly form: Readonly<Record<string, FormValue>>;
  /**
   * The sid a Messages / Calls request is answered with, chosen when it comes in: a test holding the
   * request (see FakeTwilio.hold) can post its status callbacks before Twilio's answer reaches the daemon.
   */
  readonly sid?: string | undefined;
}

export type Failure =
  | { readonly status: number; readonly code?: number | undefined; readonly message?: string | undefined }
  /**
   * Never answer (the client's timeout fires). With `accepted`, a create is taken first (listed from
   * then on, as Twilio would have it) and only its answer never comes; without, nothing is created.
   */
  | { readonly hang: true; readonly accepted?: boolean | undefined }
  /** Drop the connection without an answer (with `accepted`, after the create was taken). */
  | { readonly reset: true; readonly accepted?: boolean | undefined };

/** A message or call the fake created, as its list serves it. */
interface Created {
  readonly resource: 'Messages' | 'Calls';
  readonly sid: string;
  readonly accountSid: string;
  readonly form: Readonly<Record<string, FormValue>>;
  /** When it was taken (ms). */
  readonly at: number;
}

export interface FakeTwilioOptions {
  /** When set, requests with other Basic credentials get 401 / 20003. */
  readonly accountSid?: string | undefined;
  readonly authToken?: string | undefined;
}

/** A request held unanswered (see FakeTwilio.hold). */
export interface HeldRequest {
  /** Resolves with the request once it came in (recorded, not answered yet). */
  readonly arrived: Promise<RecordedRequest>;
  /** Lets it go on: answered as any other (a queued failure too). */
  release(): void;
}

/** A TaskRouter queue as the fake serves it: its name and its workers (eligible, available, per activity). */
export interface FakeTaskQueue {
  readonly sid: string;
  readonly friendlyName: string;
  /** total_eligible_workers. */
  readonly eligible: number;
  /** total_available_workers (default: the workers in activity Available). */
  readonly available?: number | undefined;
  /** activity_statistics: activity friendly name → eligible workers in it. */
  readonly activities: Readonly<Record<string, number>>;
}

const PATH = /^(?:\/api\.twilio\.com)?\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/;
/** Twilio's page size when none is asked for, and its largest. */
const PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const TASKROUTER_PATH = /^\/taskrouter\.twilio\.com\/v1\/Workspaces\/([^/]+)\/TaskQueues(?:\/([^/]+)\/(RealTimeStatistics))?$/;
const TASKROUTER = 'https://taskrouter.twilio.com/v1';

export class FakeTwilio {
  readonly requests: RecordedRequest[] = [];
  private readonly failures: { readonly failure: Failure; readonly only: RecordedRequest['resource'] | undefined }[] = [];
  private readonly holds: { readonly match: (r: RecordedRequest) => boolean; readonly arrive: (r: RecordedRequest) => void; readonly gate: Promise<void> }[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private readonly options: FakeTwilioOptions;
  private readonly workspaces = new Map<string, FakeTaskQueue[]>();
  /** Messages and calls created, oldest first. */
  private readonly created: Created[] = [];

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

  /**
   * The next `n` requests fail this way (in order, before any earlier-queued failures run out); with
   * `only`, the next `n` requests to that resource (others go through).
   */
  failNext(n: number, failure: Failure, only?: RecordedRequest['resource']): void {
    for (let i = 0; i < n; i++) this.failures.push({ failure, only });
  }

  /**
   * The next request that `match`es (default: any) is recorded but answered only once `release` is
   * called: a provider that takes its time, while the test does something meanwhile.
   */
  hold(match: (r: RecordedRequest) => boolean = () => true): HeldRequest {
    let arrive: (r: RecordedRequest) => void = () => undefined;
    let release: () => void = () => undefined;
    const arrived = new Promise<RecordedRequest>((resolve) => (arrive = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ match, arrive, gate });
    return { arrived, release };
  }

  /** Creates (POST) of Messages.json / Calls.json. */
  messages(): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === 'Messages');
  }

  calls(): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === 'Calls');
  }

  /** Lists (GET) of Messages.json / Calls.json. */
  lists(): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === 'MessageList' || r.resource === 'CallList');
  }

  /** The sids of the messages / calls Twilio has (created, answered or not), oldest first. */
  createdSids(resource: 'Messages' | 'Calls'): string[] {
    return this.created.filter((c) => c.resource === resource).map((c) => c.sid);
  }

  /** Requests to the TaskRouter API (TaskQueues lists and RealTimeStatistics). */
  taskRouter(): RecordedRequest[] {
    return this.requests.filter((r) => r.resource === 'TaskQueues' || r.resource === 'RealTimeStatistics');
  }

  /** The queues of a TaskRouter workspace, as its TaskQueues list and RealTimeStatistics serve them from now on. */
  setTaskQueues(workspace: string, queues: readonly FakeTaskQueue[]): void {
    this.workspaces.set(workspace, [...queues]);
  }

  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
    this.created.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const [path = '', query = ''] = (req.url ?? '').split('?');
    const m = PATH.exec(path);
    const tr = TASKROUTER_PATH.exec(path);
    const auth = basicAuth(req.headers.authorization);
    const form = decodeForm(raw);
    const list = m !== null && req.method === 'GET';
    const resource = m ? (list ? (m[2] === 'Messages' ? 'MessageList' : 'CallList') : (m[2] as 'Messages' | 'Calls')) : tr ? (tr[3] ? 'RealTimeStatistics' : 'TaskQueues') : 'other';
    const sid = resource === 'Messages' ? `SM${randomBytes(16).toString('hex')}` : resource === 'Calls' ? `CA${randomBytes(16).toString('hex')}` : undefined;
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', resource, accountSid: m?.[1] ?? (tr ? auth?.username : undefined), auth, headers: { ...req.headers }, form, ...(sid ? { sid } : {}) };
    this.requests.push(recorded);
    const held = this.holds.findIndex((h) => h.match(recorded));
    if (held >= 0) {
      const [h] = this.holds.splice(held, 1);
      h?.arrive(recorded);
      await h?.gate;
    }

    const at = this.failures.findIndex((f) => f.only === undefined || f.only === resource);
    const failure = at < 0 ? undefined : this.failures.splice(at, 1)[0]?.failure;
    if (failure) {
      // taken, then no answer: Twilio has the message or call, the client never hears of it
      if (('hang' in failure || 'reset' in failure) && failure.accepted && m && sid && (resource === 'Messages' || resource === 'Calls')) {
        this.created.push({ resource, sid, accountSid: m[1] ?? '', form, at: Date.now() });
      }
      if ('hang' in failure) return; // keep the socket open; stop() destroys it
      if ('reset' in failure) {
        req.socket.destroy();
        return;
      }
      return json(res, failure.status, { code: failure.code ?? (failure.status === 429 ? 20429 : failure.status >= 500 ? 20500 : 20001), message: failure.message ?? 'fake failure', more_info: `https://www.twilio.com/docs/errors/${failure.code ?? ''}`, status: failure.status });
    }
    const { accountSid, authToken } = this.options;
    if (tr && req.method === 'GET') {
      if ((accountSid !== undefined || authToken !== undefined) && (auth?.username !== accountSid || auth?.password !== authToken)) {
        return json(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      }
      return this.taskRouterAnswer(res, auth?.username ?? '', tr[1] ?? '', tr[2], new URLSearchParams(query));
    }
    if (!m || (req.method !== 'POST' && !list)) return notFound(res);
    if ((accountSid !== undefined || authToken !== undefined) && (auth?.username !== accountSid || auth?.password !== authToken || m[1] !== accountSid)) {
      return json(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    }
    if (list) return this.listAnswer(res, m[1] ?? '', m[2] as 'Messages' | 'Calls', path, new URLSearchParams(query));
    if (!sid || (resource !== 'Messages' && resource !== 'Calls')) return notFound(res);
    const made: Created = { resource, sid, accountSid: m[1] ?? '', form, at: Date.now() };
    this.created.push(made);
    return json(res, 201, resource === 'Messages' ? messageJson(made, false) : callJson(made, false));
  }

  /**
   * One page of the messages or calls created, newest first, as Twilio's 2010 API lists them (the
   * resource's key beside `next_page_uri` and the rest). Filters as Twilio's: To, From, DateSent,
   * DateSent< and DateSent> (on or before / after; a date alone is the whole UTC day), StartTime
   * likewise, Status. Listed, a message has been sent and a call is ringing: Twilio moved them on.
   */
  private listAnswer(res: ServerResponse, accountSid: string, kind: 'Messages' | 'Calls', path: string, query: URLSearchParams): void {
    const when = kind === 'Messages' ? 'DateSent' : 'StartTime';
    const within = (at: number) => {
      const exact = query.get(when);
      const after = query.get(`${when}>`);
      const before = query.get(`${when}<`);
      if (exact !== null && !(at >= bound(exact, 'start') && at <= bound(exact, 'end'))) return false;
      if (after !== null && at < bound(after, 'start')) return false;
      if (before !== null && at > bound(before, 'end')) return false;
      return true;
    };
    const to = query.get('To');
    const from = query.get('From');
    const status = query.get('Status');
    const all = this.created
      .filter((c) => c.resource === kind && c.accountSid === accountSid)
      .filter((c) => (to === null || formValue(c, 'To') === to) && (from === null || formValue(c, 'From') === from))
      // Twilio's timestamps are whole seconds
      .filter((c) => within(Math.floor(c.at / 1000) * 1000))
      .filter((c) => status === null || (kind === 'Calls' && status === 'ringing'))
      .reverse();
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(query.get('PageSize') ?? PAGE_SIZE) || PAGE_SIZE));
    const page = Math.max(0, Number(query.get('Page') ?? '0') || 0);
    const items = all.slice(page * pageSize, (page + 1) * pageSize);
    const uri = (p: number) => {
      const q = new URLSearchParams(query);
      q.set('PageSize', String(pageSize));
      q.set('Page', String(p));
      if (p > 0) q.set('PageToken', `PA${p}`);
      else q.delete('PageToken');
      return `${path.replace(/^\/api\.twilio\.com/, '')}?${q.toString()}`;
    };
    const more = (page + 1) * pageSize < all.length;
    return json(res, 200, {
      [kind === 'Messages' ? 'messages' : 'calls']: items.map((c) => (kind === 'Messages' ? messageJson(c, true) : callJson(c, true))),
      end: page * pageSize + Math.max(0, items.length - 1),
      first_page_uri: uri(0),
      next_page_uri: more ? uri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? uri(page - 1) : null,
      start: page * pageSize,
      uri: uri(page),
    });
  }

  /** TaskQueues (one page of it) or a queue's RealTimeStatistics, in Twilio's JSON. */
  private taskRouterAnswer(res: ServerResponse, accountSid: string, workspace: string, queueSid: string | undefined, query: URLSearchParams): void {
    const queues = this.workspaces.get(workspace);
    if (!queues) return notFound(res);
    const ws = `${TASKROUTER}/Workspaces/${workspace}`;
    if (queueSid !== undefined) {
      const q = queues.find((x) => x.sid === queueSid);
      if (!q) return notFound(res);
      return json(res, 200, {
        account_sid: accountSid,
        workspace_sid: workspace,
        task_queue_sid: q.sid,
        activity_statistics: Object.entries(q.activities).map(([name, workers]) => ({ sid: activitySid(name), friendly_name: name, workers })),
        longest_task_waiting_age: 0,
        longest_task_waiting_sid: null,
        longest_relative_task_age_in_queue: 0,
        longest_relative_task_sid_in_queue: null,
        tasks_by_priority: {},
        tasks_by_status: { assigned: 0, pending: 0, reserved: 0, wrapping: 0 },
        total_available_workers: q.available ?? q.activities.Available ?? 0,
        total_eligible_workers: q.eligible,
        total_tasks: 0,
        url: `${ws}/TaskQueues/${q.sid}/RealTimeStatistics`,
      });
    }
    const pageSize = Math.min(1000, Math.max(1, Number(query.get('PageSize') ?? '50') || 50));
    const page = Math.max(0, Number(query.get('Page') ?? '0') || 0);
    const pageUrl = (p: number) => `${ws}/TaskQueues?PageSize=${pageSize}&Page=${p}${p > 0 ? `&PageToken=PT${p}` : ''}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const items = queues.slice(page * pageSize, (page + 1) * pageSize).map((q) => ({
      account_sid: accountSid,
      workspace_sid: workspace,
      sid: q.sid,
      friendly_name: q.friendlyName,
      assignment_activity_name: 'Busy',
      assignment_activity_sid: activitySid('Busy'),
      reservation_activity_name: 'Reserved',
      reservation_activity_sid: activitySid('Reserved'),
      target_workers: '1==1',
      max_reserved_workers: 1,
      task_order: 'FIFO',
      event_callback_url: null,
      date_created: now,
      date_updated: now,
      url: `${ws}/TaskQueues/${q.sid}`,
      links: {
        assignment_activity: `${ws}/Activities/${activitySid('Busy')}`,
        reservation_activity: `${ws}/Activities/${activitySid('Reserved')}`,
        workspace: ws,
        statistics: `${ws}/TaskQueues/${q.sid}/Statistics`,
        real_time_statistics: `${ws}/TaskQueues/${q.sid}/RealTimeStatistics`,
        cumulative_statistics: `${ws}/TaskQueues/${q.sid}/CumulativeStatistics`,
        list_statistics: `${ws}/TaskQueues/Statistics`,
        bulk_real_time_statistics: `${ws}/TaskQueues/RealTimeStatistics`,
      },
    }));
    const more = (page + 1) * pageSize < queues.length;
    return json(res, 200, {
      task_queues: items,
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: more ? pageUrl(page + 1) : null,
        key: 'task_queues',
      },
    });
  }
}

/** One field of what the create was posted (the first, should it repeat). */
function formValue(c: Created, k: string) {
  const v = c.form[k];
  return Array.isArray(v) ? v[0] : v;
}

/** Twilio's Message JSON: as the create answers it (`queued`), or as listed once sent (`listed`). */
function messageJson(c: Created, listed: boolean): Record<string, unknown> {
  const at = new Date(c.at).toUTCString();
  const one = (k: string) => formValue(c, k);
  return {
    sid: c.sid,
    account_sid: c.accountSid,
    to: one('To'),
    from: one('From'),
    body: one('Body'),
    status: listed ? 'sent' : 'queued',
    num_segments: '1',
    num_media: '0',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    messaging_service_sid: null,
    error_code: null,
    error_message: null,
    price: null,
    price_unit: 'USD',
    date_created: at,
    date_updated: at,
    date_sent: listed ? at : null,
    uri: `/2010-04-01/Accounts/${c.accountSid}/Messages/${c.sid}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${c.accountSid}/Messages/${c.sid}/Media.json` },
  };
}

/** Twilio's Call JSON: as the create answers it (`queued`), or as listed once dialled (`ringing`). */
function callJson(c: Created, listed: boolean): Record<string, unknown> {
  const at = new Date(c.at).toUTCString();
  const one = (k: string) => formValue(c, k);
  return {
    sid: c.sid,
    account_sid: c.accountSid,
    parent_call_sid: null,
    to: one('To'),
    to_formatted: one('To'),
    from: one('From'),
    from_formatted: one('From'),
    phone_number_sid: null,
    status: listed ? 'ringing' : 'queued',
    start_time: listed ? at : null,
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
    date_created: at,
    date_updated: at,
    uri: `/2010-04-01/Accounts/${c.accountSid}/Calls/${c.sid}.json`,
    subresource_uris: {},
  };
}

/** A list filter's time (ISO 8601, or a date alone: the start or the end of that UTC day), in ms. */
function bound(value: string, side: 'start' | 'end'): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`) + (side === 'end' ? 86_400_000 - 1 : 0);
  const t = Date.parse(value);
  return Number.isNaN(t) ? (side === 'start' ? -Infinity : Infinity) : t;
}

/** A stable activity SID for a name (WA + 32 hex), as TaskRouter gives each activity its own. */
function activitySid(name: string): string {
  return `WA${Buffer.from(name.toLowerCase()).toString('hex').padEnd(32, '0').slice(0, 32)}`;
}

function notFound(res: ServerResponse): void {
  json(res, 404, { code: 20404, message: 'The requested resource was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
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
