/** Wires the escalation engine: its Redis stores, playbook snapshots, action links, channels, roster, suppression and throttle. */
import { ActionLinks } from '../app/action-links.js';
import { DispatchNotification } from '../app/dispatch-notification.js';
import type { EngineNamespace, TimedEnds } from '../app/escalation-engine-ports.js';
import { ManageMaintenance } from '../app/manage-maintenance.js';
import { RosterOnCall, recipientOf } from '../app/roster-on-call.js';
import { EscalationEngine, makeOwnerId } from '../app/run-escalations.js';
import type { SendNoticeDeps } from '../app/send-notice.js';
import { RuleSuppressionPolicy } from '../app/suppression-policy.js';
import { HastenHeldPages } from '../app/hasten-held-pages.js';
import { ReinstateCappedPages } from '../app/reinstate-capped-pages.js';
import { ThrottlePages, throttleLimits, throttleMemoryMs } from '../app/throttle-pages.js';
import { takeoverGraceMs } from '../config/claim-timings.js';
import type { MessagesConfig } from '../config/messages-schema.js';
import type { ChannelKind, Incident } from '../domain/incident.js';
import { isCritical } from '../domain/throttle.js';
import type { UlidSource } from '../platform/ids.js';
import { RedisEscalationQueue } from '../store/escalation-queue.js';
import { RedisEscalationState } from '../store/escalation-state.js';
import type { RedisIncidentRepository } from '../store/incident-repository.js';
import { makeKeys } from '../store/keys.js';
import { RedisMaintenanceRepository } from '../store/maintenance-repository.js';
import { RedisNotificationRepository } from '../store/notification-repository.js';
import { RedisOpenIncidentReader } from '../store/open-incident-reader.js';
import { RedisOverrideRepository } from '../store/override-repository.js';
import { PageReplicaWait } from '../store/page-replica-wait.js';
import { RedisPlaybookSnapshots } from '../store/playbook-snapshots.js';
import { reconnectPace, type ReplicaWait } from '../store/redis.js';
import { RedisThrottleRepository } from '../store/throttle-repository.js';
import { buildChannels } from './channel-wiring.js';
import type { DaemonCore } from './daemon-core.js';

export interface EscalationWiring {
  engine: EscalationEngine;
  actionLinks: ActionLinks;
  /** Closes the channels' connections (the SMTP transport). */
  closeChannels: () => void;
  /** Writes once more, then stops writing, the records of sent pages still waiting for Redis (those that still fail are logged). */
  stopDispatch: () => Promise<void>;
  /** What a notice about no incident (a shift handover) is sent with. */
  notices: SendNoticeDeps;
  people: { onCall: RosterOnCall; suppression: RuleSuppressionPolicy; maintenance: ManageMaintenance; overrideStore: RedisOverrideRepository };
}

