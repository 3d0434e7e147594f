/**
 * The closed schema of the files under config/. Parsed once at start-up, then frozen.
 * Durations are written as "30s", "5m", "1h30m". Two kinds:
 *  - `wait`: a time the daemon waits (tier delays, cadences, hold times, windows). Divided by
 *    TOCSIN_CLOCK_SPEED so drills and tests can run a playbook's minutes in seconds.
 *  - `span`: a fact about the world compared with telemetry (a UPS runtime, business hours). Never scaled.
 */
import { z } from 'zod';
import { parseBytes, parseDuration } from './durations.js';

export const CLASS_ID = /^[a-z][a-z0-9_]*$/;
export const CHANNELS = ['sms', 'voice', 'email'] as const;
export const TIER_CONDITIONS = ['unacknowledged', 'unresolved', 'uncontrolled'] as const;

const id = z.string().regex(CLASS_ID, 'must be a snake_case id such as app_network_acd');
const level = z.number().int().min(1).max(5);
const channel = z.enum(CHANNELS);

function durationSchema(scale: number) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? (v >= 0 ? v * 1000 : undefined) : parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (write e.g. "30s", "5m", "1h30m"; a bare number is seconds)` });
      return z.NEVER;
    }
    return Math.max(0, Math.round(ms / scale));
  });
}

const bytes = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseBytes(v);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a size (write e.g. "1mb", "512kb")` });
    return z.NEVER;
  }
  return n;
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');
const isoInstant = z.string().datetime({ offset: true });

/** Phases a throttle may hold back. */
export const THROTTLED_PHASES = ['page', 'escalation', 'level_raised', 'update', 'all_clear', 'reminder'] as const;

