/**
 * The metric catalogue: every metric tocsin exports, in one place. Names `tocsin_<noun>_<unit|total>`,
 * base units (seconds, ratios), labels only from small sets — never an incident id, person or number.
 * Construct one per process (container.ts); tests construct their own. With engine workers
 * (escalation.workers > 1) /metrics adds up every process's metrics: counters and histograms are
 * summed; a gauge says how (`first`: the daemon's own value, which engine workers leave unset).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const HUMAN_BUCKETS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
/** A page due → accepted: fractions of a second when sent at once, minutes when a throttle defers it. */
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 180, 300, 600, 900, 1800];
/** A due escalation step → run: milliseconds normally, minutes when the engine stalls (the lease is 30 s). */
const LATENESS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tocsin_' });
  const r = [registry];
  const redisUnreplicated = new Counter({ name: 'tocsin_redis_unreplicated_total', help: 'Page claims and records that went ahead although fewer Redis replicas than incidents.replicas confirmed them in time, by write (claim, record).', labelNames: ['write'] as const, registers: r });
  // both series from the start, at 0: a rate over them is 0, not "no data", until one happens
  for (const write of ['claim', 'record'] as const) redisUnreplicated.inc({ write }, 0);
  const indexEntriesSwept = new Counter({ name: 'tocsin_index_entries_swept_total', help: 'Index entries of incidents gone after incidents.retention removed by the index sweep, by index (groups: the group → incident map; all: the all-incidents list).', labelNames: ['index'] as const, registers: r });
  for (const index of ['groups', 'all'] as const) indexEntriesSwept.inc({ index }, 0);

  return {
    registry,

    // ---- intake
    eventsReceived: new Counter({ name: 'tocsin_events_received_total', help: 'Events received, by source and outcome (opened, merged, duplicate, resolved, reopened, holding, ignored).', labelNames: ['source', 'result'] as const, registers: r }),
    duplicatesMerged: new Counter({ name: 'tocsin_duplicates_merged_total', help: 'Duplicate events counted into an existing incident.', labelNames: ['source'] as const, registers: r }),
    eventsRejected: new Counter({ name: 'tocsin_events_rejected_total', help: 'Requests rejected at intake, by source and reason (error code); and each alert refused as invalid from an Alertmanager body otherwise recorded (answered 200), under TOCSIN_ERR_INPUT_INVALID.', labelNames: ['source', 'reason'] as const, registers: r }),
    truncatedAlerts: new Counter({ name: 'tocsin_alertmanager_truncated_alerts_total', help: 'Alerts left out of Alertmanager webhook bodies (by Alertmanager, max_alerts, or past http.alertmanager.maxAlerts), counted when the body is answered 200: a body answered 503 and sent again counts once, a body Alertmanager sends again after a 200 (its answer lost, or from each of two Alertmanager peers) counts again.', registers: r }),
    ingestDuration: new Histogram({ name: 'tocsin_ingest_duration_seconds', help: 'Time from request received to durably recorded, by source.', labelNames: ['source'] as const, buckets: LATENCY_BUCKETS, registers: r }),
    httpRequests: new Counter({ name: 'tocsin_http_requests_total', help: 'HTTP requests by route group and status class.', labelNames: ['route', 'status'] as const, registers: r }),

    // ---- incidents
    incidentsOpen: new Gauge({ name: 'tocsin_incidents_open', help: 'Incidents not yet resolved, by class, level and state.', labelNames: ['class', 'level', 'state'] as const, aggregator: 'first', registers: r }),
    incidentsOpened: new Counter({ name: 'tocsin_incidents_opened_total', help: 'Incidents opened, by class.', labelNames: ['class', 'drill'] as const, registers: r }),
    incidentsResolved: new Counter({ name: 'tocsin_incidents_resolved_total', help: 'Incidents resolved, by class, how (source, api, sms, voice, email) and drill.', labelNames: ['class', 'via', 'drill'] as const, registers: r }),
    incidentsAcknowledged: new Counter({ name: 'tocsin_incidents_acknowledged_total', help: 'Incidents acknowledged, by class, channel and drill.', labelNames: ['class', 'via', 'drill'] as const, registers: r }),
    levelRaised: new Counter({ name: 'tocsin_incident_level_raised_total', help: 'Level climbs, by class and the level reached.', labelNames: ['class', 'level'] as const, registers: r }),
    timeToAcknowledge: new Histogram({ name: 'tocsin_time_to_acknowledge_seconds', help: 'From opened to acknowledged, by class and drill.', labelNames: ['class', 'drill'] as const, buckets: HUMAN_BUCKETS, registers: r }),
    timeToResolve: new Histogram({ name: 'tocsin_time_to_resolve_seconds', help: 'From opened to resolved (by a person or by its source), by class and drill.', labelNames: ['class', 'drill'] as const, buckets: HUMAN_BUCKETS, registers: r }),

    // ---- escalation
    incidentsUnmatched: new Counter({ name: 'tocsin_incidents_unmatched_total', help: "Incidents no tier due at their start fitted (each carries a match their labels did not fit), paged by the class's unmatched roles instead; each is a gap in the playbook.", labelNames: ['class'] as const, registers: r }),
    tierReached: new Counter({ name: 'tocsin_escalation_tier_reached_total', help: 'Escalation tiers reached, by class and tier.', labelNames: ['class', 'tier'] as const, registers: r }),
    escalationLateness: new Histogram({ name: 'tocsin_escalation_lateness_seconds', help: 'How late a due escalation step ran after its due time.', buckets: LATENESS_BUCKETS, registers: r }),
    escalationsOverdue: new Gauge({ name: 'tocsin_escalations_overdue', help: 'Due escalation steps older than the claim lease (stalled), as last seen by the auditor.', aggregator: 'first', registers: r }),
    tickDuration: new Histogram({ name: 'tocsin_escalation_tick_duration_seconds', help: 'Duration of one escalation engine tick.', buckets: LATENCY_BUCKETS, registers: r }),
    coverageGaps: new Gauge({ name: 'tocsin_oncall_coverage_gaps', help: 'Roles with nobody on duty right now.', labelNames: ['role'] as const, aggregator: 'first', registers: r }),
    onCall: new Gauge({ name: 'tocsin_oncall_people', help: 'People on duty per role right now.', labelNames: ['role'] as const, aggregator: 'first', registers: r }),

    // ---- notifications
    notifications: new Counter({ name: 'tocsin_notifications_total', help: 'Notifications by channel and result: each attempt sent, logged (log mode) or failed (refused at sending); its provider\'s last word delivered or undelivered (an SMS not delivered, a call not answered); retried (tried again); cancelled; throttles: deferred, bundled, throttled, over_cap (an incident\'s one page let over the daily cap).', labelNames: ['channel', 'result'] as const, registers: r }),
    deliveryLatency: new Histogram({ name: 'tocsin_notification_delivery_seconds', help: 'From a page being due to the provider accepting it, by channel.', labelNames: ['channel'] as const, buckets: DELIVERY_BUCKETS, registers: r }),
    twilioErrors: new Counter({ name: 'tocsin_twilio_errors_total', help: 'Twilio errors by error code.', labelNames: ['code'] as const, registers: r }),
    handoverNotices: new Counter({ name: 'tocsin_handover_notices_total', help: 'Shift-handover notices by channel and result (sent, logged, failed; channel "none" when no channel reached the person).', labelNames: ['channel', 'result'] as const, registers: r }),
    suppressed: new Counter({ name: 'tocsin_notifications_suppressed_total', help: 'Pages held back, by reason: throttled and bundled per page; inhibited and maintenance once per incident and source or window; no_one_on_duty once per step and role.', labelNames: ['reason'] as const, registers: r }),

    // ---- telemetry mirrored from sources
    upsCharge: new Gauge({ name: 'tocsin_ups_battery_charge_ratio', help: 'UPS battery charge (0-1) as last reported.', labelNames: ['site', 'device'] as const, aggregator: 'first', registers: r }),
    upsRuntime: new Gauge({ name: 'tocsin_ups_battery_runtime_seconds', help: 'UPS remaining runtime as last reported.', labelNames: ['site', 'device'] as const, aggregator: 'first', registers: r }),
    upsOnBattery: new Gauge({ name: 'tocsin_ups_on_battery', help: '1 while the UPS reports OB.', labelNames: ['site', 'device'] as const, aggregator: 'first', registers: r }),
    upsStatus: new Gauge({ name: 'tocsin_ups_status', help: '1 for each ups.status token the UPS reports now.', labelNames: ['site', 'device', 'flag'] as const, aggregator: 'first', registers: r }),
    acdCallsWaiting: new Gauge({ name: 'tocsin_acd_calls_waiting', help: 'Calls waiting per queue.', labelNames: ['site', 'queue'] as const, aggregator: 'first', registers: r }),
    acdLongestWait: new Gauge({ name: 'tocsin_acd_longest_wait_seconds', help: 'Longest wait per queue.', labelNames: ['site', 'queue'] as const, aggregator: 'first', registers: r }),
    acdServiceLevel: new Gauge({ name: 'tocsin_acd_service_level_ratio', help: 'Service level per queue (0-1).', labelNames: ['site', 'queue'] as const, aggregator: 'first', registers: r }),
    acdAgentsLoggedIn: new Gauge({ name: 'tocsin_acd_agents_logged_in', help: 'Agents logged in per queue.', labelNames: ['site', 'queue'] as const, aggregator: 'first', registers: r }),
    indexEntriesSwept,
    taskRouterPollFailures: new Counter({ name: 'tocsin_taskrouter_poll_failures_total', help: 'TaskRouter API calls of the agents poll that failed, by reason (auth, not_found, rate_limited, server, client, timeout, network, other): the queues they were for are not judged that round.', labelNames: ['reason'] as const, registers: r }),
    acdSurgeTier: new Gauge({ name: 'tocsin_acd_surge_tier', help: 'Surge tier per queue (0 = none).', labelNames: ['site', 'queue'] as const, aggregator: 'first', registers: r }),

    // ---- health
    engineWorkers: new Gauge({ name: 'tocsin_engine_workers', help: 'Engine workers running beside the daemon (escalation.workers - 1 when all are up).', aggregator: 'first', registers: r }),
    engineWorkerExits: new Counter({ name: 'tocsin_engine_worker_exits_total', help: 'Engine workers that exited without being asked to (each is started again).', registers: r }),
    redisUnreplicated,
    redisUp: new Gauge({ name: 'tocsin_redis_up', help: '1 while Redis answers.', aggregator: 'min', registers: r }),
    sourceLastSeen: new Gauge({ name: 'tocsin_source_last_seen_timestamp_seconds', help: 'When each source last reported (heartbeats).', labelNames: ['source'] as const, aggregator: 'max', registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
