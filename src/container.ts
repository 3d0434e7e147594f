/** The only place that constructs concrete adapters and wires them together. */
import { createServer, type Server } from 'node:http';
import type express from 'express';
import type { ActionLinks } from './app/action-links.js';
import { IngestEvents } from './app/ingest-event.js';
import { recipientOf } from './app/roster-on-call.js';
import type { EscalationEngine } from './app/run-escalations.js';
import type { ManageMaintenance } from './app/manage-maintenance.js';
import { ManageOverrides } from './app/manage-overrides.js';
import type { IncidentStores } from './app/incident-stores.js';
import { ReportIncident } from './app/report-incident.js';
import { SettleHolds } from './app/settle-holds.js';
import { EndCollapsesAtClosing } from './app/end-collapses.js';
import { EndSilencesAtClosing } from './app/end-silences.js';
import { allTimedEnds } from './app/timed-ends.js';
import { sendNotice } from './app/send-notice.js';
import { unresolvedPagedFor } from './app/paged-for.js';
import { TransitionIncident } from './app/transition-incident.js';
import type { Env } from './config/env.js';
import type { Config } from './config/load-config.js';
import { lookupTable } from './domain/lookup.js';
import type { Clock, OnCall, SuppressionPolicy } from './domain/ports.js';
import { answerClientError } from './ingest/client-error.js';
import { renderHandover } from './channels/render/render-handover.js';
import { loadMessages, type MessagesConfig } from './config/messages-schema.js';
import { PhoneActions, rosterDirectory } from './app/phone-actions.js';
import { createHandoverNotices, type HandoverNotices } from './jobs/handover.js';
import { Heartbeats } from './app/heartbeats.js';
import { OpenIncidentGauge } from './app/incident-gauges.js';
import { startHeartbeatJob, type HeartbeatJob } from './jobs/heartbeat-job.js';
import { startRollingJob, type RollingJob } from './jobs/rolling-job.js';
import { RecheckTaskQueues } from './app/recheck-task-queues.js';
import { SweepIndexes } from './app/sweep-indexes.js';
import type { PollTaskQueueAgents } from './app/poll-task-queue-agents.js';
import { TelemetryMirror } from './app/telemetry-mirror.js';
import { RedisTaskRouterQueues } from './store/taskrouter-queues.js';
import { RedisTaskRouterPollFailures } from './store/taskrouter-poll-failures.js';
import { RedisTelemetryReadings } from './store/telemetry-readings.js';
import { RedisHeartbeatStore } from './store/heartbeat-store.js';
import { startScheduler, type Scheduler } from './jobs/scheduler.js';
import { SystemClock } from './platform/clock.js';
import { UlidSource } from './platform/ids.js';
import { RedisIncidentRepository } from './store/incident-repository.js';
import { RedisIndexSweep } from './store/index-sweep.js';
import { RedisOpenIncidentReader } from './store/open-incident-reader.js';
import { RedisOnceMarker } from './store/once-marker.js';
import { RedisReadMarks } from './store/read-marks.js';
import { makeKeys } from './store/keys.js';
import { connectRedis, createRedis } from './store/redis.js';
import { registerScripts } from './store/scripts.js';
import type { Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import type { PeerMetrics } from './telemetry/exposition.js';
import type { DaemonCore } from './wiring/daemon-core.js';
import { buildEscalation } from './wiring/escalation-wiring.js';
import { buildHttp } from './wiring/http-wiring.js';
import { replicaWaits } from './wiring/replica-waits.js';
import { labelTagKey, resolveLinkSecret } from './wiring/link-secret.js';
import { seriesGuards } from './wiring/series-guards.js';
import { buildTaskQueueAgents } from './wiring/taskrouter-agents.js';

export interface ContainerOptions {
  readonly env: Env;
  readonly config: Config;
  readonly logger: Logger;
  readonly redisUrl: string;
  readonly clock?: Clock;
  readonly metrics?: Metrics;
  /** Wait this long for Redis at start-up (the daemon still starts, unready, when it does not answer); default daemon.yaml redis.startupWait. */
  readonly redisConnectTimeoutMs?: number;
  /** config/messages.yaml, when already loaded (else read from the config directory). */
  readonly messages?: MessagesConfig;
  /** The engine workers' metrics, joined into /metrics (escalation.workers > 1). */
  readonly peerMetrics?: PeerMetrics;
}

/** The daemon's parts, built and wired: what main.ts, the engine worker, the CLI and the tests use. */
export interface Container extends DaemonCore {
  readonly stores: IncidentStores & { readonly live: RedisIncidentRepository; readonly drill: RedisIncidentRepository };
  readonly ingest: IngestEvents;
  readonly transition: TransitionIncident;
  readonly report: ReportIncident;
  /** The escalation engine: tick(now), kick(id), lookupCode(code) for SMS replies, audit(now). */
  readonly engine: EscalationEngine;
  /** Signs and verifies acknowledge / resolve links (`/ack/<token>`, `/resolve/<token>`). */
  readonly actionLinks: ActionLinks;
  /** Who holds a role at a moment (roster schedules, overrides win). */
  readonly oncall: OnCall;
  /** Maintenance windows and inhibition rules. */
  readonly suppression: SuppressionPolicy;
  readonly overrides: ManageOverrides;
  readonly maintenance: ManageMaintenance;
  /** Shift-handover notices (node-schedule check; `tick(now)` for tests). */
  readonly handover: HandoverNotices;
  /** Answers from phones and mailboxes: SMS replies, key presses, e-mail links, delivery callbacks. */
  readonly phone: PhoneActions;
  /** The words of every page (config/messages.yaml). */
  readonly messages: MessagesConfig;
  /** The dead-man's switch: `observe(beat)`, `check(now)` (node-schedule runs it once started). */
  readonly heartbeats: Heartbeats;
  /** Ages the TaskRouter tasks waiting between callbacks: `run(now)` (node-schedule runs it once started). */
  readonly taskQueueRecheck: RecheckTaskQueues;
  /**
   * Reads the agents logged in per TaskRouter queue from the API: `run(now)` (node-schedule runs it once
   * started, every taskrouter.agentsPoll). Undefined when the poll is off (no workspace mapped, 0, or no credentials).
   */
  readonly taskQueueAgents: PollTaskQueueAgents | undefined;
  readonly app: express.Express;
  /** Starts background work (escalation ticks, schedules). */
  start(): Promise<void>;
  /** Starts the escalation tick alone: what an engine worker runs (the daemon keeps the auditor and the jobs). */
  startEngine(): Promise<void>;
  /** Listens on host:port (port 0 = any); resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

export async function buildContainer(o: ContainerOptions): Promise<Container> {
  const { env, config, logger } = o;
  const clock = o.clock ?? new SystemClock();
  const metrics = o.metrics ?? createMetrics();
  const messages = o.messages ?? loadMessages(config.dir);
  const redisSettings = config.daemon.redis;
  const redis = createRedis(o.redisUrl, {
    connectTimeoutMs: redisSettings.connectTimeout,
    commandTimeoutMs: redisSettings.commandTimeout,
    reconnect: { firstMs: redisSettings.reconnect.first, maxMs: redisSettings.reconnect.max },
  });
  const startupWaitMs = o.redisConnectTimeoutMs ?? redisSettings.startupWait;
  redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  registerScripts(redis);
  try {
    await connectRedis(redis, startupWaitMs);
    metrics.redisUp.set(1);
  } catch (e) {
    logger.error({ err: e }, 'redis not reachable at start-up; serving 503 until it answers');
    metrics.redisUp.set(0);
  }

  const replicated = await replicaWaits(redis, config, logger, startupWaitMs);
  const repoOptions = {
    ...(replicated ? { replicated: replicated.intake } : {}),
    reopenWindowMs: config.daemon.incidents.reopenWindow,
    staleFiringWindowMs: config.daemon.incidents.staleFiringWindow,
    retentionMs: config.daemon.incidents.retention,
    idempotencyWindowMs: config.daemon.incidents.idempotencyWindow,
    maxTimeline: config.daemon.incidents.maxTimeline,
    ingestBatch: config.daemon.incidents.ingestBatch,
    ingestInFlight: config.daemon.incidents.ingestInFlight,
    membersShown: config.daemon.incidents.membersShown,
    bodyMarkMs: config.daemon.incidents.retryWindow,
  };
  const stores = {
    live: new RedisIncidentRepository(redis, makeKeys(env.redisPrefix, 'live'), repoOptions),
    drill: new RedisIncidentRepository(redis, makeKeys(env.redisPrefix, 'drill'), repoOptions),
  };
  const ids = new UlidSource();
  const ingest = new IngestEvents({ config, live: stores.live, drill: stores.drill, clock, ids, metrics, logger });
  const transition = new TransitionIncident(stores, clock, metrics);
  const report = new ReportIncident(ingest, clock, ids);
  const settleHolds = new SettleHolds(ingest);
  const marks = { live: new RedisReadMarks(redis, makeKeys(env.redisPrefix, 'live')), drill: new RedisReadMarks(redis, makeKeys(env.redisPrefix, 'drill')) };
  const collapsesAtClosing = new EndCollapsesAtClosing({ ingest, stores, marks, acd: config.sources.acd, businessHours: config.daemon.businessHours });
  const heartbeats = new Heartbeats({ config: config.sources.heartbeats, businessHours: config.daemon.businessHours, store: new RedisHeartbeatStore(redis, makeKeys(env.redisPrefix, 'live')), ingest, clock, metrics, logger, speed: config.clockSpeed });
  const silencesAtClosing = new EndSilencesAtClosing({ heartbeats, config: config.sources.heartbeats, businessHours: config.daemon.businessHours });
  const core: DaemonCore = { env, config, logger, metrics, clock, redis };
  const linkSecret = await resolveLinkSecret(core);
  const { engine, actionLinks, people, closeChannels, stopDispatch, notices } = await buildEscalation({
    core,
    linkSecret,
    messages,
    stores,
    ids,
    replicated: replicated?.pages,
    settle: async (incident, now) => (await settleHolds.run(incident, now)).length > 0,
    timedEnds: allTimedEnds([collapsesAtClosing, silencesAtClosing]),
  });
  const phone = new PhoneActions({
    transition,
    engine,
    stores,
    people: rosterDirectory(config.roster.people, (id) => recipientOf(config.roster, id)),
    defaultLocale: messages.defaultLocale,
    clock,
    logger,
    metrics,
  });
  const overrides = new ManageOverrides({ config, store: people.overrideStore, clock, ids, logger });
  const handoverOnce = new RedisOnceMarker(redis, makeKeys(env.redisPrefix, 'live'), 'handover');
  const handover = createHandoverNotices({
    roster: config.roster,
    oncall: people.onCall,
    clock,
    logger,
    metrics,
    roleNames: lookupTable(Object.entries(config.roles.roles).map(([k, r]) => [k, r.name] as const)),
    claims: { store: handoverOnce, leaseMs: config.daemon.escalation.lease },
    overrides: people.overrideStore,
    held: (role) => unresolvedPagedFor(stores.live, role),
    deliver: async (facts, role, id, claim) => {
      const words = renderHandover(messages, facts, config.roster.handover.list);
      const sent = await sendNotice(notices, { id, recipient: facts.recipient, subject: words.subject, text: words.text, sms: words.sms }, role, claim);
      // its claim lost before a channel took it (logged): whoever took it over sends it
      if (sent === 'lost') return false;
      logger.info({ role, person: facts.recipient.id, side: facts.side, open: facts.open.length, channel: sent?.channel ?? null, status: sent?.status ?? 'failed' }, 'handover message');
      return sent !== undefined;
    },
  });
  // an override starting soon or at once is told now, not at the next check
  overrides.onChanged(() => handover.kick());
  ingest.onRecorded((results) => {
    for (const { outcome } of results) {
      if (outcome.kind === 'opened' || outcome.kind === 'reopened' || outcome.kind === 'resolved' || outcome.levelRaised) void engine.kick(outcome.id);
    }
  });
  // Inhibition reads open incidents once per tick; a change makes the next check read them again.
  ingest.onRecorded(() => people.suppression.invalidate());
  transition.onChanged(() => people.suppression.invalidate());
  transition.onChanged((incident) => void engine.kick(incident.id));
  let scheduler: Scheduler | undefined;
  let heartbeatJob: HeartbeatJob | undefined;
  const series = seriesGuards(config, logger, labelTagKey(linkSecret));
  // UPS and ACD gauges: written to Redis by the replica a report reaches, read back by every replica when scraped
  // (each series until it has gone unreported for its http.readingsMaxAge)
  const telemetry = new TelemetryMirror({
    store: new RedisTelemetryReadings(redis, makeKeys(env.redisPrefix, 'live'), clock),
    metrics,
    series,
    logger,
    clock,
    maxAgeMs: config.daemon.http.readingsMaxAge,
  });
  const taskQueues = new RedisTaskRouterQueues(redis, makeKeys(env.redisPrefix, 'live'), config.sources.taskrouter.taskTtl);
  const taskQueueRecheck = new RecheckTaskQueues({ queues: taskQueues, ingest, sources: config.sources, businessHours: config.daemon.businessHours, telemetry });
  let recheckJob: RollingJob | undefined;
  const taskQueueAgents = buildTaskQueueAgents(
    core,
    ingest,
    telemetry,
    new RedisOnceMarker(redis, makeKeys(env.redisPrefix, 'live'), 'taskrouter-agents'),
    new RedisTaskRouterPollFailures(redis, makeKeys(env.redisPrefix, 'live')),
  );
  let agentsJob: RollingJob | undefined;
  // what incidents expired after retention left in the groups hash and the all-incidents set
  const indexSweep = new SweepIndexes({
    stores: [new RedisIndexSweep(redis, makeKeys(env.redisPrefix, 'live')), new RedisIndexSweep(redis, makeKeys(env.redisPrefix, 'drill'))],
    retentionMs: config.daemon.incidents.retention,
    everyMs: config.daemon.incidents.indexSweep.every,
    batch: config.daemon.incidents.indexSweep.batch,
    metrics,
    logger,
    rounds: new RedisOnceMarker(redis, makeKeys(env.redisPrefix, 'live'), 'index-sweep'),
  });
  let sweepJob: RollingJob | undefined;
  const openGauge = new OpenIncidentGauge({ live: new RedisOpenIncidentReader(redis, makeKeys(env.redisPrefix, 'live')), metrics, series: series.acd, logger });
  ingest.onRecorded(() => void openGauge.refresh());
  transition.onChanged(() => void openGauge.refresh());

  // The fast path serves POST /webhooks/alertmanager ahead of express; express serves the rest.
  const { fast, app } = buildHttp({
    ...core,
    messages,
    peerMetrics: o.peerMetrics,
    stores,
    ingest,
    transition,
    report,
    heartbeats,
    taskQueues,
    overrides,
    oncall: people.onCall,
    maintenance: people.maintenance,
    phone,
    actionLinks,
    series,
    telemetry,
  });

  let server: Server | undefined;
  const stoppers: (() => Promise<void> | void)[] = [];

  return {
    ...core,
    stores,
    ingest,
    transition,
    report,
    engine,
    actionLinks,
    oncall: people.onCall,
    suppression: people.suppression,
    overrides,
    maintenance: people.maintenance,
    handover,
    heartbeats,
    taskQueueRecheck,
    taskQueueAgents,
    phone,
    messages,
    app,
    async start() {
      /* background jobs are registered here as they are built */
      handover.start();
      void openGauge.refresh();
      heartbeatJob ??= startHeartbeatJob({ check: async (now) => Promise.all([heartbeats.check(now), openGauge.refresh()]), clock, everyMs: config.sources.heartbeats.check, logger });
      recheckJob ??= startRollingJob({ name: 'taskrouter-recheck', run: (now) => taskQueueRecheck.run(now), clock, everyMs: config.sources.taskrouter.recheck, logger });
      sweepJob ??= startRollingJob({ name: 'index-sweep', run: (now) => indexSweep.run(now), clock, everyMs: config.daemon.incidents.indexSweep.every, logger });
      if (taskQueueAgents) agentsJob ??= startRollingJob({ name: 'taskrouter-agents', run: (now) => taskQueueAgents.run(now), clock, everyMs: config.sources.taskrouter.agentsPoll, logger });
      scheduler ??= startScheduler({ engine, clock, tickMs: config.daemon.escalation.tick, auditMs: config.daemon.escalation.audit, logger });
    },
    async startEngine() {
      scheduler ??= startScheduler({ engine, clock, tickMs: config.daemon.escalation.tick, logger });
    },
    listen(port, host) {
      return new Promise((resolveListen, reject) => {
        const s = createServer((req, res) => {
          if (!fast(req, res)) app(req, res);
        });
        s.on('clientError', answerClientError);
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          const addr = s.address();
          resolveListen(typeof addr === 'object' && addr ? addr.port : port);
        });
        s.keepAliveTimeout = config.daemon.http.keepAlive;
        server = s;
      });
    },
    async stop() {
      for (const s of stoppers.reverse()) await s();
      handover.stop();
      await handover.idle();
      await heartbeatJob?.stop();
      await recheckJob?.stop();
      await agentsJob?.stop();
      indexSweep.halt();
      await sweepJob?.stop();
      await scheduler?.stop();
      await engine.idle();
      await stopDispatch();
      closeChannels();
      if (server) await new Promise<void>((r) => server?.close(() => r()));
      server?.closeAllConnections?.();
      redis.disconnect();
      replicated?.intake.client.disconnect();
      replicated?.pages.client.disconnect();
    },
  };
}
