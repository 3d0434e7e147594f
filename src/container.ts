/** The only place that constructs concrete adapters and wires them together. */
import { createServer, type Server } from 'node:http';
import type express from 'express';
import { ActionLinks, deriveLinkSecret } from './app/action-links.js';
import { DispatchNotification } from './app/dispatch-notification.js';
import { IngestEvents } from './app/ingest-event.js';
import { RosterOnCall, recipientOf } from './app/roster-on-call.js';
import { EscalationEngine, makeOwnerId, type EngineNamespace } from './app/run-escalations.js';
import { ManageMaintenance } from './app/manage-maintenance.js';
import { ManageOverrides } from './app/manage-overrides.js';
import { RuleSuppressionPolicy } from './app/suppression-policy.js';
import type { IncidentStores } from './app/incident-stores.js';
import { ReportIncident } from './app/report-incident.js';
import { SettleHolds } from './app/settle-holds.js';
import { sendNotice, type SendNoticeDeps } from './app/send-notice.js';
import { unresolvedPagedFor } from './app/paged-for.js';
import { TransitionIncident } from './app/transition-incident.js';
import type { Env } from './config/env.js';
import { ConfigError, type Config } from './config/load-config.js';
import type { Incident } from './domain/incident.js';
import type { Clock, OnCall, SuppressionPolicy } from './domain/ports.js';
import { LogChannel } from './channels/log-channel.js';
import { gatherReplyTwiml, parseGatherAction, parseInboundSms, parseSmsStatusCallback, parseVoiceStatusCallback, smsReplyText, smsReplyTwiml, verifyTwilioSignature } from './channels/twilio/callbacks.js';
import { createEmailChannel } from './channels/email/email-channel.js';
import { renderVoice } from './channels/render/render-voice.js';
import { renderHandover } from './channels/render/render-handover.js';
import { createTwilioChannels } from './channels/twilio/twilio-channels.js';
import { loadMessages, type MessagesConfig } from './config/messages-schema.js';
import { PhoneActions, rosterDirectory, type KeyAnswer } from './app/phone-actions.js';
import type { Channel, Phase } from './domain/ports.js';
import type { ChannelKind } from './domain/incident.js';
import { actionLinkRoutes } from './ingest/action-links-api.js';
import { twilioCallbackRoutes, type TwilioCallbackCodec } from './ingest/twilio-callbacks.js';
import { acdRoutes } from './ingest/acd.js';
import { alertmanagerHandler, alertmanagerRoutes } from './ingest/alertmanager.js';
import { fastWebhook } from './ingest/fast-webhook.js';
import { apiRoutes } from './ingest/api.js';
import { maintenanceRoutes } from './ingest/maintenance-api.js';
import { onCallRoutes } from './ingest/oncall-api.js';
import { reportRoutes } from './ingest/report-api.js';
import { createHandoverNotices, type HandoverNotices } from './jobs/handover.js';
import { createHttpApp } from './ingest/http-app.js';
import { beatObserver, heartbeatTap, takeWatchdogs } from './ingest/heartbeat-tap.js';
import { criticality } from './ingest/critical-request.js';
import { apiRateLimits, rateCheck, webhookRateLimits, type RateLimitDeps } from './ingest/rate-limit.js';
import { RedisRateLimiter } from './store/rate-limit-store.js';
import { Heartbeats } from './app/heartbeats.js';
import { OpenIncidentGauge } from './app/incident-gauges.js';
import { startHeartbeatJob, type HeartbeatJob } from './jobs/heartbeat-job.js';
import { RedisHeartbeatStore } from './store/heartbeat-store.js';
import { createTracer, traceRequests } from './telemetry/tracer.js';
import { taskRouterRoutes } from './ingest/taskrouter.js';
import { upsRoutes } from './ingest/ups.js';
import { startScheduler, type Scheduler } from './jobs/scheduler.js';
import { SystemClock } from './platform/clock.js';
import { UlidSource } from './platform/ids.js';
import { RedisEscalationQueue } from './store/escalation-queue.js';
import { RedisEscalationState } from './store/escalation-state.js';
import { RedisIncidentRepository } from './store/incident-repository.js';
import { sharedLinkSecret } from './store/link-secret.js';
import { RedisMaintenanceRepository } from './store/maintenance-repository.js';
import { RedisNotificationRepository } from './store/notification-repository.js';
import { PageReplicaWait } from './store/page-replica-wait.js';
import { RedisOpenIncidentReader } from './store/open-incident-reader.js';
import { RedisOnceMarker } from './store/once-marker.js';
import { RedisOverrideRepository } from './store/override-repository.js';
import { RedisPlaybookSnapshots } from './store/playbook-snapshots.js';
import { makeKeys } from './store/keys.js';
import { connectRedis, createRedis, secondConnection, type RedisClient, type ReplicaWait } from './store/redis.js';
import { registerScripts } from './store/scripts.js';
import { RedisThrottleRepository } from './store/throttle-repository.js';
import { ThrottlePages, throttleLimits, throttleMemoryMs } from './app/throttle-pages.js';
import { RedisTaskRouterQueues } from './store/taskrouter-queues.js';
import type { Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import type { PeerMetrics } from './telemetry/exposition.js';

export interface ContainerOptions {
  readonly env: Env;
  readonly config: Config;
  readonly logger: Logger;
  readonly redisUrl: string;
  readonly clock?: Clock;
  readonly metrics?: Metrics;
  /** Wait this long for Redis at start-up (the daemon still starts, unready, when it does not answer). */
  readonly redisConnectTimeoutMs?: number;
  /** config/messages.yaml, when already loaded (else read from the config directory). */
  readonly messages?: MessagesConfig;
  /** The engine workers' metrics, joined into /metrics (escalation.workers > 1). */
  readonly peerMetrics?: PeerMetrics;
}

export interface Container {
  readonly env: Env;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly redis: RedisClient;
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
  const redis = createRedis(o.redisUrl);
  redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  registerScripts(redis);
  try {
    await connectRedis(redis, o.redisConnectTimeoutMs ?? 5_000);
    metrics.redisUp.set(1);
  } catch (e) {
    logger.error({ err: e }, 'redis not reachable at start-up; serving 503 until it answers');
    metrics.redisUp.set(0);
  }

  const replicated = await replicaWaits(redis, config, logger, o.redisConnectTimeoutMs ?? 5_000);
  const repoOptions = {
    ...(replicated ? { replicated: replicated.intake } : {}),
    reopenWindowMs: config.daemon.incidents.reopenWindow,
    retentionMs: config.daemon.incidents.retention,
    maxTimeline: config.daemon.incidents.maxTimeline,
    ingestBatch: config.daemon.incidents.ingestBatch,
    ingestInFlight: config.daemon.incidents.ingestInFlight,
    membersShown: config.daemon.incidents.membersShown,
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
  const { engine, actionLinks, people, closeChannels, notices } = await buildEscalation({
    o,
    messages,
    redis,
    stores,
    clock,
    metrics,
    ids,
    replicated: replicated?.pages,
    settle: async (incident, now) => (await settleHolds.run(incident, now)).length > 0,
  });
  const phone = new PhoneActions({
    transition,
    engine,
    stores,
    people: rosterDirectory(config.roster.people, (id) => recipientOf(config.roster, id)),
    defaultLocale: messages.defaultLocale,
    clock,
    logger,
  });
  const overrides = new ManageOverrides({ config, store: people.overrideStore, clock, ids, logger });
  const handoverOnce = new RedisOnceMarker(redis, makeKeys(env.redisPrefix, 'live'), 'handover');
  const handover = createHandoverNotices({
    roster: config.roster,
    oncall: people.onCall,
    clock,
    logger,
    metrics,
    roleNames: Object.fromEntries(Object.entries(config.roles.roles).map(([k, r]) => [k, r.name])),
    claims: { store: handoverOnce, leaseMs: config.daemon.escalation.lease },
    held: (role) => unresolvedPagedFor(stores.live, role),
    deliver: async (facts, role, id) => {
      const words = renderHandover(messages, facts, config.roster.handover.list);
      const sent = await sendNotice(notices, { id, recipient: facts.recipient, subject: words.subject, text: words.text, sms: words.sms }, role);
      logger.info({ role, person: facts.recipient.id, side: facts.side, open: facts.open.length, channel: sent?.channel ?? null, status: sent?.status ?? 'failed' }, 'handover message');
      return sent !== undefined;
    },
  });
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
  const heartbeats = new Heartbeats({ config: config.sources.heartbeats, store: new RedisHeartbeatStore(redis, makeKeys(env.redisPrefix, 'live')), ingest, clock, metrics, logger });
  let heartbeatJob: HeartbeatJob | undefined;
  const openGauge = new OpenIncidentGauge({ live: new RedisOpenIncidentReader(redis, makeKeys(env.redisPrefix, 'live')), metrics, logger });
  ingest.onRecorded(() => void openGauge.refresh());
  transition.onChanged(() => void openGauge.refresh());
  const classLevels = Object.fromEntries(Object.entries(config.playbooks.classes).map(([k, c]) => [k, c.level]));
  // Rate limits count real seconds, whatever the clock speed or a test's manual clock.
  const wallClock = new SystemClock();
  const rateLimits: RateLimitDeps = {
    limits: config.daemon.rateLimits,
    limiter: new RedisRateLimiter(redis, makeKeys(env.redisPrefix, 'live')),
    isCritical: criticality({ limits: config.daemon.rateLimits, sources: config.sources, classLevels }),
    now: () => wallClock.now(),
    logger,
  };

  // POST /webhooks/alertmanager, the busiest route, is served ahead of express (same answers).
  const fast = fastWebhook({
    token: env.ingestToken,
    bodyLimit: config.daemon.http.bodyLimit,
    rateCheck: rateCheck('alertmanager', rateLimits),
    tap: (body) => takeWatchdogs(body, heartbeats.watchdogAlertname, config.sources.alertmanager),
    observe: beatObserver(heartbeats, logger),
    handle: alertmanagerHandler({ ingest, sources: config.sources, classLevels, clock }),
    tracer: createTracer(),
    metrics,
    logger,
  });

  const twilioAuthToken = env.twilioAuthToken;
  const app = createHttpApp({
    config,
    env,
    logger,
    metrics,
    ready: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
    peerMetrics: o.peerMetrics,
    before: [traceRequests(createTracer())],
    webhooks: [
      webhookRateLimits(rateLimits),
      heartbeatTap({ heartbeats, sources: config.sources, logger }),
      alertmanagerRoutes({ ingest, sources: config.sources, classLevels, clock }),
      upsRoutes({ ingest, sources: config.sources, clock, metrics, logger }),
      acdRoutes({ ingest, sources: config.sources, businessHours: config.daemon.businessHours, clock, metrics }),
    ],
    api: [
      apiRateLimits(rateLimits),
      apiRoutes({ stores, report, transition, classLevels }),
      reportRoutes({ stores, clock, context: { classes: config.playbooks.classes, roles: config.roles.roles, people: config.roster.people } }),
      onCallRoutes({ overrides, oncall: people.onCall, roles: config.roles.roles, scheduledRoles: Object.keys(config.roster.schedules), clock }),
      maintenanceRoutes({ maintenance: people.maintenance, clock }),
    ],
    twilio: [
      taskRouterRoutes({
        ingest,
        sources: config.sources,
        businessHours: config.daemon.businessHours,
        clock,
        metrics,
        queues: new RedisTaskRouterQueues(redis, makeKeys(env.redisPrefix, 'live'), config.sources.taskrouter.taskTtl),
        publicUrl: env.publicUrl,
        verifySignature: twilioAuthToken ? (url, params, signature) => verifyTwilioSignature(twilioAuthToken, url, params, signature) : undefined,
      }),
      twilioCallbackRoutes({
        actions: phone,
        codec: twilioCodec(messages, config),
        publicUrl: env.publicUrl,
        verifySignature: twilioAuthToken ? (url, params, signature) => verifyTwilioSignature(twilioAuthToken, url, params, signature) : undefined,
      }),
      // The e-mail links (/ack/<token>, /resolve/<token>): the signed token is the authentication.
      actionLinkRoutes({ actions: phone, verify: (token, now, action) => actionLinks.verify(token, now, action), clock }),
    ],
  });

  let server: Server | undefined;
  const stoppers: (() => Promise<void> | void)[] = [];

  return {
    env,
    config,
    logger,
    metrics,
    clock,
    redis,
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
    phone,
    messages,
    app,
    async start() {
      /* background jobs are registered here as they are built */
      handover.start();
      void openGauge.refresh();
      heartbeatJob ??= startHeartbeatJob({ check: async (now) => Promise.all([heartbeats.check(now), openGauge.refresh()]), clock, everyMs: config.sources.heartbeats.check, logger });
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
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          const addr = s.address();
          resolveListen(typeof addr === 'object' && addr ? addr.port : port);
        });
        s.keepAliveTimeout = 65_000;
        server = s;
      });
    },
    async stop() {
      for (const s of stoppers.reverse()) await s();
      handover.stop();
      await heartbeatJob?.stop();
      await scheduler?.stop();
      await engine.idle();
      closeChannels();
      if (server) await new Promise<void>((r) => server?.close(() => r()));
      server?.closeAllConnections?.();
      redis.disconnect();
      replicated?.intake.client.disconnect();
      replicated?.pages.client.disconnect();
    },
  };
}

