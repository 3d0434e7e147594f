/**
 * ACD queue telemetry and seat states → normalized events. Pure.
 *
 * Members:
 *   acd:<site>:<queue>:surge:<figure>  inbound_surge while that figure (calls_waiting, longest_wait, service_level,
 *                               abandon_rate, offered) is over its threshold; back under, a `resolved` event whose
 *                               hold (surge.hold) is the "controlled" time. The figures of one queue share an
 *                               incident, which resolves once each member did: every figure that crossed was
 *                               reported back under and stayed there for the hold.
 *   acd:<site>:<queue>:agents   app_network_acd while logged-in agents are below the floor in business hours;
 *                               outside them few agents is the centre closed: `resolved` (an open collapse ends),
 *                               and so it is in the last agentsCollapse.closingWindow before they end (the floor
 *                               going home) and the first agentsCollapse.openingWindow after they open (the floor
 *                               still logging in)
 *   acd:<site>:seat:<seat>      seat_equipment while the seat cannot log in or its equipment failed
 * (a site or queue with `:` or `%`, and the queue `seat`, have their part escaped: see acd-members.ts)
 * Figures that are missing are not judged: no event for their member (they do not count as back under).
 */
import type { SourcesConfig } from '../config/schema.js';
import { agentsMember, seatMember, surgeMember } from './acd-members.js';
import { businessEdgeAt, withinBusinessHours, type BusinessHours } from './business-hours.js';
import { clampLevel, type EventSource, type NormalizedEvent } from './event.js';

export type AcdConfig = SourcesConfig['acd'];

export const SEAT_STATES = ['ok', 'login_failed', 'equipment_fault'] as const;
export type SeatState = (typeof SEAT_STATES)[number];

export interface AcdMetrics {
  readonly calls_waiting?: number | undefined;
  readonly longest_wait_seconds?: number | undefined;
  readonly agents_logged_in?: number | undefined;
  readonly agents_available?: number | undefined;
  readonly calls_offered?: number | undefined;
  readonly calls_abandoned?: number | undefined;
  /** 0–1. */
  readonly service_level?: number | undefined;
  /** The interval calls_offered / calls_abandoned / service_level were counted over. */
  readonly interval_seconds?: number | undefined;
}

export interface AcdSeat {
  readonly seat: string;
  readonly agent?: string | undefined;
  readonly state: SeatState;
}

