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
    per15m: z.number().int().min(1).describe('Messages to one person on this channel per 15 minutes, at most.'),
    perHour: z.number().int().min(1).describe('Messages to one person on this channel per hour, at most.'),
    minGap: wait.describe(durationText('The least time between two messages to one person on this channel.')),
  });
}

/**
 * The description of a duration field for editors (config/schema/*.json): what it is, how it is
 * written, and its default when it has one.
 */
function durationText(what: string, byDefault?: string): string {
  return `${what} A duration such as "30s", "5m" or "1h30m" (a bare number is seconds)${byDefault === undefined ? '' : `; default ${byDefault}`}.`;
}

/** A whole number from `min` to `max`, `byDefault` when left out. */
function wholeNumber(min: number, max: number, byDefault: number) {
  return z.number().int().min(min).max(max).default(byDefault);
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

  /** Descriptions shared by the many `{ class, level }` pairs of sources.yaml. */
  const CLASS_OPENED = 'Class of the incident it opens (a class id of playbooks.yaml).';
  const LEVEL_OPENED = 'Level of that incident, 1–5.';

  const businessHours = z.strictObject({
    timezone: timeZone.describe('IANA time zone the days and hours are read in (e.g. Asia/Shanghai).'),
    days: z.array(weekday).min(1).describe('Weekdays with business hours: mon, tue, wed, thu, fri, sat, sun.'),
    start: hhmm.describe('Opening time, HH:MM (24-hour), local.'),
    end: hhmm.describe('Closing time, HH:MM (24-hour), local; at or before `start` the hours run past midnight (equal: around the clock).'),
  });

  const scope = {
    sites: z.array(z.string().min(1)).min(1).optional().describe('Only incidents at these sites.'),
    classes: z.array(id).min(1).optional().describe('Only incidents of these classes (ids of playbooks.yaml).'),
    /** Exact label values the incident must carry. */
    labels: z.record(z.string(), z.string()).optional().describe('Only incidents carrying these exact label values (label name → value).'),
  };
  const maintenanceWindow = z
    .strictObject({
      name: z.string().min(1).describe('Name of the window.'),
      from: isoInstant.describe('When the window starts: an ISO-8601 date-time with offset, e.g. "2026-12-05T22:00:00+08:00".'),
      until: isoInstant.describe('When the window ends (required, after `from`): an ISO-8601 date-time with offset.'),
      ...scope,
    })
    .refine((w) => Date.parse(w.from) < Date.parse(w.until), { message: 'until must be after from', path: ['until'] });
  const incidentMatcher = z
    .strictObject({
      class: id.optional().describe('The incident is of this class (name a class or classes).'),
      classes: z.array(id).min(1).optional().describe('The incident is of one of these classes (name a class or classes).'),
      labels: z.record(z.string(), z.string()).optional().describe('Exact label values the incident must carry (label name → value).'),
    })
    .refine((m) => m.class !== undefined || m.classes !== undefined, 'name a class or classes');
  const inhibitRule = z.strictObject({
    name: z.string().min(1).optional().describe('Name of the rule, as recorded on inhibited incidents (default inhibit.<index>).'),
    source: incidentMatcher.describe('The root cause: an open incident matching this holds back the pages of the targets.'),
    target: incidentMatcher.describe('The incidents whose pages are held back while a source incident is open.'),
    /** Fields whose values must be equal in source and target: `site`, `class` or a label name. */
    equal: z
      .array(z.string().min(1))
      .default(['site'])
      .describe('Fields whose values must be equal in source and target: `site`, `class` or a label name. Default [site].'),
  });

  /** `requests` per `per` (a span), with a whole window's requests allowed as a burst. */
  const rateLimit = z.strictObject({
    requests: z.number().int().min(1).max(10_000_000).describe("Requests allowed per `per` (1–10 000 000); a whole window's requests may come as a burst."),
    per: span.describe(durationText('The window the requests are counted over, in real time.')),
  });

  const daemon = z.strictObject({
    http: z
      .strictObject({
        bodyLimit: bytes
          .default(1024 * 1024)
          .describe('Largest request body accepted, e.g. "1mb", "512kb" or a number of bytes; larger bodies get 413. Default 1mb.'),
      })
      .prefault({})
      .describe('The HTTP server.'),
    timezone: timeZone.default('UTC').describe("The centre's local IANA time zone (e.g. Asia/Shanghai): the time zone of people who give none in roster.yaml. Default UTC."),
    businessHours: businessHours.describe('When "during business hours" holds (the ACD agents-collapse check opens incidents only then, and climbs marked hours: business count only then): local days and hours in a time zone.'),
    incidents: z
      .strictObject({
        /** A refire this soon after a resolution reopens the same incident. */
        reopenWindow: wait.prefault('10m').describe(durationText('A refire this soon after a resolution reopens the same incident.', '10m')),
        /** How long resolved incidents stay queryable in Redis. */
        retention: span.prefault('30d').describe(durationText('How long resolved incidents stay queryable in Redis.', '30d')),
        /** Timeline entries kept per incident (duplicates are coalesced into one entry per member). */
        maxTimeline: z
          .number()
          .int()
          .min(50)
          .default(1000)
          .describe('Timeline entries kept per incident (duplicates are coalesced into one entry per member); at least 50. Default 1000.'),
        /** Events per ingest script call: webhooks arriving together share one call, up to this many events. */
        ingestBatch: wholeNumber(1, 1000, 64)
          .describe('Events per ingest script call: webhooks arriving together share one call, up to this many events (1–1000). Default 64.'),
        /** Ingest script calls on their way to Redis at once; webhooks arriving meanwhile wait to share the next. */
        ingestInFlight: wholeNumber(1, 64, 4)
          .describe('Ingest script calls on their way to Redis at once (1–64); webhooks arriving meanwhile wait to share the next. Default 4.'),
        /** Replicas that must hold a webhook's events before it is answered 200 (Redis WAIT); 0: answer once the primary has them. */
        replicas: wholeNumber(0, 16, 0).describe(
          "Replicas of the Redis primary that must hold a webhook's events before it is answered 200 (Redis WAIT), so that a failover loses nothing acknowledged (0–16; a standalone or Sentinel Redis, not a Cluster). When fewer confirm within replicaWait the webhook answers 503 and the sender's retry is deduplicated. Default 0: answer once the primary has them.",
        ),
        /** How long a webhook waits for `replicas` to confirm its events. */
        replicaWait: span.prefault('1s').describe(durationText('How long a webhook waits for `replicas` to confirm its events before it answers 503; real time, never sped up by TOCSIN_CLOCK_SPEED.', '1s')),
        /** After replicas failed to confirm a page's claim or record in time, pages go ahead without waiting this long. */
        replicaPause: span.prefault('10s').describe(durationText("After replicas failed to confirm a page's claim or record within replicaWait, pages go ahead without waiting for them this long, so that a lagging replica delays one page, not every page in turn; real time.", '10s')),
        /** Members an incident's JSON lists at most; GET /api/incidents/:id/members pages through all of them. */
        membersShown: wholeNumber(1, 10_000, 200)
          .describe("Members an incident's JSON lists at most (1–10 000), so that reading an incident of a storm's thousands of alerts stays cheap; GET /api/incidents/:id/members pages through all of them. Default 200."),
      })
      .prefault({})
      .describe('Incident lifetime and intake batching.'),
    escalation: z
      .strictObject({
        tick: wait.prefault('1s').describe(durationText('How often due escalation steps are claimed (sooner when a step falls due before then).', '1s')),
        /** Failure detection, in real time: TOCSIN_CLOCK_SPEED never shortens it below what a send takes. */
        lease: span
          .prefault('30s')
          .describe(durationText('A claimed step, page or shift-handover notice not finished in this time is taken over and run again; real time, never sped up by TOCSIN_CLOCK_SPEED.', '30s')),
        batch: wholeNumber(1, 10_000, 200)
          .describe('Incidents with due steps claimed at once and run side by side; a tick claims batch after batch while more are due (1–10 000). Default 200.'),
        /** Incidents run at once outside the tick (just opened, acknowledged, resolved); more wait for the tick. */
        kicks: wholeNumber(1, 10_000, 64)
          .describe('Incidents run at once outside the tick (just opened, acknowledged, resolved); more wait for the tick (1–10 000). Default 64.'),
        /**
         * Processes running the engine: the daemon itself and `workers - 1` engine-only processes it
         * starts beside it (no HTTP), each claiming its own batches; their metrics join the daemon's.
         */
        workers: wholeNumber(1, 16, 1)
          .describe('Processes running the engine: the daemon and `workers - 1` engine-only processes beside it, each claiming its own batches (1–16, one per spare core). Default 1.'),
        audit: wait.prefault('1m').describe(durationText('How often the auditor looks for stalled escalations.', '1m')),
        /** Retryable channel failures: attempts per channel (first included) and the wait before each retry. */
        retry: z
          .strictObject({
            attempts: wholeNumber(1, 10, 3)
              .describe("Attempts per channel, the first included (1–10); then the person's next channel. Default 3."),
            backoff: z
              .array(wait)
              .min(1)
              .prefault(['2s', '10s'])
              .describe('Wait before each retry, the last repeating; durations such as "2s" (a bare number is seconds). Default [2s, 10s].'),
          })
          .prefault({})
          .describe('Retryable channel failures (provider busy, timeout).'),
        /**
         * Calls nobody answered (no answer, busy, voicemail): calls per page, the first included, `every`
         * apart; then the person's next channel. An answered call without a key press is not retried.
         */
        voiceRetry: z
          .strictObject({
            attempts: wholeNumber(1, 10, 3)
              .describe("Calls per page, the first included (1–10); then the person's next channel. Default 3."),
            every: wait.prefault('1m').describe(durationText('Wait after an unanswered call before calling again.', '1m')),
          })
          .prefault({})
          .describe('Calls nobody answered (no answer, busy, voicemail). An answered call without a key press is not retried.'),
        /** How long an SMS reply code (`<code>a`) stays valid. */
        replyCodeTtl: span.prefault('7d').describe(durationText('How long an SMS reply code (<code>a) stays valid.', '7d')),
        /** How long acknowledge / resolve links stay valid. */
        linkTtl: span.prefault('7d').describe(durationText('How long the acknowledge / resolve links in e-mails stay valid.', '7d')),
      })
      .prefault({})
      .describe('The escalation engine: cadence, claims, retries and how long answers stay valid.'),
    /** Scheduled maintenance windows: escalations in scope pause until `until` (events are still recorded). */
    maintenance: z
      .array(maintenanceWindow)
      .default([])
      .describe('Scheduled maintenance windows: escalations in scope (every field given must match) pause until `until`; events are still recorded. Default none.'),
    /** Inhibition rules (Alertmanager style): an open source incident holds back pages of matching targets. */
    inhibit: z
      .array(inhibitRule)
      .default([])
      .describe('Inhibition rules (Alertmanager style): an open source incident holds back the pages of matching targets. Default none.'),
    /** Overrides and maintenance windows made through the API must end at most this far ahead. */
    maxAhead: z
      .strictObject({
        override: span.prefault('7d').describe(durationText('How far ahead an override made through the API may end at most.', '7d')),
        maintenance: span.prefault('7d').describe(durationText('How far ahead a maintenance window made through the API may end at most.', '7d')),
      })
      .prefault({})
      .describe('Overrides and maintenance windows made through the API must end at most this far ahead.'),
    /** Per-destination throttles, bundling and the daily cap per person (README "Throttles and bundling"). */
    throttle: z
      .strictObject({
        /** Incidents at this level or above are critical: never dropped, delayed at most the channel's minGap. */
        criticalLevel: level
          .default(4)
          .describe("Incidents at this level or above are critical: never dropped, delayed at most the channel's minGap. Default 4."),
        /** Non-critical messages one person gets on every channel together in 24 h; more are suppressed. */
        dailyCap: z
          .number()
          .int()
          .min(1)
          .default(40)
          .describe('Non-critical messages one person gets on every channel together in 24 h; more are suppressed. Default 40.'),
        /** Pages to a person this soon after a message to them are gathered into one message. */
        bundleWindow: wait.prefault('2m').describe(durationText('Pages to a person this soon after a message to them are gathered into one message.', '2m')),
        /** The phases throttled; the others (all-clear, reminders) always go, and count. */
        phases: z
          .array(z.enum(THROTTLED_PHASES))
          .default(['page', 'escalation', 'level_raised', 'update'])
          .describe('The phases throttled; the others (all-clears, reminders) always go, and count. Default [page, escalation, level_raised, update].'),
        perChannel: z
          .strictObject({
            sms: throttleChannel(wait)
              .prefault({ per15m: 5, perHour: 10, minGap: '1m' })
              .describe('SMS limits per person. Default 5 per 15 minutes, 10 per hour, 1m apart.'),
            voice: throttleChannel(wait)
              .prefault({ per15m: 3, perHour: 6, minGap: '2m' })
              .describe('Call limits per person. Default 3 per 15 minutes, 6 per hour, 2m apart.'),
            email: throttleChannel(wait)
              .prefault({ per15m: 10, perHour: 30, minGap: '0s' })
              .describe('E-mail limits per person. Default 10 per 15 minutes, 30 per hour, 0s apart.'),
          })
          .prefault({})
          .describe('Limits per person on each channel.'),
      })
      .prefault({})
      .describe('Per-person throttles, bundling and the daily cap (README "Throttles and bundling").'),
    /**
     * Per-source request limits (shared by every replica on one Redis; counted in real time, never
     * scaled by TOCSIN_CLOCK_SPEED). A request carrying a critical class is never refused.
     */
    rateLimits: z
      .strictObject({
        /** Requests whose class reaches this level are critical. */
        criticalLevel: level.default(4).describe('Requests whose class reaches this level are critical and never refused. Default 4.'),
        /** Classes that are critical whatever their level. */
        criticalClasses: z.array(id).default(['security', 'power']).describe('Classes that are critical whatever their level. Default [security, power].'),
        perSource: z
          .strictObject({
            alertmanager: rateLimit.optional().describe('Limit of POST /webhooks/alertmanager.'),
            ups: rateLimit.optional().describe('Limit of POST /webhooks/ups.'),
            acd: rateLimit.optional().describe('Limit of POST /webhooks/acd.'),
            api: rateLimit.optional().describe('Limit of the /api requests.'),
          })
          .prefault({})
          .describe('The limit of each source; past it a request gets 429 with Retry-After. Leave a source out to not limit it.'),
      })
      .prefault({})
      .describe(
        'Per-source request limits, shared by every replica on one Redis and counted in real time (never scaled by TOCSIN_CLOCK_SPEED). A request carrying a critical class is never refused.',
      ),
  });

  const tier = z.strictObject({
    /** Delay after the incident opened. */
    after: wait.default(0).describe(durationText('Delay after the incident opened (0 = at once).', '0')),
    /** Only once the incident has reached this level (e.g. the generator call at level 4). */
    atLevel: level.optional().describe('Only once the incident has reached this level (e.g. the generator call at level 4).'),
    /** The tier runs only while this still holds at its minute. */
    when: z
      .enum(TIER_CONDITIONS)
      .default('unacknowledged')
      .describe('The tier runs only if, at its minute, the incident is still unacknowledged, unresolved or uncontrolled. Default unacknowledged.'),
    roles: z.array(id).min(1).describe('Roles paged (ids of roles.yaml).'),
    /** Channels for this tier; default: each person's preferred channels. */
    channels: z.array(channel).min(1).optional().describe("Channels for this tier (sms, voice, email); default: each person's preferred channels."),
    /** Only for incidents whose labels match (e.g. kind: fire). */
    match: z
      .record(z.string(), z.string())
      .optional()
      .describe('Only for incidents whose labels match (e.g. kind: fire): regular expressions against the whole value; a missing label is "".'),
    /** A line added to the message (e.g. "start the generator"). */
    note: z.string().optional().describe('A line added to the message (e.g. "start the generator").'),
    /** Page the same roles again every `every` while the condition holds, at most `times` more. */
    repeat: z
      .strictObject({
        every: wait.describe(durationText('Time between two repeats.')),
        times: z.number().int().min(1).max(100).describe('Repeats at most (1–100).'),
      })
      .optional()
      .describe('Page the same roles again every `every` while the condition holds, at most `times` more.'),
  });

  const klass = z.strictObject({
    name: z.string().min(1).describe("The class's name in incident reports (pages take theirs from messages.yaml)."),
    description: z.string().optional().describe('What the class covers, in words.'),
    /** Level given when nothing else says. */
    level: level.describe('Level given when nothing else says, 1–5.'),
    /** Incidents merge on this key. Placeholders: {class} {site} {group} {label.NAME}. */
    group: z.string().default('{class}:{site}').describe('Incidents merge on this key. Placeholders: {class} {site} {group} {label.NAME}. Default "{class}:{site}".'),
    /** `source`: the monitor's resolution closes it; `manual`: only a person closes it. */
    resolution: z
      .enum(['source', 'manual'])
      .default('source')
      .describe("`source`: the monitor's resolution closes it; `manual`: only a person closes it. Default source."),
    /** Advice every page of this class carries (load shedding, paper records, evacuate…). */
    advice: z.string().optional().describe('Advice every page of this class carries (load shedding, paper records, evacuate…).'),
    /** Level climbs by itself while the incident stays unresolved. */
    climb: z
      .array(
        z.strictObject({
          after: wait.describe(durationText('Time after the incident opened.')),
          level: level.describe('The level reached then, 1–5.'),
          hours: z
            .enum(['any', 'business'])
            .default('any')
            .describe('any: at any hour. business: only while the check falls within daemon.yaml businessHours (a daytime stoppage); outside them the climb waits for the next opening. Default any.'),
        }),
      )
      .default([])
      .describe('The level climbs by itself while the incident stays unresolved. Default none.'),
    tiers: z.array(tier).min(1).describe('Who is paged at which minute after the incident opened.'),
    onResolve: z
      .strictObject({
        notify: z.enum(['paged', 'none']).default('paged').describe('`paged`: everyone who was paged gets the all-clear; `none`: nobody does. Default paged.'),
        reminders: z
          .array(
            z.strictObject({
              after: wait.default(0).describe(durationText('Delay after the resolution.', '0')),
              roles: z.array(id).min(1).describe('Roles reminded (ids of roles.yaml).'),
              note: z.string().describe('What the reminder says.'),
            }),
          )
          .default([])
          .describe('Reminders sent after the resolution. Default none.'),
      })
      .prefault({})
      .describe('What happens when the incident is resolved.'),
    acknowledgeTimeout: wait
      .optional()
      .describe(durationText('Acknowledged this long and still unresolved: everyone paged is paged again. Unset: never.')),
    /** A written report is due this long after the end (the record reminds its owner). */
    reportDue: wait.optional().describe(durationText('A written report is due this long after the end; the roles of the first tier are reminded then.')),
  });

  const playbooks = z.strictObject({
    version: z
      .string()
      .min(1)
      .describe('Version of the playbooks. Bump it when you change a chain: open incidents keep the version they started with.'),
    classes: z.record(id, klass).describe('The incident classes, by snake_case class id.'),
  });

  const severity = z.strictObject({
    levels: z
      .array(
        z.strictObject({
          level: level.describe('The level, 1–5.'),
          name: z.string().describe('Name of the level (e.g. major, serious).'),
          grade: z.enum(['general', 'important', 'urgent']).describe("The plan's grade of the level: general, important or urgent."),
          /** Roles told when an incident reaches this level. */
          roles: z.array(id).default([]).describe('Roles told when an incident climbs to this level (ids of roles.yaml). Default none.'),
          /** Status update to everyone paged, this often, until resolved. */
          updateEvery: wait.optional().describe(durationText('Status update to everyone paged, this often, until resolved.')),
          /** Unresolved this long at this level → raised to `raiseTo`. */
          raiseAfter: wait.optional().describe(durationText('Unresolved this long at this level → raised to `raiseTo` (give both or neither).')),
          raiseTo: level.optional().describe('The level `raiseAfter` raises to (give both or neither).'),
          /** This long after the level is reached, its roles that no page of the incident has reached yet are paged. */
          within: wait
            .optional()
            .describe(durationText('Deadline to tell the level\'s roles: this long after the level is reached (opened at or climbed to), those of them no page of the incident has reached yet are paged.')),
          /** Unsolved this long at the level: its roles get a reminder of `action`. */
          overdue: z
            .strictObject({
              after: wait.describe(durationText('Unsolved (not resolved, figures not back under their thresholds) this long at the level: the reminder goes.')),
              action: z.string().describe('What is due, as the reminder says it (e.g. written report upward, report in person).'),
            })
            .optional()
            .describe("When nobody solves it in time: the level's roles get a reminder of the action due."),
        }),
      )
      .length(5)
      .describe('The five levels, one entry each.'),
  });

  const roles = z.strictObject({
    roles: z
      .record(
        id,
        z.strictObject({
          name: z.string().describe('Name of the role, as notices and the on-call list give it.'),
          channels: z
            .array(channel)
            .default([])
            .describe("The role's typical channel order (sms, voice, email); a person's own preference in roster.yaml wins. Default none."),
          paged: z
            .boolean()
            .default(true)
            .describe('Whether the role is on call for pages; false (e.g. call agents) leaves it out of GET /api/oncall unless roster.yaml schedules it. Default true.'),
        }),
      )
      .describe('The escalation targets, by snake_case role id.'),
  });

  const person = z.strictObject({
    name: z.string().describe("The person's name, as pages, notices and reports give it."),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15005550006')
      .optional()
      .describe('Phone number in E.164 form (e.g. +15005550006); needed for the sms and voice channels.'),
    email: z.string().email().optional().describe('E-mail address; needed for the email channel.'),
    channels: z.array(channel).min(1).describe('Channels that reach the person (sms, voice, email), tried in order.'),
    locale: z.enum(['en', 'zh-CN']).default('en').describe("Language of the person's messages (a locale of messages.yaml): en or zh-CN. Default en."),
    timezone: timeZone.optional().describe("The person's IANA time zone, for the times in their messages. Default: daemon.yaml `timezone` (the centre's)."),
  });

  const roster = z.strictObject({
    people: z.record(id, person).describe('The people, by snake_case person id.'),
    /** Who holds each role: a list of shifts, each with its own rotation. */
    schedules: z
      .record(
        id,
        z.strictObject({
          timezone: timeZone.describe("IANA time zone the shifts' days and times are read in."),
          shifts: z
            .array(
              z.strictObject({
                name: z.string().optional().describe('Name of the shift (e.g. day, night).'),
                days: z
                  .array(weekday)
                  .min(1)
                  .default(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])
                  .describe('Weekdays the shift starts on (mon … sun). Default every day.'),
                start: hhmm.default('00:00').describe('When the shift starts, HH:MM (24-hour), local. Default 00:00.'),
                end: hhmm
                  .default('00:00')
                  .describe('When the shift ends, HH:MM (24-hour), local; at or before `start` it ends the next day (equal: a whole day). Default 00:00.'),
                /** Rotation: the first person holds the shift for `every`, then the next… */
                rotation: z
                  .strictObject({
                    people: z.array(id).min(1).describe('The people taking turns (ids of `people`), in order.'),
                    every: span.prefault('7d').describe(durationText('How long each person holds the shift before the next takes over.', '7d')),
                    /** The moment the first person starts (ISO-8601). */
                    from: z
                      .string()
                      .datetime({ offset: true })
                      .default('2026-01-05T00:00:00Z')
                      .describe('The moment the first person starts: an ISO-8601 date-time with offset. Default 2026-01-05T00:00:00Z.'),
                  })
                  .describe('Rotation: the first person holds the shift for `every`, then the next…'),
              }),
            )
            .min(1)
            .describe('The shifts of the role, each with its own rotation.'),
        }),
      )
      .describe('Who holds each role, by role id: shifts in a time zone, each with its own rotation.'),
    handover: z
      .strictObject({
        notify: z.boolean().default(true).describe('Tell the incoming and outgoing people of each change of hands. Default true.'),
        before: span.prefault('15m').describe(durationText('How long before each change of hands the notices go.', '15m')),
        /** Open incidents named in the incoming person's notice; past this only their number is given. */
        list: wholeNumber(1, 50, 5)
          .describe("Open incidents named in the incoming person's notice (1–50); past this only their number is given. Default 5."),
      })
      .prefault({})
      .describe('Shift-handover notices, by SMS or e-mail (never a call); their words are messages.yaml `handover`.'),
  });

  const labelMatch = z.record(z.string(), z.string());

  const sources = z.strictObject({
    alertmanager: z
      .strictObject({
        classLabel: z.string().default('class').describe('An alert labelled <classLabel>=<class id> gets that class. Default class.'),
        siteLabel: z.string().default('site').describe('The label naming the site. Default site.'),
        severityLabel: z.string().default('severity').describe('The label carrying the severity hint. Default severity.'),
        defaultSite: z.string().default('default').describe('Site of alerts without a site label. Default default.'),
        /** Severity label → level. Thresholds in the rules may raise it. */
        severityLevels: z
          .record(z.string(), level)
          .describe("Severity label value → level hint; an incident never starts below its class's level, and rules may raise it."),
        /** First matching rule wins; values are regular expressions matched against the whole label. */
        rules: z
          .array(
            z.strictObject({
              name: z.string().optional().describe('Name of the rule (default: rule <index>).'),
              match: labelMatch.describe('Label name → regular expression matched against the whole label value (a missing label is ""); every one must match.'),
              class: id.describe('Class of the alerts that match.'),
              level: level.optional().describe('Level the matching alerts reach at least, 1–5.'),
            }),
          )
          .describe('Classification rules: the first matching rule wins.'),
        defaultClass: id.describe('Class of the alerts no class label or rule classifies.'),
      })
      .describe('Alertmanager webhooks: classification rules and severity mapping.'),
    ups: z
      .strictObject({
        defaultSite: z.string().default('default').describe('Site of UPS reports that name none. Default default.'),
        onBattery: z
          .strictObject({ class: id.describe(CLASS_OPENED), level: level.describe(LEVEL_OPENED) })
          .describe('On battery (status OB); the generator and critical conditions raise the level of this same incident.'),
        /** On battery and charge below this percent: start the generator. */
        generator: z
          .strictObject({
            chargeBelow: z.number().min(0).max(100).describe('Battery charge, in percent (0–100).'),
            level: level.describe('Level the power incident is raised to, 1–5.'),
          })
          .describe('On battery and charge below `chargeBelow` percent: start the generator.'),
        /** LB, or runtime shorter than the generator's start time: critical. */
        critical: z
          .strictObject({
            generatorStartTime: span.describe(durationText("How long the generator takes to start; a shorter battery runtime is critical.")),
            level: level.describe('Level the power incident is raised to, 1–5.'),
          })
          .describe("Low battery (LB), forced shutdown, or a runtime shorter than the generator's start time: critical."),
        /** The centre's own line failed: input voltage below this (V) while the UPS is on bypass or off. */
        lineFault: z
          .strictObject({
            class: id.describe(CLASS_OPENED),
            level: level.describe(LEVEL_OPENED),
            inputVoltageBelow: z.number().min(0).default(100).describe('Input voltage, in volts, below which the line counts as failed. Default 100.'),
          })
          .describe("The centre's own line failed: input voltage below `inputVoltageBelow` while the UPS is on bypass or off."),
        replaceBattery: z
          .strictObject({ class: id.describe(CLASS_OPENED), level: level.describe(LEVEL_OPENED) })
          .describe('The battery needs replacing (RB).'),
        overload: z.strictObject({ class: id.describe(CLASS_OPENED), level: level.describe(LEVEL_OPENED) }).describe('Overloaded (OVER).'),
        bypass: z
          .strictObject({ class: id.describe(CLASS_OPENED), level: level.describe(LEVEL_OPENED) })
          .describe('On bypass (BYPASS): powered but not protected.'),
        commLost: z
          .strictObject({ class: id.describe(CLASS_OPENED), level: level.describe(LEVEL_OPENED) })
          .describe('Communication with the UPS lost (COMMBAD / NOCOMM).'),
        temperature: z
          .strictObject({
            above: z.number().describe('UPS temperature (ups.temperature), in °C, above which the incident opens.'),
            class: id.describe(CLASS_OPENED),
            level: level.describe(LEVEL_OPENED),
          })
          .describe('UPS temperature too high.'),
        /** Back on line must hold this long before the outage resolves (stops flapping pages). */
        onlineHold: wait.prefault('30s').describe(durationText('Back on line must hold this long before the outage resolves (stops flapping pages).', '30s')),
      })
      .describe('UPS telemetry (NUT): conditions and thresholds.'),
    acd: z
      .strictObject({
        defaultQueue: z.string().default('main').describe('Queue of ACD reports that name none. Default main.'),
        surge: z
          .strictObject({
            class: id.describe(CLASS_OPENED),
            level: level.describe(LEVEL_OPENED),
            callsWaitingAbove: z.number().min(0).describe('Calls waiting above this: a surge.'),
            longestWaitAbove: span.describe(durationText('Longest wait above this: a surge.')),
            serviceLevelBelow: z.number().min(0).max(1).describe('Service level (a fraction, 0–1) below this: a surge.'),
            abandonRateAbove: z.number().min(0).max(1).describe('Abandoned calls / offered calls (a fraction, 0–1) above this: a surge.'),
            /** Offered calls per interval above this multiple of the baseline. */
            offeredMultiple: z.number().min(1).describe('Offered calls per interval above this multiple of the baseline: a surge.'),
            baseline: z
              .strictObject({
                callsOffered: z.number().min(0).describe('Calls offered in one baseline interval.'),
                interval: span.describe(durationText('The interval `callsOffered` is counted over.')),
              })
              .describe('The normal offered calls, for `offeredMultiple`.'),
            /** Figures must stay under the thresholds this long before the surge counts as controlled. */
            hold: wait.describe(durationText('Figures must stay under the thresholds this long before the surge counts as controlled.')),
          })
          .describe('Inbound call surge: any threshold crossed opens the incident.'),
        agentsCollapse: z
          .strictObject({
            class: id.describe(CLASS_OPENED),
            level: level.describe(LEVEL_OPENED),
            /** Logged-in agents below this during business hours. */
            loggedInBelow: z.number().int().min(0).describe('Logged-in agents below this during business hours (daemon.yaml businessHours).'),
          })
          .describe('Too few agents logged in during business hours.'),
        seats: z
          .strictObject({ class: id.describe(CLASS_OPENED), level: level.describe(LEVEL_OPENED) })
          .describe('A seat that cannot log in or whose equipment failed.'),
      })
      .describe('ACD queue telemetry and seat states: thresholds.'),
    taskrouter: z
      .strictObject({
        /** Workspace SID → site. */
        sites: z.record(z.string(), z.string()).default({}).describe('Workspace SID → site. Default none.'),
        defaultSite: z.string().default('default').describe('Site of workspaces not listed in `sites`. Default default.'),
        /** Worker activities that count as available (case-insensitive). */
        availableActivities: z
          .array(z.string().min(1))
          .min(1)
          .default(['Available', 'Idle'])
          .describe('Worker activities that count as available agents (case-insensitive). Default [Available, Idle].'),
        /** A task with no news for this long is dropped from the per-queue waiting counts. */
        taskTtl: span.prefault('1d').describe(durationText('A task with no news for this long is dropped from the per-queue waiting counts.', '1d')),
      })
      .prefault({})
      .describe('Twilio TaskRouter event callbacks, turned into ACD figures.'),
    /**
     * The dead-man's switch: a source that stops reporting for `missingAfter` opens an incident of
     * `class`; its next report resolves it. Only keys seen at least once, or listed in `expected`,
     * are watched. Keys: Alertmanager = site; UPS = site/device; ACD = site/queue.
     */
    heartbeats: z
      .strictObject({
        class: id.default('network_infosys').describe('Class of the incidents a silent source opens. Default network_infosys.'),
        level: level.default(2).describe('Level of those incidents, 1–5. Default 2.'),
        /** How often the daemon looks for silent sources. */
        check: wait.prefault('30s').describe(durationText('How often the daemon looks for silent sources.', '30s')),
        alertmanager: z
          .strictObject({
            enabled: z.boolean().default(true).describe('Watch this source. Default true.'),
            /** The always-firing alert that only feeds the heartbeat (never an incident itself). */
            alertname: z
              .string()
              .min(1)
              .default('Watchdog')
              .describe('The always-firing alert that only feeds the heartbeat (never an incident itself). Default Watchdog.'),
            missingAfter: wait.prefault('10m').describe(durationText('Silent this long: an incident opens.', '10m')),
            expected: z.array(z.string().min(1)).default([]).describe('Sites watched from start-up, even before their first report. Default none.'),
          })
          .prefault({})
          .describe("Alertmanager's Watchdog alert, keyed by its site label."),
        ups: watchedFeed('5m', 'site/device').describe('The UPS poller: any POST /webhooks/ups, keyed site/device.'),
        acd: watchedFeed('30m', 'site/queue').describe('The ACD feed: any POST /webhooks/acd, keyed site/queue.'),
      })
      .prefault({})
      .describe(
        "The dead-man's switch: a source that stops reporting for `missingAfter` opens an incident; its next report resolves it. Only keys seen at least once, or listed in `expected`, are watched.",
      ),
  });

  return { daemon, playbooks, severity, roles, roster, sources };

  /** A heartbeat source fed by its own webhook: silent `missingAfter` (default given) opens an incident. */
  function watchedFeed(missingAfter: string, key: string) {
    return z
      .strictObject({
        enabled: z.boolean().default(true).describe('Watch this source. Default true.'),
        missingAfter: wait.prefault(missingAfter).describe(durationText('Silent this long: an incident opens.', missingAfter)),
        expected: z.array(z.string().min(1)).default([]).describe(`Keys (${key}) watched from start-up, even before their first report. Default none.`),
      })
      .prefault({});
  }
}

