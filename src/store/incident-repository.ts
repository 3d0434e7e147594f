/** Incidents in Redis: a hash per incident, its members, timeline and notifications beside it. */
import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.js';
import { clampLevel, type EventSource, type Level } from '../domain/event.js';
import type { Incident, IncidentState, MemberState, Notification, TimelineEntry } from '../domain/incident.js';
import type {
  IncidentQuery,
  IncidentStore,
  IngestCommand,
  IngestKind,
  IngestOutcome,
  MemberPage,
  TransitionAction,
  TransitionOutcome,
} from '../domain/ports.js';
import type { TimelineNote } from '../domain/escalation-ports.js';
import { TocsinError } from '../domain/errors.js';
import type { Keys } from './keys.js';
import { replicasConfirming, storeError, type ReplicaWait } from './redis.js';
import { GroupCommit } from './group-commit.js';
import { callScript } from './scripts.js';

export interface RepositoryOptions {
  readonly reopenWindowMs: number;
  /**
   * A firing of an occurrence this soon after its member's resolution of it is a late copy, a
   * duplicate (default 1 min): see `NormalizedEvent.resolutionKey`.
   */
  readonly staleFiringWindowMs?: number;
  readonly retentionMs: number;
  /**
   * How long a report's idempotency key is remembered from the first report with it (default 24 h):
   * the same key again this soon is a duplicate of that report's incident, whatever its state; 0: off
   * (the key holds only while its incident is open or acknowledged, as a member still firing).
   */
  readonly idempotencyWindowMs?: number;
  readonly maxTimeline: number;
  /** Events per ingest script call (default 64): small enough that one call never holds Redis for long. */
  readonly ingestBatch?: number;
  /** Ingest script calls on the wire at once (default 4). */
  readonly ingestInFlight?: number;
  /** Members an incident's JSON lists at most (default 200); `members()` pages through the rest. */
  readonly membersShown?: number;
  /**
   * How long the mark of a body split over several script calls lives once its left-out alerts are
   * recorded (default 1 h): the sender's retry of a body that failed part-way records them no more.
   */
  readonly bodyMarkMs?: number;
  /**
   * Ingest on this connection and wait (WAIT) until `replicas` replicas hold each call's writes, at
   * most `waitMs`; fewer → STORE_UNREPLICATED (503), and the sender's retry is deduplicated. A
   * connection of its own, because WAIT holds up every command behind it on its connection.
   */
  readonly replicated?: ReplicaWait;
}

interface Timed {
  readonly command: IngestCommand;
  readonly now: number;
  /** The ingest call it came in (a body of many events may be split over several script calls). */
  readonly call: object;
  /** The call's body when it is split over several script calls: its left-out alerts and its mark. */
  readonly split?: { readonly truncated: number; readonly mark: string } | undefined;
}