/**
 * With `incidents.replicas`, the connections intake and pages write on and wait for replicas: one
 * each, because WAIT holds up every command behind it on its connection (the engine's reads keep the
 * first connection, and a page is not held up behind webhooks waiting); undefined without.
 */
async function replicaWaits(redis: RedisClient, config: Config, logger: Logger, connectTimeoutMs: number): Promise<{ intake: ReplicaWait; pages: ReplicaWait } | undefined> {
  const { replicas, replicaWait } = config.daemon.incidents;
  if (replicas === 0) return undefined;
  const open = async (what: 'intake' | 'pages'): Promise<ReplicaWait> => {
    const client = secondConnection(redis);
    if (!client) {
      throw new ConfigError([{ file: 'daemon.yaml', path: 'incidents.replicas', message: 'waiting for replicas needs a standalone or Sentinel Redis, and REDIS_URL names a Redis Cluster (set it to 0)' }]);
    }
    client.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, `redis connection error (${what})`));
    registerScripts(client);
    try {
      await connectRedis(client, connectTimeoutMs);
    } catch (e) {
      logger.error({ err: e }, `redis not reachable at start-up (${what} connection); answering 503 until it does`);
    }
    return { client, replicas, waitMs: replicaWait };
  };
  const [intake, pages] = await Promise.all([open('intake'), open('pages')]);
  return { intake, pages };
}

