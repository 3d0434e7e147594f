/** The escalation engine's own fields on the incident hash: steps done, tiers brought forward, level raises. */
import type { RedisClient } from './redis.js';
import { clampLevel, type Level } from '../domain/event.js';
import type { EscalationFacts, EscalationStateStore, LiveFacts, TimelineNote } from '../domain/escalation-ports.js';
import type { Incident, IncidentState } from '../domain/incident.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';
import { callScript } from './scripts.js';
import { timelineJson, toIncident, type MemberRecord, type RedisIncidentRepository, type StoredIncident } from './incident-repository.js';

export class RedisEscalationState implements EscalationStateStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
    /** The same namespace's incidents: `snapshot` reads an incident's keys once for both views. */
    private readonly incidents: RedisIncidentRepository,
  ) {}

  /** The escalation facts alone (the engine's read of the incident, as `snapshot`). */
  async facts(id: string, now: number): Promise<EscalationFacts | undefined> {
    return (await this.snapshot(id, now))?.facts;
  }

  /** State, cycle and whether every member is calm: what `stillWanted` checks right before a page goes out. */
  async live(id: string): Promise<LiveFacts | undefined> {
    let r: unknown;
    try {
      r = await callScript(this.redis, 'readLive', [this.keys.incident(id), this.keys.members(id), this.keys.calm(id)], []);
    } catch (e) {
      throw storeError(e);
    }
    if (!Array.isArray(r)) return undefined;
    const [state, reopenCount, controlled] = r as [string, number, number];
    return { state: state as IncidentState, reopenCount: Number(reopenCount), controlled: controlled === 1 };
  }

  /**
   * The incident and its escalation facts from one read of its keys (the engine reads both at every
   * step), without the members' details, which nothing the engine does shows. An incident that keeps
   * its calm set is read without its members, however many it has, but for those whose held
   * resolution is over at `now` (the ones to settle).
   */
  async snapshot(id: string, now: number): Promise<{ incident: Incident; facts: EscalationFacts } | undefined> {
    const [stored] = await this.incidents.readStored([id], { engineAt: now });
    if (!stored) return undefined;
    const facts = factsFrom(stored.hash, Object.values(stored.members), stored.calm);
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

/**
 * Escalation facts from the incident hash and either the calm summary (count and first hold end, with
 * the firing-member count on the hash) or, for an incident stored before it was kept, every member's
 * record; undefined for a hash that is gone.
 */
export function factsFrom(h: Record<string, string>, members: readonly MemberRecord[], calm?: StoredIncident['calm']): EscalationFacts | undefined {
  if (!h.id || !h.state) return undefined;
  const done = new Set<string>();
  const advanced = new Map<string, number>();
  for (const [field, value] of Object.entries(h)) {
    if (field.startsWith('step:')) done.add(field.slice(5));
    else if (field.startsWith('adv:')) advanced.set(field.slice(4), Number(value));
  }
  const firing = num(h.firingMembers);
  const controlled = calm && firing !== undefined ? calm.count === firing : allCalm(members);
  const holdEndsAtMs = calm ? calm.first : firstHoldEnd(members);
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
    holdEndsAtMs,
    done,
    advanced,
    seenLabels: seenLabels(h.seenLabels),
  };
}

/** The hash's seenLabels: a JSON array of labels JSON; anything unreadable counts as none. */
function seenLabels(raw: string | undefined): Record<string, string>[] {
  if (!raw) return [];
  try {
    const list: unknown = JSON.parse(raw);
    if (!Array.isArray(list)) return [];
    return list.flatMap((l) => {
      const v: unknown = typeof l === 'string' ? JSON.parse(l) : undefined;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? [v as Record<string, string>] : [];
    });
  } catch {
    return [];
  }
}

/** Every member is over, or calm while its resolution is held. */
function allCalm(members: readonly MemberRecord[]): boolean {
  return members.every((m) => m.status === 'resolved' || (m.calmSinceMs !== undefined && m.calmSinceMs !== null));
}

/** When the first held resolution among these members ends, or null. */
function firstHoldEnd(members: readonly MemberRecord[]): number | null {
  let end: number | null = null;
  for (const m of members) {
    if (m.status !== 'firing' || m.calmSinceMs === undefined || m.calmSinceMs === null) continue;
    const at = m.calmSinceMs + (m.holdMs ?? 0);
    end = end === null ? at : Math.min(end, at);
  }
  return end;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