export class RedisIncidentRepository implements IncidentStore {
  /** Webhooks arriving while earlier ones are on their way to Redis go out together. */
  private readonly commits: GroupCommit<Timed, unknown>;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
    private readonly options: RepositoryOptions,
  ) {
    this.commits = new GroupCommit<Timed, unknown>((items) => this.ingestCall(items), { maxInFlight: options.ingestInFlight ?? 4, maxBatch: options.ingestBatch ?? 64 });
  }

  /** One script call (EVALSHA) for a batch of events. */
  private async ingestCall(items: readonly Timed[]): Promise<unknown[]> {
    const k = this.keys;
    const keyWindow = this.idempotencyWindowMs;
    const args: (string | number)[] = [k.incidentBase, this.options.reopenWindowMs, this.options.maxTimeline, this.options.retentionMs, this.bodyMarkMs, this.options.staleFiringWindowMs ?? 60_000, keyWindow];
    let previous: object | undefined;
    for (const { command: c, now, call, split } of items) {
      const e = c.event;
      // a body goes on only right after its own command: a part split off into another script call
      // starts afresh, with the body's left-out alerts and its mark (recorded by the first part that
      // brings news, once)
      const goesOn = c.continuesBody && previous === call;
      const truncated = goesOn ? '' : split ? split.truncated : c.continuesBody ? 0 : c.truncated;
      const mark = goesOn || !split ? '' : split.mark;
      previous = call;
      // flat, in the order ingest-events-4.lua reads them: nothing to encode here or decode there
      args.push(c.groupKey, c.newId, now, c.resolveHoldMs, e.source, e.class, e.site, e.level, e.status, e.member, e.eventKey, e.summary);
      args.push(JSON.stringify(e.labels), JSON.stringify(e.details), e.drill ? '1' : '0', truncated, c.resolution, c.playbookVersion, c.matchLabels ?? '', mark, e.afresh ? '1' : '', e.resolutionKey ?? '');
      args.push(keyWindow > 0 && e.reportKey !== undefined && e.status === 'firing' ? this.reportKeyRecord(e.reportKey, c.groupKey) : '');
    }
    const replicated = this.options.replicated;
    let out: unknown[];
    let confirmed = 0;
    try {
      out = (await callScript(replicated?.client ?? this.redis, 'ingestEvents', [k.groups, k.open, k.all, k.due], args)) as unknown[];
      // after the call, not beside it: a script the server had forgotten is sent again (EVAL), and
      // WAIT must come after the writes it vouches for
      if (replicated) confirmed = await replicasConfirming(replicated);
    } catch (e) {
      throw storeError(e);
    }
    if (replicated && confirmed < replicated.replicas) {
      throw new TocsinError('TOCSIN_ERR_STORE_UNREPLICATED', `${confirmed} of ${replicated.replicas} Redis replicas confirmed the events within ${replicated.waitMs} ms; retry later`);
    }
    return out;
  }

  async ingest(commands: readonly IngestCommand[], now: number): Promise<IngestOutcome[]> {
    const call = {};
    const split = this.splitBody(commands);
    const replies = await this.commits.submit(commands.map((command) => ({ command, now, call, split })));
    // every part is in: the mark has done its work (an identical body later is news of its own);
    // not waited for, and if it is lost the mark expires by itself
    if (split) void this.redis.del(split.mark).catch(() => undefined);
    return replies.map((reply) => {
      const r = reply as [string, string, number, number, number, string, number?];
      return {
        kind: r[0] as IngestKind,
        id: r[1],
        eventCount: Number(r[2]),
        level: r[3] === 0 ? 0 : clampLevel(Number(r[3])),
        levelRaised: r[4] === 1,
        state: r[5] as IncidentState | '',
        ...(r[6] !== undefined ? { openedAtMs: Number(r[6]) } : {}),
      };
    });
  }

  private get bodyMarkMs(): number {
    return this.options.bodyMarkMs ?? 3_600_000;
  }

  private get idempotencyWindowMs(): number {
    return this.options.idempotencyWindowMs ?? 86_400_000;
  }

  /**
   * Where a report's key is remembered: in the namespace (drills keep theirs apart), per group, so
   * that the same key with another class or site is another report, as it always was. A key has no
   * `@` (REPORT_KEY), so key and group never run into each other.
   */
  private reportKeyRecord(key: string, groupKey: string): string {
    return this.keys.custom(`report-key:${key}@${groupKey}`);
  }

  /**
   * A body with left-out alerts that goes over several script calls: its mark is named after what it
   * holds (the same when the sender sends it again), so that its count is recorded once.
   */
  private splitBody(commands: readonly IngestCommand[]): Timed['split'] {
    const truncated = commands[0]?.truncated ?? 0;
    if (truncated <= 0 || commands.length <= (this.options.ingestBatch ?? 64)) return undefined;
    const h = createHash('sha256').update(String(truncated));
    for (const c of commands) h.update(`\n${c.groupKey}\t${c.event.member}\t${c.event.eventKey}\t${c.event.status}`);
    return { truncated, mark: this.keys.custom(`truncated-body:${h.digest('hex').slice(0, 32)}`) };
  }

  async get(id: string): Promise<Incident | undefined> {
    const [inc] = await this.load([id]);
    return inc;
  }

  async list(query: IncidentQuery): Promise<Incident[]> {
    const k = this.keys;
    try {
      if (query.state === 'open' || query.state === 'acknowledged' || query.state === 'unresolved') {
        // The open set holds both; filter after loading, scanning in pages until the limit is met.
        const wanted = (inc: Incident) => query.state === 'unresolved' || inc.state === query.state;
        const out: Incident[] = [];
        for (let start = 0; out.length < query.limit; start += 500) {
          const ids = await this.redis.zrevrange(k.open, start, start + 499);
          if (ids.length === 0) break;
          for (const inc of await this.load(ids)) if (wanted(inc)) out.push(inc);
        }
        return out.slice(0, query.limit);
      }
      const out: Incident[] = [];
      for (let start = 0; out.length < query.limit; start += 500) {
        const ids = await this.redis.zrevrange(k.all, start, start + 499);
        if (ids.length === 0) break;
        const loaded = await this.load(ids);
        const gone = ids.filter((id) => !loaded.some((i) => i.id === id));
        if (gone.length > 0) await this.redis.zrem(k.all, ...gone); // expired after retention
        for (const inc of loaded) if (!query.state || inc.state === query.state) out.push(inc);
      }
      return out.slice(0, query.limit);
    } catch (e) {
      throw storeError(e);
    }
  }

  async transition(id: string, action: TransitionAction, by: string, via: string, now: number, note = ''): Promise<TransitionOutcome> {
    const k = this.keys;
    try {
      const r = (await callScript(this.redis, 'transitionIncident', [k.open, k.due], [
        k.incidentBase,
        id,
        action,
        by,
        via,
        now,
        this.options.retentionMs,
        note,
      ])) as [string, string];
      return { result: r[0] as TransitionOutcome['result'], state: r[1] as IncidentState | '' };
    } catch (e) {
      throw storeError(e);
    }
  }

  async note(id: string, entry: { type: string; [field: string]: unknown }, now: number): Promise<void> {
    try {
      await this.redis.rpush(this.keys.timeline(id), timelineJson({ entry, at: now }));
    } catch (e) {
      throw storeError(e);
    }
  }

  /** Loads incidents in one round trip; ids that no longer exist are left out. */
  async load(ids: readonly string[]): Promise<Incident[]> {
    const out: Incident[] = [];
    for (const stored of await this.readStored(ids)) if (stored) out.push(toIncident(stored));
    return out;
  }

  /**
   * The keys of each incident as stored, one script call each (the client writes the calls
   * together), parsed once; undefined where the incident no longer exists. `engineAt` (epoch ms)
   * makes it the escalation engine's read: no member details, and — where the incident keeps its
   * calm set — only the members whose held resolution is over by then, with `calm` instead of the rest.
   */
  async readStored(ids: readonly string[], options: { engineAt?: number } = {}): Promise<(StoredIncident | undefined)[]> {
    const k = this.keys;
    const args = options.engineAt === undefined ? ['full', this.options.membersShown ?? 200] : ['engine', options.engineAt];
    try {
      return await Promise.all(
        ids.map(async (id): Promise<StoredIncident | undefined> => {
          const doc = await callScript(this.redis, 'readIncident', [k.incident(id), k.members(id), k.memberDetails(id), k.timeline(id), k.notifications(id), k.calm(id)], args);
          return typeof doc === 'string' ? (JSON.parse(doc) as StoredIncident) : undefined;
        }),
      );
    } catch (e) {
      throw storeError(e);
    }
  }

  async members(id: string, cursor: string, count: number): Promise<MemberPage | undefined> {
    const k = this.keys;
    let doc: unknown;
    try {
      doc = await callScript(this.redis, 'readMembers', [k.incident(id), k.members(id), k.memberDetails(id)], [cursor, count]);
    } catch (e) {
      throw storeError(e);
    }
    if (typeof doc !== 'string') return undefined;
    const page = JSON.parse(doc) as { cursor: string | null; memberCount: number; members: Record<string, MemberRecord>; memberDetails: Record<string, unknown> };
    return { cursor: page.cursor, memberCount: page.memberCount, members: memberStates(page.members, page.memberDetails) };
  }
}