/** The escalation engine with its Redis stores, channels (log mode until configured), roster and suppression. */
async function buildEscalation(a: {
  o: ContainerOptions;
  redis: RedisClient;
  stores: { live: RedisIncidentRepository; drill: RedisIncidentRepository };
  clock: Clock;
  metrics: Metrics;
  ids: UlidSource;
  /** With `incidents.replicas`: pages' claims and records wait for replicas too, on this connection. */
  replicated: ReplicaWait | undefined;
  settle: (incident: Incident, now: number) => Promise<boolean>;
  messages: MessagesConfig;
}): Promise<{
  engine: EscalationEngine;
  actionLinks: ActionLinks;
  /** Closes the channels' connections (the SMTP transport). */
  closeChannels: () => void;
  /** What a notice about no incident (a shift handover) is sent with. */
  notices: SendNoticeDeps;
  people: { onCall: RosterOnCall; suppression: RuleSuppressionPolicy; maintenance: ManageMaintenance; overrideStore: RedisOverrideRepository };
}> {
  const { o, redis, stores, clock, metrics } = a;
  const { env, config, logger } = o;
  const esc = config.daemon.escalation;
  const liveKeys = makeKeys(env.redisPrefix, 'live');
  const drillKeys = makeKeys(env.redisPrefix, 'drill');

  const snapshots = new RedisPlaybookSnapshots(redis, [liveKeys, drillKeys], config.clockSpeed);
  try {
    if (await snapshots.differs(config.playbooks.version, config.playbooks.classes)) {
      logger.warn({ version: config.playbooks.version }, 'playbooks changed without a new version; open incidents keep the stored chain');
    }
    await snapshots.save(config.playbooks.version, config.playbooks.classes);
  } catch (e) {
    logger.warn({ err: e }, 'playbook snapshot not stored; incidents fall back to the current playbooks');
  }

  let secret = env.linkSecret ?? deriveLinkSecret(env.twilioAuthToken);
  if (!secret) {
    try {
      secret = await sharedLinkSecret(redis, liveKeys);
    } catch (e) {
      logger.warn({ err: e }, 'no shared link secret (Redis down); links signed with a per-process secret');
      secret = makeOwnerId() + makeOwnerId();
    }
  }
  const actionLinks = new ActionLinks(secret, env.publicUrl, esc.linkTtl);

  const { channels, close: closeChannels } = buildChannels(o, a.messages, metrics);
  const overrideStore = new RedisOverrideRepository(redis, liveKeys);
  const onCall = new RosterOnCall(config.roster, overrideStore);
  const maintenance = new ManageMaintenance({ config, store: new RedisMaintenanceRepository(redis, liveKeys), clock, ids: a.ids, logger });
  const suppression = new RuleSuppressionPolicy({
    rules: config.daemon.inhibit,
    maintenance,
    open: { live: new RedisOpenIncidentReader(redis, liveKeys), drill: new RedisOpenIncidentReader(redis, drillKeys) },
    maxAgeMs: esc.tick,
  });

  const limits = throttleLimits(config.daemon.throttle, config.clockSpeed);
  const throttle = new ThrottlePages({
    limits,
    phases: new Set(config.daemon.throttle.phases),
    stores: { live: new RedisThrottleRepository(redis, liveKeys, throttleMemoryMs(limits)), drill: new RedisThrottleRepository(redis, drillKeys, throttleMemoryMs(limits)) },
    leaseMs: esc.lease,
    metrics,
    logger,
  });
  const channelsFor = (person: string, role: string) => config.roster.people[person]?.channels ?? config.roles.roles[role]?.channels ?? [];
  const dispatcher = new DispatchNotification({
    channels,
    channelsFor,
    retry: esc.retry,
    leaseMs: esc.lease,
    codeTtlMs: esc.replyCodeTtl,
    links: actionLinks,
    now: () => clock.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    metrics,
    logger,
    owner: makeOwnerId(),
    throttle,
  });
  const replicaWaitOfPages =
    a.replicated &&
    new PageReplicaWait(a.replicated, config.daemon.incidents.replicaPause, (write, confirmed) => {
      metrics.redisUnreplicated.inc({ write });
      o.logger.warn({ write, confirmed, replicas: a.replicated?.replicas }, 'a page went ahead before enough Redis replicas confirmed its claim or record');
    });
  const namespaces: EngineNamespace[] = (['live', 'drill'] as const).map((ns) => {
    const keys = ns === 'live' ? liveKeys : drillKeys;
    return {
      ns,
      incidents: stores[ns],
      queue: new RedisEscalationQueue(redis, keys, { leaseMs: esc.lease }),
      state: new RedisEscalationState(redis, keys, stores[ns]),
      notifications: new RedisNotificationRepository(redis, keys, replicaWaitOfPages),
    };
  });
  const engine = new EscalationEngine({
    config,
    namespaces,
    snapshots,
    onCall,
    suppression,
    dispatcher,
    person: (id) => recipientOf(config.roster, id),
    clock,
    metrics,
    logger,
    settle: a.settle,
  });
  const notices = { channels, channelsFor, metrics, logger };
  return { engine, actionLinks, closeChannels, notices, people: { onCall, suppression, maintenance, overrideStore } };
}