export interface AcdInput {
  readonly site: string;
  readonly queue?: string | undefined;
  /** Epoch ms the figures were taken (default: now). */
  readonly at?: number | undefined;
  readonly metrics?: AcdMetrics | undefined;
  readonly seats?: readonly AcdSeat[] | undefined;
  /** `taskrouter` when the figures were derived from TaskRouter events. */
  readonly source?: Extract<EventSource, 'acd' | 'taskrouter'> | undefined;
  /** Extra facts recorded with the surge and agents events (e.g. the TaskRouter workspace and queue SIDs). */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

export type SurgeReason = 'calls_waiting' | 'longest_wait' | 'service_level' | 'abandon_rate' | 'offered';

export interface SurgeCheck {
  /** Thresholds crossed now (empty: every judged figure is under). */
  readonly crossed: readonly { readonly reason: SurgeReason; readonly text: string }[];
  /** The figures the body gave, so that they could be judged (none: it said nothing about the queue's load). */
  readonly judged: readonly SurgeReason[];
  readonly abandonRate: number | undefined;
  /** Offered calls the baseline allows for this interval (before the multiple). */
  readonly expectedOffered: number | undefined;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

export function checkSurge(m: AcdMetrics, cfg: AcdConfig['surge']): SurgeCheck {
  const crossed: { reason: SurgeReason; text: string }[] = [];
  const judged: SurgeReason[] = [];
  if (m.calls_waiting !== undefined) {
    judged.push('calls_waiting');
    if (m.calls_waiting > cfg.callsWaitingAbove) crossed.push({ reason: 'calls_waiting', text: `${m.calls_waiting} calls waiting (over ${cfg.callsWaitingAbove})` });
  }
  if (m.longest_wait_seconds !== undefined) {
    judged.push('longest_wait');
    if (m.longest_wait_seconds * 1000 > cfg.longestWaitAbove) crossed.push({ reason: 'longest_wait', text: `longest wait ${Math.round(m.longest_wait_seconds)} s (over ${cfg.longestWaitAbove / 1000} s)` });
  }
  if (m.service_level !== undefined) {
    judged.push('service_level');
    if (m.service_level < cfg.serviceLevelBelow) crossed.push({ reason: 'service_level', text: `service level ${pct(m.service_level)} (under ${pct(cfg.serviceLevelBelow)})` });
  }
  let abandonRate: number | undefined;
  if (m.calls_abandoned !== undefined && m.calls_offered !== undefined && m.calls_offered > 0) {
    judged.push('abandon_rate');
    abandonRate = m.calls_abandoned / m.calls_offered;
    // too few calls for a rate to mean anything (one abandoned of four is not a surge): counts as under
    if (m.calls_offered >= cfg.abandonMinOffered && abandonRate > cfg.abandonRateAbove) crossed.push({ reason: 'abandon_rate', text: `abandon rate ${pct(abandonRate)} (over ${pct(cfg.abandonRateAbove)})` });
  }
  let expectedOffered: number | undefined;
  if (m.calls_offered !== undefined && cfg.baseline.interval > 0) {
    judged.push('offered');
    const intervalMs = m.interval_seconds !== undefined && m.interval_seconds > 0 ? m.interval_seconds * 1000 : cfg.baseline.interval;
    expectedOffered = (cfg.baseline.callsOffered * intervalMs) / cfg.baseline.interval;
    const limit = expectedOffered * cfg.offeredMultiple;
    if (m.calls_offered > limit) crossed.push({ reason: 'offered', text: `${m.calls_offered} calls offered (over ${Math.round(limit)}, ${cfg.offeredMultiple}x the baseline)` });
  }
  return { crossed, judged, abandonRate, expectedOffered };
}

const SURGE_FIGURE: Record<SurgeReason, string> = {
  calls_waiting: 'calls waiting',
  longest_wait: 'longest wait',
  service_level: 'service level',
  abandon_rate: 'abandon rate',
  offered: 'calls offered',
};

const SEAT_TEXT: Record<Exclude<SeatState, 'ok'>, string> = {
  login_failed: 'cannot log in',
  equipment_fault: 'equipment fault (PC, phone or headset)',
};

export function evaluateAcd(input: AcdInput, cfg: AcdConfig, businessHours: BusinessHours, now: number): NormalizedEvent[] {
  const site = input.site;
  const queue = input.queue?.trim() || cfg.defaultQueue;
  const at = input.at ?? now;
  const source = input.source ?? 'acd';
  const m = input.metrics ?? {};
  const events: NormalizedEvent[] = [];
  const base = { source, site, at, drill: false } as const;

  // One member per figure: a figure the body leaves out is not judged, so it neither fires nor counts
  // as back under; the incident is controlled once every figure that crossed has been under for the hold.
  const surge = checkSurge(m, cfg.surge);
  const crossedText = `Inbound surge on queue ${queue}: ${surge.crossed.map((c) => c.text).join('; ')}`;
  for (const reason of surge.judged) {
    const member = surgeMember(site, queue, reason);
    const firing = surge.crossed.some((c) => c.reason === reason);
    events.push({
      ...base,
      class: cfg.surge.class,
      level: clampLevel(cfg.surge.level),
      status: firing ? 'firing' : 'resolved',
      member,
      eventKey: `${member}:${firing ? 'over' : 'clear'}`,
      groupHint: queue,
      summary: firing ? crossedText : `Queue ${queue}: ${SURGE_FIGURE[reason]} back under its surge threshold`,
      labels: { queue, kind: 'surge' },
      details: { queue, figure: reason, metrics: m, reasons: surge.crossed.map((c) => c.reason), abandonRate: surge.abandonRate ?? null, expectedOffered: surge.expectedOffered ?? null, ...input.extra },
      holdMs: firing ? undefined : cfg.surge.hold,
    });
  }

  if (m.agents_logged_in !== undefined) {
    const member = agentsMember(site, queue);
    const floor = cfg.agentsCollapse.loggedInBelow;
    const n = m.agents_logged_in;
    // In business hours few agents is an outage. Outside them the centre is closed and agents logging
    // off is expected: few agents stands an open collapse down (a resolution, not silence), so an
    // outage opened late in the day does not climb all night on figures that now mean nothing. The
    // last minutes before closing are the floor going home, the first ones after opening the floor
    // still logging in: read as closed, so nobody is paged for either.
    const inHours = withinBusinessHours(businessHours, at);
    const windows = { opening: cfg.agentsCollapse.openingWindow, closing: cfg.agentsCollapse.closingWindow };
    const edge = inHours && n < floor ? businessEdgeAt(businessHours, at, windows) : undefined;
    const state = n >= floor ? 'clear' : !inHours ? 'closed' : (edge?.edge ?? 'collapse');
    const summary = {
      collapse: `Only ${n} agents logged in on queue ${queue} (under ${floor}) - ACD, application or network outage?`,
      clear: `Agents logged in on queue ${queue} back to ${n}`,
      closed: `Queue ${queue} outside business hours: ${n} agents logged in is expected, the agents check stands down`,
      closing: `Queue ${queue} closes at ${businessHours.end}: ${n} agents logged in is the floor going home, the agents check stands down`,
      opening: `Queue ${queue} opened at ${businessHours.start}: ${n} agents logged in is the floor still logging in, the agents check waits`,
    }[state];
    const edgeDetails =
      edge?.edge === 'closing'
        ? { closesAt: new Date(edge.closesAt).toISOString() }
        : edge?.edge === 'opening'
          ? { openedAt: new Date(edge.openedAt).toISOString(), judgedFrom: new Date(edge.openedAt + windows.opening).toISOString() }
          : {};
    events.push({
      ...base,
      class: cfg.agentsCollapse.class,
      level: clampLevel(cfg.agentsCollapse.level),
      status: state === 'collapse' ? 'firing' : 'resolved',
      member,
      eventKey: `${member}:${state}`,
      groupHint: queue,
      summary,
      labels: { queue, kind: 'agents_collapse' },
      details: { queue, agentsLoggedIn: n, agentsAvailable: m.agents_available ?? null, floor, businessHours: inHours, ...edgeDetails, ...input.extra },
    });
  }

  for (const s of input.seats ?? []) {
    const member = seatMember(site, s.seat);
    const bad = s.state !== 'ok';
    events.push({
      ...base,
      class: cfg.seats.class,
      level: clampLevel(cfg.seats.level),
      status: bad ? 'firing' : 'resolved',
      member,
      eventKey: `${member}:${s.state}`,
      groupHint: s.seat,
      summary: s.state === 'ok' ? `Seat ${s.seat} working again` : `Seat ${s.seat} ${SEAT_TEXT[s.state]}${s.agent ? ` (agent ${s.agent})` : ''}`,
      labels: { seat: s.seat, kind: s.state, ...(s.agent ? { agent: s.agent } : {}) },
      details: { seat: s.seat, agent: s.agent ?? null, state: s.state, queue },
    });
  }
  return events;
}
