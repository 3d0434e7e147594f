/**
 * Shift-handover notices: `roster.handover.before` ahead of each change of who holds a role, the
 * incoming people (and the outgoing ones) are told. node-schedule drives one periodic check; each
 * notice is claimed once (across replicas and restarts) before it is sent. The same check keeps the
 * on-call gauges current.
 */
import schedule from 'node-schedule';
import type { RosterConfig } from '../config/schema.js';
import type { Clock, OnCall, Recipient } from '../domain/ports.js';
import { nextHandover, type Handover } from '../domain/roster.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

export interface HandoverDeps {
  readonly roster: RosterConfig;
  readonly oncall: OnCall;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sends (or records) the 'handover' message to one person. */
  readonly notify: (recipient: Recipient, role: string, text: string) => Promise<void> | void;
  /** True the first time a notice key is claimed (default: always true). */
  readonly claim?: (key: string, ttlMs: number) => Promise<boolean>;
  readonly roleNames?: Readonly<Record<string, string>>;
  readonly metrics?: Pick<Metrics, 'onCall' | 'coverageGaps'>;
  /** node-schedule rule for the check (default every 30 s). */
  readonly rule?: string;
}

export interface HandoverNotices {
  /** One check at `now`; resolves with the number of messages handed to `notify`. */
  tick(now: number): Promise<number>;
  start(): void;
  stop(): void;
}

const DAY = 86_400_000;

function clockTime(at: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short', day: 'numeric', month: 'short' }).format(at);
}

const names = (people: readonly Recipient[]) => (people.length ? people.map((p) => p.name).join(', ') : 'nobody');

export function createHandoverNotices(deps: HandoverDeps): HandoverNotices {
  const cache = new Map<string, { h: Handover | undefined; validUntil: number }>();
  const before = deps.roster.handover.before;
  let job: schedule.Job | null = null;
  let running = false;

  const next = (role: string, now: number): Handover | undefined => {
    const c = cache.get(role);
    if (c && now < c.validUntil) return c.h;
    const h = nextHandover(deps.roster, role, now);
    cache.set(role, { h, validUntil: h ? h.at : now + DAY });
    return h;
  };

  const announce = async (h: Handover): Promise<number> => {
    const [incoming, outgoing] = await Promise.all([deps.oncall.resolve(h.role, h.at), deps.oncall.resolve(h.role, h.at - 1)]);
    const inIds = incoming.people.map((p) => p.id);
    const outIds = outgoing.people.map((p) => p.id);
    if (inIds.length === outIds.length && inIds.every((id) => outIds.includes(id))) return 0; // an override covers both sides
    const claimed = deps.claim ? await deps.claim(`${h.role}:${h.at}`, before + DAY) : true;
    if (!claimed) return 0;
    const roleName = deps.roleNames?.[h.role] ?? h.role;
    let sent = 0;
    const send = async (p: Recipient, text: string) => {
      try {
        await deps.notify(p, h.role, text);
        sent++;
      } catch (e) {
        deps.logger.warn({ err: e, role: h.role, person: p.id }, 'handover notice failed');
      }
    };
    for (const p of incoming.people) {
      if (outIds.includes(p.id)) continue;
      await send(p, `Handover: you hold ${roleName} from ${clockTime(h.at, p.timezone)}, taking over from ${names(outgoing.people)}.`);
    }
    for (const p of outgoing.people) {
      if (inIds.includes(p.id)) continue;
      await send(p, `Handover: ${roleName} passes from you to ${names(incoming.people)} at ${clockTime(h.at, p.timezone)}.`);
    }
    deps.logger.info({ role: h.role, at: new Date(h.at).toISOString(), from: outIds, to: inIds, messages: sent }, 'shift handover notice');
    return sent;
  };

  const tick = async (now: number): Promise<number> => {
    let sent = 0;
    for (const role of Object.keys(deps.roster.schedules)) {
      if (deps.metrics) {
        const r = await deps.oncall.resolve(role, now);
        deps.metrics.onCall.set({ role }, r.people.length);
        deps.metrics.coverageGaps.set({ role }, r.people.length === 0 ? 1 : 0);
      }
      if (!deps.roster.handover.notify) continue;
      const h = next(role, now);
      if (h && h.at - before <= now && now < h.at) sent += await announce(h);
    }
    return sent;
  };

  return {
    tick,
    start() {
      if (job) return;
      job = schedule.scheduleJob(deps.rule ?? '*/30 * * * * *', () => {
        if (running) return;
        running = true;
        tick(deps.clock.now())
          .catch((e: unknown) => deps.logger.warn({ err: e }, 'handover check failed'))
          .finally(() => {
            running = false;
          });
      });
    },
    stop() {
      job?.cancel();
      job = null;
    },
  };
}

/** Starts the periodic check (node-schedule); `stop()` cancels it. */
export function startHandoverNotices(deps: HandoverDeps): HandoverNotices {
  const notices = createHandoverNotices(deps);
  notices.start();
  return notices;
}