/** One channel's limits for one person: messages per 15 minutes and per hour, and the least gap between two. */
function throttleChannel(wait: ReturnType<typeof durationSchema>) {
  return z.strictObject({
    per15m: z.number().int().min(1),
    perHour: z.number().int().min(1),
    minGap: wait,
  });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Every file's schema, with `wait` durations divided by the clock speed. */
export function makeSchemas(clockSpeed: number) {
  const wait = durationSchema(clockSpeed);
  const span = durationSchema(1);

  const businessHours = z.strictObject({
    timezone: timeZone,
    days: z.array(weekday).min(1),
    start: hhmm,
    end: hhmm,
  });

  const scope = {
    sites: z.array(z.string().min(1)).min(1).optional(),
    classes: z.array(id).min(1).optional(),
    /** Exact label values the incident must carry. */
    labels: z.record(z.string(), z.string()).optional(),
  };
  const maintenanceWindow = z
    .strictObject({ name: z.string().min(1), from: isoInstant, until: isoInstant, ...scope })
    .refine((w) => Date.parse(w.from) < Date.parse(w.until), { message: 'until must be after from', path: ['until'] });
  const incidentMatcher = z
    .strictObject({ class: id.optional(), classes: z.array(id).min(1).optional(), labels: z.record(z.string(), z.string()).optional() })
    .refine((m) => m.class !== undefined || m.classes !== undefined, 'name a class or classes');
  const inhibitRule = z.strictObject({
    name: z.string().min(1).optional(),
    source: incidentMatcher,
    target: incidentMatcher,
    /** Fields whose values must be equal in source and target: `site`, `class` or a label name. */
    equal: z.array(z.string().min(1)).default(['site']),
  });

  /** `requests` per `per` (a span), with a whole window's requests allowed as a burst. */
  const rateLimit = z.strictObject({ requests: z.number().int().min(1).max(10_000_000), per: span });

  const daemon = z.strictObject({
    http: z.strictObject({ bodyLimit: bytes.default(1024 * 1024) }).prefault({}),
    timezone: timeZone.default('UTC'),
    businessHours,
    incidents: z
      .strictObject({
        /** A refire this soon after a resolution reopens the same incident. */
        reopenWindow: wait.prefault('10m'),
        /** How long resolved incidents stay queryable in Redis. */
        retention: span.prefault('30d'),
        /** Timeline entries kept per incident (duplicates are coalesced into one entry per member). */
        maxTimeline: z.number().int().min(50).default(1000),
        /** Events per ingest script call: webhooks arriving together share one call, up to this many events. */
        ingestBatch: z.number().int().min(1).max(1000).default(64),
        /** Ingest script calls on their way to Redis at once; webhooks arriving meanwhile wait to share the next. */
        ingestInFlight: z.number().int().min(1).max(64).default(4),
      })
      .prefault({}),
    escalation: z
      .strictObject({
        tick: wait.prefault('1s'),
        lease: wait.prefault('30s'),
        batch: z.number().int().min(1).max(10_000).default(200),
        /** Incidents run at once outside the tick (just opened, acknowledged, resolved); more wait for the tick. */
        kicks: z.number().int().min(1).max(10_000).default(64),
        /**
         * Processes running the engine: the daemon itself and `workers - 1` engine-only processes it
         * starts beside it (no HTTP), each claiming its own batches; their metrics join the daemon's.
         */
        workers: z.number().int().min(1).max(16).default(1),
        audit: wait.prefault('1m'),
        /** Retryable channel failures: attempts per channel (first included) and the wait before each retry. */
        retry: z
          .strictObject({
            attempts: z.number().int().min(1).max(10).default(3),
            backoff: z.array(wait).min(1).prefault(['2s', '10s']),
          })
          .prefault({}),
        /**
         * Calls nobody answered (no answer, busy, voicemail): calls per page, the first included, `every`
         * apart; then the person's next channel. An answered call without a key press is not retried.
         */
        voiceRetry: z
          .strictObject({
            attempts: z.number().int().min(1).max(10).default(3),
            every: wait.prefault('1m'),
          })
          .prefault({}),
        /** How long an SMS reply code (`<code>a`) stays valid. */
        replyCodeTtl: span.prefault('7d'),
        /** How long acknowledge / resolve links stay valid. */
        linkTtl: span.prefault('7d'),
      })
      .prefault({}),
    /** Scheduled maintenance windows: escalations in scope pause until `until` (events are still recorded). */
    maintenance: z.array(maintenanceWindow).default([]),
    /** Inhibition rules (Alertmanager style): an open source incident holds back pages of matching targets. */
    inhibit: z.array(inhibitRule).default([]),
    /** Overrides and maintenance windows made through the API must end at most this far ahead. */
    maxAhead: z.strictObject({ override: span.prefault('7d'), maintenance: span.prefault('7d') }).prefault({}),
    /** Per-destination throttles, bundling and the daily cap per person (README "Throttles and bundling"). */
    throttle: z
      .strictObject({
        /** Incidents at this level or above are critical: never dropped, delayed at most the channel's minGap. */
        criticalLevel: level.default(4),
        /** Non-critical messages one person gets on every channel together in 24 h; more are suppressed. */
        dailyCap: z.number().int().min(1).default(40),
        /** Pages to a person this soon after a message to them are gathered into one message. */
        bundleWindow: wait.prefault('2m'),
        /** The phases throttled; the others (all-clear, reminders) always go, and count. */
        phases: z.array(z.enum(THROTTLED_PHASES)).default(['page', 'escalation', 'level_raised', 'update']),
        perChannel: z
          .strictObject({
            sms: throttleChannel(wait).prefault({ per15m: 5, perHour: 10, minGap: '1m' }),
            voice: throttleChannel(wait).prefault({ per15m: 3, perHour: 6, minGap: '2m' }),
            email: throttleChannel(wait).prefault({ per15m: 10, perHour: 30, minGap: '0s' }),
          })
          .prefault({}),
      })
      .prefault({}),
    /**
     * Per-source request limits (shared by every replica on one Redis; counted in real time, never
     * scaled by TOCSIN_CLOCK_SPEED). A request carrying a critical class is never refused.
     */
    rateLimits: z
      .strictObject({
        /** Requests whose class reaches this level are critical. */
        criticalLevel: level.default(4),
        /** Classes that are critical whatever their level. */
        criticalClasses: z.array(id).default(['security', 'power']),
        perSource: z
          .strictObject({
            alertmanager: rateLimit.optional(),
            ups: rateLimit.optional(),
            acd: rateLimit.optional(),
            api: rateLimit.optional(),
          })
          .prefault({}),
      })
      .prefault({}),
  });

  const tier = z.strictObject({
    /** Delay after the incident opened. */
    after: wait.default(0),
    /** Only once the incident has reached this level (e.g. the generator call at level 4). */
    atLevel: level.optional(),
    /** The tier runs only while this still holds at its minute. */
    when: z.enum(TIER_CONDITIONS).default('unacknowledged'),
    roles: z.array(id).min(1),
    /** Channels for this tier; default: each person's preferred channels. */
    channels: z.array(channel).min(1).optional(),
    /** Only for incidents whose labels match (e.g. kind: fire). */
    match: z.record(z.string(), z.string()).optional(),
    /** A line added to the message (e.g. "start the generator"). */
    note: z.string().optional(),
    /** Page the same roles again every `every` while the condition holds, at most `times` more. */
    repeat: z.strictObject({ every: wait, times: z.number().int().min(1).max(100) }).optional(),
  });

  const klass = z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Level given when nothing else says. */
    level: level,
    /** Incidents merge on this key. Placeholders: {class} {site} {group} {label.NAME}. */
    group: z.string().default('{class}:{site}'),
    /** `source`: the monitor's resolution closes it; `manual`: only a person closes it. */
    resolution: z.enum(['source', 'manual']).default('source'),
    /** Advice every page of this class carries (load shedding, paper records, evacuate…). */
    advice: z.string().optional(),
    /** Level climbs by itself while the incident stays unresolved. */
    climb: z.array(z.strictObject({ after: wait, level })).default([]),
    tiers: z.array(tier).min(1),
    onResolve: z
      .strictObject({
        notify: z.enum(['paged', 'none']).default('paged'),
        reminders: z.array(z.strictObject({ after: wait.default(0), roles: z.array(id).min(1), note: z.string() })).default([]),
      })
      .prefault({}),
    acknowledgeTimeout: wait.optional(),
    /** A written report is due this long after the end (the record reminds its owner). */
    reportDue: wait.optional(),
  });

  const playbooks = z.strictObject({
    version: z.string().min(1),
    classes: z.record(id, klass),
  });

  const severity = z.strictObject({
    levels: z
      .array(
        z.strictObject({
          level,
          name: z.string(),
          grade: z.enum(['general', 'important', 'urgent']),
          /** Roles told when an incident reaches this level. */
          roles: z.array(id).default([]),
          /** Status update to everyone paged, this often, until resolved. */
          updateEvery: wait.optional(),
          /** Unresolved this long at this level → raised to `raiseTo`. */
          raiseAfter: wait.optional(),
          raiseTo: level.optional(),
          /** The roles must have been told within this time of reaching the level. */
          within: wait.optional(),
          /** What happens when nobody solves it in time (written report, report in person). */
          overdue: z.strictObject({ after: wait, action: z.string() }).optional(),
        }),
      )
      .length(5),
  });

  const roles = z.strictObject({
    roles: z.record(id, z.strictObject({ name: z.string(), channels: z.array(channel).default([]), paged: z.boolean().default(true) })),
  });

  const person = z.strictObject({
    name: z.string(),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15005550006').optional(),
    email: z.string().email().optional(),
    channels: z.array(channel).min(1),
    locale: z.enum(['en', 'zh-CN']).default('en'),
    timezone: timeZone.default('UTC'),
  });

  const roster = z.strictObject({
    people: z.record(id, person),
    /** Who holds each role: a list of shifts, each with its own rotation. */
    schedules: z.record(
      id,
      z.strictObject({
        timezone: timeZone,
        shifts: z
          .array(
            z.strictObject({
              name: z.string().optional(),
              days: z.array(weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
              start: hhmm.default('00:00'),
              end: hhmm.default('00:00'),
              /** Rotation: the first person holds the shift for `every`, then the next… */
              rotation: z.strictObject({
                people: z.array(id).min(1),
                every: span.prefault('7d'),
                /** The moment the first person starts (ISO-8601). */
                from: z.string().datetime({ offset: true }).default('2026-01-05T00:00:00Z'),
              }),
            }),
          )
          .min(1),
      }),
    ),
    handover: z
      .strictObject({
        notify: z.boolean().default(true),
        before: span.prefault('15m'),
        /** Open incidents named in the incoming person's notice; past this only their number is given. */
        list: z.number().int().min(1).max(50).default(5),
      })
      .prefault({}),
  });

  const labelMatch = z.record(z.string(), z.string());

  const sources = z.strictObject({
    alertmanager: z.strictObject({
      classLabel: z.string().default('class'),
      siteLabel: z.string().default('site'),
      severityLabel: z.string().default('severity'),
      defaultSite: z.string().default('default'),
      /** Severity label → level. Thresholds in the rules may raise it. */
      severityLevels: z.record(z.string(), level),
      /** First matching rule wins; values are regular expressions matched against the whole label. */
      rules: z.array(z.strictObject({ name: z.string().optional(), match: labelMatch, class: id, level: level.optional() })),
      defaultClass: id,
      /** Alerts of one class and site merge when the class groups so; `{group}` is the fingerprint. */
    }),
    ups: z.strictObject({
      defaultSite: z.string().default('default'),
      onBattery: z.strictObject({ class: id, level }),
      /** On battery and charge below this percent: start the generator. */
      generator: z.strictObject({ chargeBelow: z.number().min(0).max(100), level }),
      /** LB, or runtime shorter than the generator's start time: critical. */
      critical: z.strictObject({ generatorStartTime: span, level }),
      /** The centre's own line failed: input voltage below this (V) while the UPS is on bypass or off. */
      lineFault: z.strictObject({ class: id, level, inputVoltageBelow: z.number().min(0).default(100) }),
      replaceBattery: z.strictObject({ class: id, level }),
      overload: z.strictObject({ class: id, level }),
      bypass: z.strictObject({ class: id, level }),
      commLost: z.strictObject({ class: id, level }),
      temperature: z.strictObject({ above: z.number(), class: id, level }),
      /** Back on line must hold this long before the outage resolves (stops flapping pages). */
      onlineHold: wait.prefault('30s'),
    }),
    acd: z.strictObject({
      defaultQueue: z.string().default('main'),
      surge: z.strictObject({
        class: id,
        level,
        callsWaitingAbove: z.number().min(0),
        longestWaitAbove: span,
        serviceLevelBelow: z.number().min(0).max(1),
        abandonRateAbove: z.number().min(0).max(1),
        /** Offered calls per interval above this multiple of the baseline. */
        offeredMultiple: z.number().min(1),
        baseline: z.strictObject({ callsOffered: z.number().min(0), interval: span }),
        /** Figures must stay under the thresholds this long before the surge counts as controlled. */
        hold: wait,
      }),
      agentsCollapse: z.strictObject({
        class: id,
        level,
        /** Logged-in agents below this during business hours. */
        loggedInBelow: z.number().int().min(0),
      }),
      seats: z.strictObject({ class: id, level }),
    }),
    taskrouter: z
      .strictObject({
        /** Workspace SID → site. */
        sites: z.record(z.string(), z.string()).default({}),
        defaultSite: z.string().default('default'),
        /** Worker activities that count as available (case-insensitive). */
        availableActivities: z.array(z.string().min(1)).min(1).default(['Available', 'Idle']),
        /** A task with no news for this long is dropped from the per-queue waiting counts. */
        taskTtl: span.prefault('1d'),
      })
      .prefault({}),
    /**
     * The dead-man's switch: a source that stops reporting for `missingAfter` opens an incident of
     * `class`; its next report resolves it. Only keys seen at least once, or listed in `expected`,
     * are watched. Keys: Alertmanager = site; UPS = site/device; ACD = site/queue.
     */
    heartbeats: z
      .strictObject({
        class: id.default('network_infosys'),
        level: level.default(2),
        /** How often the daemon looks for silent sources. */
        check: wait.prefault('30s'),
        alertmanager: z
          .strictObject({
            enabled: z.boolean().default(true),
            /** The always-firing alert that only feeds the heartbeat (never an incident itself). */
            alertname: z.string().min(1).default('Watchdog'),
            missingAfter: wait.prefault('10m'),
            expected: z.array(z.string().min(1)).default([]),
          })
          .prefault({}),
        ups: z.strictObject({ enabled: z.boolean().default(true), missingAfter: wait.prefault('5m'), expected: z.array(z.string().min(1)).default([]) }).prefault({}),
        acd: z.strictObject({ enabled: z.boolean().default(true), missingAfter: wait.prefault('30m'), expected: z.array(z.string().min(1)).default([]) }).prefault({}),
      })
      .prefault({}),
  });

  return { daemon, playbooks, severity, roles, roster, sources };
}

export type Schemas = ReturnType<typeof makeSchemas>;
export type DaemonConfig = z.output<Schemas['daemon']>;
export type PlaybooksConfig = z.output<Schemas['playbooks']>;
export type ClassConfig = PlaybooksConfig['classes'][string];
export type TierConfig = ClassConfig['tiers'][number];
export type SeverityConfig = z.output<Schemas['severity']>;
export type RolesConfig = z.output<Schemas['roles']>;
export type RosterConfig = z.output<Schemas['roster']>;
export type SourcesConfig = z.output<Schemas['sources']>;
export type HeartbeatsConfig = SourcesConfig['heartbeats'];
export type MaintenanceWindowConfig = DaemonConfig['maintenance'][number];
export type InhibitRuleConfig = DaemonConfig['inhibit'][number];
export type RateLimitsConfig = DaemonConfig['rateLimits'];

/** The files, in the order they are read. */
export const CONFIG_FILES = ['daemon', 'playbooks', 'severity', 'roles', 'roster', 'sources'] as const;
export type ConfigFileName = (typeof CONFIG_FILES)[number];
