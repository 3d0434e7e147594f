/** The escalation engine's own fields on the incident hash: steps done, tiers brought forward, level raises. */
import type { RedisClient } from './redis.js';
import { clampLevel, type Level } from '../domain/event.js';
import type { EscalationFacts, EscalationStateStore, LiveFacts, TimelineNote } from '../domain/escalation-ports.js';
import type { Incident, IncidentState } from '../domain/incident.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';
import { timelineJson, toIncident, type MemberRecord, type RedisIncidentRepository } from './incident-repository.js';

export class RedisEscalationState implements EscalationStateStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
    /** The same namespace's incidents: `snapshot` reads an incident's keys once for both views. */
    private readonly incidents: RedisIncidentRepository,
  ) {}

  /** Only the escalation facts (the hash and the members), without the timeline and notifications. */
  async facts(id: string): Promise<EscalationFacts | undefined> {
    let h: Record<string, string>;
    let members: string[];
    try {
      // side by side: the client sends both in one write, with whatever else is going out
      [h, members] = await Promise.all([this.redis.hgetall(this.keys.incident(id)), this.redis.hvals(this.keys.members(id))]);
    } catch (e) {
      throw storeError(e);
    }
    return factsFrom(h, members.map((raw) => JSON.parse(raw) as MemberRecord));
  }

  /** State, cycle and members only: what `stillWanted` checks right before a page goes out. */
  async live(id: string): Promise<LiveFacts | undefined> {
    let fields: (string | null)[];
    let members: string[];
    try {
      [fields, members] = await Promise.all([this.redis.hmget(this.keys.incident(id), 'state', 'reopenCount'), this.redis.hvals(this.keys.members(id))]);
    } catch (e) {
      throw storeError(e);
    }
    const [state, reopenCount] = fields;
    if (!state) return undefined;
    return { state: state as IncidentState, reopenCount: Number(reopenCount ?? 0), controlled: allCalm(members.map((raw) => JSON.parse(raw) as MemberRecord)) };
  }

  /**
   * The incident and its escalation facts from one read of its keys (the engine reads both at every
   * step), without the members' details: nothing the engine does shows them, and in an incident of
   * thousands of members they are most of the read.
   */
  async snapshot(id: string): Promise<{ incident: Incident; facts: EscalationFacts } | undefined> {
    const [stored] = await this.incidents.readStored([id], { memberDetails: false });
    if (!stored) return undefined;
    const facts = factsFrom(stored.hash, Object.values(stored.members));
    return facts ? { incident: toIncident(stored), facts } : undefined;
  }

  async completeStep(id: string, key: string, now: number, tier: number | null, reached?: TimelineNote): Promise<boolean> {
    try {
      const entry = reached ? timelineJson(reached) : '';
      return Number(await callScript(this.redis, 'completeStep', [this.keys.incident(id), this.keys.timeline(id)], [key, now, tier ?? -1, entry])) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }

  async raiseLevel(id: string, to: Level, reason: string, now: number): Promise<number> {
    try {
      return Number(await callScript(this.redis, 'raiseLevel', [this.keys.incident(id), this.keys.timeline(id)], [to, now, new Date(now).toISOString(), reason]));
    } catch (e) {
      throw storeError(e);
    }
  }

  async advanceTier(id: string, cycle: number, tier: number, now: number): Promise<boolean> {
    return this.setOnce(id, `adv:${cycle}:${tier}`, now);
  }

  async markOnce(id: string, mark: string, now: number): Promise<boolean> {
    return this.setOnce(id, `mark:${mark}`, now);
  }

  private async setOnce(id: string, field: string, now: number): Promise<boolean> {
    try {
      const r = await callScript(this.redis, 'setOnce', [this.keys.incident(id)], [field, now]);
      return Number(r) === 1;
    } catch (e) {
      throw storeError(e);
    }
  }
}

/** Escalation facts from the incident hash and its members' records; undefined for a hash that is gone. */
export function factsFrom(h: Record<string, string>, members: readonly MemberRecord[]): EscalationFacts | undefined {
  if (!h.id || !h.state) return undefined;
  const done = new Set<string>();
  const advanced = new Map<string, number>();
  for (const [field, value] of Object.entries(h)) {
    if (field.startsWith('step:')) done.add(field.slice(5));
    else if (field.startsWith('adv:')) advanced.set(field.slice(4), Number(value));
  }
  const controlled = allCalm(members);
  const openedAtMs = num(h.openedAtMs) ?? Date.parse(h.openedAt ?? '');
  return {
    state: h.state as IncidentState,
    level: clampLevel(Number(h.level)),
    tier: Number(h.tier ?? 0),
    openedAtMs,
    levelAtMs: num(h.levelAtMs) ?? openedAtMs,
    acknowledgedAtMs: num(h.acknowledgedAtMs) ?? null,
    resolvedAtMs: num(h.resolvedAtMs) ?? null,
    reopenCount: Number(h.reopenCount ?? 0),
    playbookVersion: h.playbookVersion ?? '',
    controlled,
    done,
    advanced,
  };
}

/** Every member is over, or calm while its resolution is held. */
function allCalm(members: readonly MemberRecord[]): boolean {
  return members.every((m) => m.status === 'resolved' || (m.calmSinceMs !== undefined && m.calmSinceMs !== null));
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