export type Schemas = ReturnType<typeof makeSchemas>;
export type DaemonConfig = z.output<Schemas['daemon']>;
export type PlaybooksConfig = z.output<Schemas['playbooks']>;
export type ClassConfig = PlaybooksConfig['classes'][string];
export type TierConfig = ClassConfig['tiers'][number];
export type SeverityConfig = z.output<Schemas['severity']>;
export type RolesConfig = z.output<Schemas['roles']>;
type RosterFile = z.output<Schemas['roster']>;
/** A person of roster.yaml, their time zone filled in (daemon.yaml `timezone` when they give none). */
export type RosterPerson = RosterFile['people'][string] & { readonly timezone: string };
export type RosterConfig = Omit<RosterFile, 'people'> & { readonly people: Readonly<Record<string, RosterPerson>> };
export type SourcesConfig = z.output<Schemas['sources']>;
export type HeartbeatsConfig = SourcesConfig['heartbeats'];
export type MaintenanceWindowConfig = DaemonConfig['maintenance'][number];
export type InhibitRuleConfig = DaemonConfig['inhibit'][number];
export type RateLimitsConfig = DaemonConfig['rateLimits'];

/** The files, in the order they are read. */
export const CONFIG_FILES = ['daemon', 'playbooks', 'severity', 'roles', 'roster', 'sources'] as const;
export type ConfigFileName = (typeof CONFIG_FILES)[number];