/** A member's record as the ingest script keeps it. */
export interface MemberRecord {
  readonly status?: string;
  readonly since?: string;
  readonly lastAt?: string;
  readonly count?: number;
  readonly source?: string;
  readonly calmSince?: string;
  readonly calmSinceMs?: number | null;
  readonly holdMs?: number;
}

/**
 * An incident's keys as read (read-incident-6.lua): its hash, members' records and details,
 * timeline entries and notification records.
 */
export interface StoredIncident {
  readonly hash: Record<string, string>;
  readonly members: Record<string, MemberRecord>;
  readonly memberDetails: Record<string, unknown>;
  readonly timeline: readonly TimelineEntry[];
  readonly notifications: readonly Notification[];
  /** How many members the incident has (`members` may list fewer). */
  readonly memberCount?: number;
  /**
   * The engine's read of an incident that keeps its calm set: how many members are calm (their
   * resolution held), and when the first hold ends. `members` then holds only those whose hold is over.
   */
  readonly calm?: { readonly count: number; readonly first: number | null };
}

/** A timeline entry as stored: its time first, then its fields. */
export function timelineJson(note: TimelineNote): string {
  return JSON.stringify({ at: new Date(note.at).toISOString(), ...note.entry });
}

export function toIncident(stored: StoredIncident): Incident {
  const { hash: h, members, memberDetails, timeline, notifications } = stored;
  const m = memberStates(members, memberDetails);
  const notes = [...notifications].sort((a, b) => a.tier - b.tier || a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  return {
    id: h.id ?? '',
    class: h.class ?? '',
    level: clampLevel(Number(h.level)) as Level,
    state: (h.state ?? 'open') as IncidentState,
    site: h.site ?? '',
    summary: h.summary ?? '',
    openedAt: h.openedAt ?? '',
    acknowledgedAt: h.acknowledgedAt ?? null,
    acknowledgedBy: h.acknowledgedBy ?? null,
    resolvedAt: h.resolvedAt ?? null,
    resolvedBy: h.resolvedBy ?? null,
    lastEventAt: h.lastEventAt ?? h.openedAt ?? '',
    eventCount: Number(h.eventCount ?? 0),
    tier: Number(h.tier ?? 0),
    drill: h.drill === '1',
    source: (h.source ?? 'api') as EventSource,
    groupKey: h.groupKey ?? '',
    labels: parseObject(h.labels) as Record<string, string>,
    details: parseObject(h.details),
    members: m,
    memberCount: stored.memberCount ?? Object.keys(m).length,
    truncatedAlerts: Number(h.truncatedAlerts ?? 0),
    reopenCount: Number(h.reopenCount ?? 0),
    notifications: notes,
    timeline: inTimeOrder(timeline),
  };
}

/**
 * The timeline by time. Entries are appended as they are written, and a step writes its
 * `tier_reached` (stamped when the step began) after the pages it sent: read in time order, the
 * tier comes before its pages, also when they went out within the same millisecond. Other entries
 * of the same moment keep their written order.
 */
function inTimeOrder(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  const keyed = timeline.map((e, i) => ({ e, i, t: Date.parse(String(e.at)) || 0 }));
  keyed.sort((a, b) => a.t - b.t || a.i - b.i);
  const out = keyed.map((k) => k.e);
  for (let j = 1; j < out.length; j++) {
    const reached = out[j] as TimelineEntry;
    if (reached.type !== 'tier_reached') continue;
    let k = j;
    while (k > 0 && ofTierAt(out[k - 1] as TimelineEntry, reached)) {
      out[k] = out[k - 1] as TimelineEntry;
      k--;
    }
    out[k] = reached;
  }
  return out;
}

/** A page of the tier `reached` names, sent at the moment the tier was reached. */
function ofTierAt(e: TimelineEntry, reached: TimelineEntry): boolean {
  return e.type === 'notified' && e.tier === reached.tier && e.at === reached.at;
}

/** Members as the API shows them: each record's fields, and its details where read. */
function memberStates(members: Record<string, MemberRecord>, memberDetails: Record<string, unknown>): Record<string, MemberState & { details?: unknown }> {
  const m: Record<string, MemberState & { details?: unknown }> = {};
  for (const [name, rec] of Object.entries(members)) {
    const details = memberDetails[name];
    m[name] = {
      status: rec.status as MemberState['status'],
      since: String(rec.since),
      lastAt: String(rec.lastAt),
      count: Number(rec.count),
      ...(rec.source ? { source: String(rec.source) as EventSource } : {}),
      ...(rec.calmSince ? { calmSince: String(rec.calmSince), holdMs: Number(rec.holdMs ?? 0) } : {}),
      ...(details !== undefined ? { details } : {}),
    };
  }
  return m;
}

function parseObject(s: string | undefined): Record<string, unknown> {
  if (!s) return {};
  const v = JSON.parse(s) as unknown;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