/**
 * The channels from the environment: Twilio SMS and voice with TWILIO_ACCOUNT_SID / AUTH_TOKEN / FROM,
 * e-mail with SMTP_URL; otherwise log mode for that kind (recorded as `logged`, never dropped).
 */
function buildChannels(o: ContainerOptions, messages: MessagesConfig, metrics: Metrics): { channels: Record<ChannelKind, Channel>; close: () => void } {
  const { env, logger } = o;
  const twilio = env.twilio ? createTwilioChannels({ settings: env.twilio, publicUrl: env.publicUrl, messages, logger, metrics }) : undefined;
  const email = env.smtpUrl ? createEmailChannel({ smtpUrl: env.smtpUrl, from: env.mailFrom, messages, logger }) : undefined;
  logger.info({ sms: twilio ? 'twilio' : 'log', voice: twilio ? 'twilio' : 'log', email: email ? 'smtp' : 'log' }, 'channels');
  return {
    channels: {
      sms: twilio?.sms ?? new LogChannel('sms', logger),
      voice: twilio?.voice ?? new LogChannel('voice', logger),
      email: email ?? new LogChannel('email', logger),
    },
    close: () => email?.close(),
  };
}

/** The Twilio adapter's parsing and TwiML, handed to the callback routes (ingest never imports channels). */
function twilioCodec(messages: MessagesConfig, config: Config): TwilioCallbackCodec {
  const script = (a: KeyAnswer) => {
    const { incident, notification: n, recipient } = a;
    if (!incident || !n || !recipient) return undefined;
    return renderVoice(messages, {
      notificationId: n.id,
      incident,
      recipient,
      role: n.role,
      tier: n.tier,
      channel: 'voice',
      phase: (n.phase ?? 'page') as Phase,
      note: n.note,
      advice: config.playbooks.classes[incident.class]?.advice,
      code: n.code ?? '',
      links: { ack: '', resolve: '' },
    });
  };
  return {
    parseInboundSms: (p) => parseInboundSms(p),
    parseGather: (p, q) => parseGatherAction(p, q),
    parseSmsStatus: (p, q) => {
      const u = parseSmsStatusCallback(p, q);
      return { ...u, final: u.status === 'delivered' || u.status === 'failed', outcome: u.status === 'failed' ? u.providerStatus : undefined };
    },
    parseVoiceStatus: (p, q) => {
      const u = parseVoiceStatusCallback(p, q);
      return { ...u, failure: u.status === 'failed' ? (u.retry ? 'temporary' : 'permanent') : undefined };
    },
    smsAnswer: (a) => smsReplyTwiml(smsReplyText(messages, a.locale, a.outcome, { code: a.code, classId: a.classId, site: a.site, summary: a.summary })),
    gatherAnswer: (a, url) => {
      switch (a.reply) {
        case 'repeat':
        case 'invalid_key':
          return gatherReplyTwiml(messages, a.locale, { kind: a.reply, script: script(a) }, url);
        default:
          return gatherReplyTwiml(messages, a.locale, { kind: a.reply }, url);
      }
    },
  };
}
