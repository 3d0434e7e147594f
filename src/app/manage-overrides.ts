/** Use case: temporary on-call overrides (someone covers a role for a while); every one ends. */
import type { Config } from '../config/load-config.js';
import { TocsinError } from '../domain/errors.js';
import { inForceFrom, inForceUntil, type Override } from '../domain/override.js';
import type { Clock, IdSource } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { OverrideSource } from './roster-on-call.js';

export interface OverrideStore extends OverrideSource {
  put(o: Override, now: number): Promise<void>;
  /** One override by id, ended or not, while it is kept. */
  get(id: string): Promise<Override | undefined>;
  remove(id: string): Promise<boolean>;
}

export interface OverrideRequest {
  readonly role: string;
  readonly person: string;
  /** ISO-8601; default now. */
  readonly from?: string | undefined;
  readonly until: string;
  readonly reason?: string | undefined;
  readonly by?: string | undefined;
}

/**
 * Told of each override once it is stored, made or ended early (the handover check, so that one
 * starting soon or at once, or ended, is told now).
 */
export type OverrideListener = (o: Override) => void;

export class ManageOverrides {
  private readonly listeners: OverrideListener[] = [];

  constructor(
    private readonly deps: { config: Config; store: OverrideStore; clock: Clock; ids: IdSource; logger: Logger },
  ) {}

  /** Called with each override made, and with each ended early. */
  onChanged(listener: OverrideListener): void {
    this.listeners.push(listener);
  }

  async create(req: OverrideRequest): Promise<Override> {
    const { config, clock } = this.deps;
    const now = clock.now();
    if (!config.roles.roles[req.role] && !config.roster.schedules[req.role]) {
      throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `unknown role "${req.role}"`);
    }
    if (!config.roster.people[req.person]) throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `unknown person "${req.person}" (not in roster.yaml)`);
    const { from, until } = checkSpan(req.from, req.until, now, config.daemon.maxAhead.override, 'override');
    const o: Override = {
      id: this.deps.ids.next(now),
      role: req.role,
      person: req.person,
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      ...(req.reason ? { reason: req.reason } : {}),
      createdAt: new Date(now).toISOString(),
      ...(req.by ? { createdBy: req.by } : {}),
    };
    await this.deps.store.put(o, now);
    this.deps.logger.info({ override: o.id, role: o.role, person: o.person, from: o.from, until: o.until }, 'on-call override created');
    for (const l of this.listeners) l(o);
    return o;
  }

  /** The overrides not yet over (those ended early left out). */
  async list(): Promise<Override[]> {
    const now = this.deps.clock.now();
    return (await this.deps.store.list(now)).filter((o) => inForceUntil(o) > now);
  }

  /**
   * One override while it is kept, also one ended early (`endedAt`: kept until its planned end, as
   * the record of the change); TOCSIN_ERR_NOT_FOUND for one unknown, deleted before it started, or over.
   */
  async get(id: string): Promise<Override> {
    const o = await this.deps.store.get(id);
    if (!o || Date.parse(o.until) <= this.deps.clock.now()) throw new TocsinError('TOCSIN_ERR_NOT_FOUND', `no override ${id}`);
    return o;
  }

  /**
   * Ends an override now. One not yet holding is deleted; one holding is marked ended (kept until
   * its planned end) so that the people on both sides of the change are told, as of a planned end.
   * Ending it again changes nothing.
   */
  async remove(id: string): Promise<void> {
    const now = this.deps.clock.now();
    const o = await this.deps.store.get(id);
    if (!o || Date.parse(o.until) <= now) throw new TocsinError('TOCSIN_ERR_NOT_FOUND', `no override ${id}`);
    if (o.endedAt !== undefined) return;
    if (inForceFrom(o) > now) {
      await this.deps.store.remove(id);
      this.deps.logger.info({ override: id }, 'on-call override removed before it started');
      return;
    }
    const ended: Override = { ...o, endedAt: new Date(now).toISOString() };
    await this.deps.store.put(ended, now);
    this.deps.logger.info({ override: id, role: o.role, person: o.person }, 'on-call override ended early');
    for (const l of this.listeners) l(ended);
  }
}

/** Validates a from/until pair: until after from and now, and at most `maxAhead` from now. */
export function checkSpan(fromIso: string | undefined, untilIso: string, now: number, maxAhead: number, what: string): { from: number; until: number } {
  const from = fromIso === undefined ? now : Date.parse(fromIso);
  const until = Date.parse(untilIso);
  if (Number.isNaN(from) || Number.isNaN(until)) throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `${what}: from and until must be ISO-8601 times`);
  if (until <= from) throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `${what}: until must be after from`);
  if (until <= now) throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `${what}: until is already past`);
  if (until - now > maxAhead) {
    throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `${what}: until may be at most ${Math.round(maxAhead / 3_600_000)} h ahead (daemon.yaml maxAhead)`);
  }
  return { from, until };
}