/** The escalation engine with its Redis stores, channels (log mode until configured), roster and suppression. */
export async function buildEscalation(a: {
  core: DaemonCore;
  stores: { live: RedisIncidentRepository; drill: RedisIncidentRepository };
  ids: UlidSource;
  /** With `incidents.replicas`: pages' claims and records wait for replicas too, on this connection. */
  replicated: ReplicaWait | undefined;
  settle: (incident: Incident, now: number) => Promise<boolean>;
  /** Members that end at a time of day (an ACD agents collapse at closing time). */
  timedEnds: TimedEnds;
  messages: MessagesConfig;
  /** Signs the e-mail action links (resolveLinkSecret). */
  linkSecret: string;
}): Promise<EscalationWiring> {
  const { core, stores } = a;
  const { env, config, logger, metrics, clock, redis } = core;
  const esc = config.daemon.escalation;
  // each class's count of incidents no tier fitted is there from the start at 0, so that its first one
  // is an increase (the TocsinPlaybookGap rule) and the dashboard shows the classes without one
  for (const k of Object.keys(config.playbooks.classes)) metrics.incidentsUnmatched.inc({ class: k }, 0);
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

  const actionLinks = new ActionLinks(a.linkSecret, env.publicUrl, esc.linkTtl);

  const { channels, close: closeChannels } = buildChannels(core, a.messages);
  const overrideStore = new RedisOverrideRepository(redis, liveKeys);
  const onCall = new RosterOnCall(config.roster, overrideStore);
  const open = { live: new RedisOpenIncidentReader(redis, liveKeys), drill: new RedisOpenIncidentReader(redis, drillKeys) };
  const queues = { live: new RedisEscalationQueue(redis, liveKeys, { leaseMs: esc.lease }), drill: new RedisEscalationQueue(redis, drillKeys, { leaseMs: esc.lease }) };
  const held = (['live', 'drill'] as const).map((ns) => ({ listOpen: open[ns].listOpen.bind(open[ns]), lookNow: queues[ns].lookNow.bind(queues[ns]) }));
  const maintenance = new ManageMaintenance({ config, store: new RedisMaintenanceRepository(redis, liveKeys), clock, ids: a.ids, logger, held });
  const limits = throttleLimits(config.daemon.throttle, config.clockSpeed);
  // a maintenance window holds back a critical page (throttle.criticalClasses, criticalLevel) only when it names its class
  const suppression = new RuleSuppressionPolicy({ rules: config.daemon.inhibit, maintenance, open, maxAgeMs: esc.tick, isCritical: (inc) => isCritical(inc, limits) });
  maintenance.onChanged(() => suppression.invalidate());

  const keepMs = throttleMemoryMs(limits);
  const throttleStores = { live: new RedisThrottleRepository(redis, liveKeys, keepMs), drill: new RedisThrottleRepository(redis, drillKeys, keepMs) };
  const throttled = new Set(config.daemon.throttle.phases);
  const throttle = new ThrottlePages({
    limits,
    phases: throttled,
    gathered: new Set(config.daemon.throttle.gather),
    stores: throttleStores,
    leaseMs: esc.lease,
    suppression,
    metrics,
    logger,
  });
  const hasten = new HastenHeldPages({ limits, phases: throttled, throttle, logger });
  const reinstate = new ReinstateCappedPages({ limits, phases: throttled, throttle, logger });
  const channelsFor = (person: string, role: string) => config.roster.people[person]?.channels ?? config.roles.roles[role]?.channels ?? [];
  const dispatcher = new DispatchNotification({
    channels,
    channelsFor,
    emailFromLevel: esc.emailFromLevel,
    retry: esc.retry,
    leaseMs: esc.lease,
    codeTtlMs: esc.replyCodeTtl,
    links: actionLinks,
    now: () => clock.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    storeRetry: reconnectPace({ firstMs: config.daemon.redis.reconnect.first, maxMs: config.daemon.redis.reconnect.max }),
    onStoreReady: (listener) => redis.on('ready', listener),
    // a claim taken over waits out its former sender's longest retry pause (redis.reconnect.max) and
    // one command: a record that sender could not write while Redis was down lands meanwhile
    // (README "Running more than one")
    takeoverGraceMs: takeoverGraceMs(config.daemon.redis),
    stopWriteMs: config.daemon.redis.commandTimeout,
    metrics,
    logger,
    owner: makeOwnerId(),
    throttle,
  });
  const replicaWaitOfPages =
    a.replicated &&
    new PageReplicaWait(a.replicated, config.daemon.incidents.replicaPause, (write, confirmed) => {
      metrics.redisUnreplicated.inc({ write });
      logger.warn({ write, confirmed, replicas: a.replicated?.replicas }, 'a page went ahead before enough Redis replicas confirmed its claim or record');
    });
  const namespaces: EngineNamespace[] = (['live', 'drill'] as const).map((ns) => {
    const keys = ns === 'live' ? liveKeys : drillKeys;
    return {
      ns,
      incidents: stores[ns],
      queue: queues[ns],
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
    timedEnds: a.timedEnds,
    hasten: (inc, incidents, now) => hasten.run(inc, incidents, now),
    reinstate: (inc, incidents, controlled, now, heldBack) => reinstate.run(inc, incidents, controlled, now, heldBack),
  });
  // a notice counts toward the person's throttles as a live message (a handover is never a drill),
  // from before its channel is asked until that channel fails
  const notices = {
    channels,
    channelsFor,
    metrics,
    logger,
    count: (person: string, channel: ChannelKind, id: string) => throttle.count(person, channel, id, clock.now()),
    uncount: (person: string, channel: ChannelKind, id: string) => throttle.uncount(person, channel, id, clock.now()),
  };
  return { engine, actionLinks, closeChannels, stopDispatch: () => dispatcher.stop(), notices, people: { onCall, suppression, maintenance, overrideStore } };
}
