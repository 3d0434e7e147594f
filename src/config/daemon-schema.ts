/** The schema of config/daemon.yaml: HTTP, time zone, business hours, incidents, escalation, maintenance, throttles, rate limits. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { longestAttemptMs, takeoverGraceMs } from './claim-timings.js';
import { formatDuration } from './durations.js';
import { bytes, durationText, hhmm, id, level, THROTTLED_PHASES, throttleChannel, timeZone, weekday, wholeNumber, type Durations } from './schema-parts.js';
import { inhibitRule, maintenanceWindow } from './suppression-schema.js';

/** When "during business hours" holds: local days and hours in a time zone. */
const businessHours = z.strictObject({
  timezone: timeZone.describe('IANA time zone the days and hours are read in (e.g. Asia/Shanghai).'),
  days: z.array(weekday).min(1).describe('Weekdays with business hours: mon, tue, wed, thu, fri, sat, sun.'),
  start: hhmm.describe('Opening time, HH:MM (24-hour), local.'),
  end: hhmm.describe('Closing time, HH:MM (24-hour), local; at or before `start` the hours run past midnight (equal: around the clock).'),
});

/** The names express's `trust proxy` knows for address ranges. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/** A proxy address: an IP, an IP/prefix (CIDR) or one of PROXY_RANGES. */
const proxyAddress = z
  .string()
  .refine(isProxyAddress, 'must be an IP address, a CIDR range such as 10.0.0.0/8 (prefix /1 or longer: to believe every address, give a number of hops instead of a list), or loopback, linklocal or uniquelocal');

/** `http.trustProxy`: the proxies believed (addresses), or how many hops are. */
const trustProxy = z.union([z.array(proxyAddress), z.number().int().min(0).max(16)]);

function isProxyAddress(v: string): boolean {
  if ((PROXY_RANGES as readonly string[]).includes(v)) return true;
  const [ip = '', prefix, ...rest] = v.split('/');
  const family = isIP(ip);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  // express (proxy-addr) refuses a /0 range when the daemon starts: refused here, naming the field
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Twilio's answering-machine detection modes (the call's MachineDetection). */
const MACHINE_DETECTION = ['Enable', 'DetectMessageEnd'] as const;

/** A check that a duration (ms) is whole seconds from `min` to `max` seconds: what Twilio takes. */
function wholeSeconds(min: number, max: number) {
  return [(ms: number) => ms % 1000 === 0 && ms >= min * 1000 && ms <= max * 1000, `must be whole seconds from ${min}s to ${max}s`] as const;
}

/** daemon.yaml, with `wait` durations divided by the clock speed. */
export function daemonSchema({ wait, span, waitAtLeast }: Durations) {
  /** A limit on waiting for a provider: real time, at least 1s. */
  const realTimeout = (fallback: string, text: string) =>
    span
      .refine((ms) => ms >= 1000, 'must be at least 1s')
      .prefault(fallback)
      .describe(durationText(text, fallback));
  /** `requests` per `per` (a span), with a whole window's requests allowed as a burst. */
  const rateLimit = z.strictObject({
    requests: z.number().int().min(1).max(10_000_000).describe("Requests allowed per `per` (1–10 000 000); a whole window's requests may come as a burst."),
    per: span.describe(durationText('The window the requests are counted over, in real time.')),
  });

  return z.strictObject({
    http: z
      .strictObject({
        bodyLimit: bytes
          .default(1024 * 1024)
          .describe('Largest request body accepted, e.g. "1mb", "512kb" or a number of bytes; larger bodies get 413. Default 1mb (POST /webhooks/alertmanager: http.alertmanager.bodyLimit).'),
        alertmanager: z
          .strictObject({
            bodyLimit: bytes
              .default(32 * 1024 * 1024)
              .describe(
                'Largest Alertmanager webhook body accepted (POST /webhooks/alertmanager), e.g. "32mb": a group of a few thousand alerts is megabytes. A larger body gets 413, which Alertmanager never sends again (its alerts are lost; logged as an error): set max_alerts on the receiver. Default 32mb.',
              ),
            maxAlerts: wholeNumber(1, 100_000, 10_000).describe(
              "Alerts recorded from one Alertmanager webhook body (1–100 000): of a body holding more, the first maxAlerts are recorded and the rest are counted as left out, as Alertmanager's own truncatedAlerts (max_alerts) is. Default 10 000.",
            ),
          })
          .prefault({})
          .describe('The Alertmanager webhook, whose bodies hold a whole group of alerts.'),
        metricSeries: wholeNumber(1, 100_000, 1000).describe(
          'Distinct devices (site and UPS) and queues (site and queue) that the UPS and ACD gauges hold at a time; past it, readings are still evaluated and recorded, but not mirrored into /metrics. A device or queue that drops out (http.readingsMaxAge) frees its place. Default 1000.',
        ),
        readingsMaxAge: z
          .strictObject({
            ups: wait.prefault('15m').describe(durationText('A UPS not reported this long drops out of the UPS gauges, and its last readings are removed from Redis; 0: kept until overwritten.', '15m')),
            acd: wait.prefault('1h').describe(durationText('An ACD or TaskRouter queue not reported this long drops out of the ACD gauges, and its last readings are removed from Redis; 0: kept until overwritten.', '1h')),
          })
          .prefault({})
          .describe('How long the last telemetry readings of a UPS or a queue stay in /metrics without a new report (each gauge series on its own: a figure a report no longer carries drops out too).'),
        keepAlive: realTimeout(
          '65s',
          'How long an idle keep-alive connection stays open for its next request; real time. At least 1s; behind a load balancer, longer than its idle timeout (60s for most), so that the balancer, not tocsin, closes an idle connection and never sends a request on one being closed.',
        ),
        retryAfter: realTimeout(
          '5s',
          'The Retry-After of a 503 (Redis not answering, replicas not confirming in time): how long a sender is asked to wait before it tries again; whole seconds, at least 1s.',
        ).refine((ms) => ms % 1000 === 0, 'must be whole seconds (Retry-After counts seconds)'),
        trustProxy: trustProxy
          .default(['loopback'])
          .describe(
            "The proxies whose X-Forwarded-For is believed when telling where a request came from (the name of a UPS notification that names no host, upsmon:<address>): a list of addresses, CIDR ranges (10.0.0.0/8, fd00::/8) and the names loopback, linklocal and uniquelocal, or a number of hops (the nearest proxies, whatever their address: only when nothing can reach tocsin but through them). A request from any other address is named by its own address, whatever X-Forwarded-For says. [] trusts no proxy. Default [loopback].",
          ),
      })
      .prefault({})
      .describe('The HTTP server.'),
    timezone: timeZone.default('UTC').describe("The centre's local IANA time zone (e.g. Asia/Shanghai): the time zone of people who give none in roster.yaml. Default UTC."),
    businessHours: businessHours.describe('When "during business hours" holds (the ACD agents-collapse check opens incidents only then and stands an open one down outside them, and climbs marked hours: business count only then): local days and hours in a time zone.'),
    /** The Redis client (REDIS_URL): how long it waits, in real time. */
    redis: z
      .strictObject({
        connectTimeout: realTimeout(
          '2s',
          'How long one attempt to connect to Redis may take (TCP, TLS, AUTH); a failed attempt is made again after the pause of `reconnect`, and meanwhile webhooks answer 503; real time. At least 1s, and no longer than startupWait.',
        ),
        commandTimeout: realTimeout(
          '5s',
          'How long a Redis command may go unanswered before it fails (a webhook answers 503, the engine tries the step again at a later tick); real time. At least 1s; shorter than escalation.lease, and longer than incidents.replicaWait when incidents.replicas is set (WAIT is a command too).',
        ),
        /** The pauses between attempts to reconnect, and between writes of a sent page's record that Redis did not take. */
        reconnect: z
          .strictObject({
            first: span
              .refine((ms) => ms >= 10, 'must be at least 10ms')
              .prefault('100ms')
              .describe(
                durationText(
                  "Pause before the first attempt to connect to Redis again once the connection failed; it doubles while the attempts keep failing, up to `max`. Also the pace at which a sent page's record that Redis did not take is written again. Real time. At least 10ms (a shorter pause tries a Redis that is down in a busy loop).",
                  '100ms',
                ),
              ),
            max: span
              .refine((ms) => ms <= 60_000, 'must be at most 1m')
              .prefault('2s')
              .describe(
                durationText(
                  "The longest pause between two attempts to connect to Redis (and between two writes of a sent page's record): once Redis is back, the client is connected again within it, and webhooks answer 503 until then. A page's claim taken over from another process waits it plus commandTimeout before its send (that process's late record lands meanwhile), so escalation.lease must be longer than it plus twice commandTimeout. Real time. At least `first`, at most 1m.",
                  '2s',
                ),
              ),
          })
          .superRefine((r, ctx) => {
            if (r.max < r.first) ctx.addIssue({ code: 'custom', path: ['max'], message: `${formatDuration(r.max)} is shorter than redis.reconnect.first (${formatDuration(r.first)})` });
          })
          .prefault({})
          .describe("The pauses between attempts to connect to Redis again once the connection failed: `first`, doubling up to `max`; also the pace at which a sent page's record that Redis did not take is written again."),
        startupWait: realTimeout(
          '5s',
          'How long the daemon waits for Redis when it starts before it serves anyway (503 and /readyz failing until Redis answers); real time. At least 1s.',
        ),
      })
      .prefault({})
      .describe('The Redis client (REDIS_URL): how long it waits, in real time whatever TOCSIN_CLOCK_SPEED says.'),
    incidents: z
      .strictObject({
        /** A refire this soon after a resolution reopens the same incident. */
        reopenWindow: wait.prefault('10m').describe(durationText('A refire this soon after a resolution reopens the same incident.', '10m')),
        /** An Alertmanager firing this soon after its member's resolution of the same occurrence is a late HA copy. */
        staleFiringWindow: wait
          .refine((ms) => ms <= 300_000, 'must be at most 5m')
          .prefault('1m')
          .describe(
            durationText(
              "An Alertmanager firing received this soon after its alert's resolution of the same occurrence (same fingerprint and startsAt) is a late copy from an HA peer that had not seen the resolution yet: counted as a duplicate, it neither reopens the incident nor pages. Longer than the peers' lag (--cluster.peer-timeout, 15s per peer position, plus the send), shorter than Prometheus takes to come back from a restart after its alerts' endsAt ran out (the same occurrence genuinely firing again, which reopens as any refire); at most 5m, 0: every such firing reopens.",
              '1m',
            ),
          ),
        /**
         * How long a report's idempotency key (POST /api/incidents) is remembered from the first report
         * with it, whatever becomes of its incident: the same key again this soon is a duplicate.
         */
        idempotencyWindow: span
          .refine((ms) => ms === 0 || ms >= 1000, 'must be at least 1s (0: off)')
          .refine((ms) => ms <= 30 * 86_400_000, 'must be at most 30d')
          .prefault('24h')
          .describe(
            durationText(
              "How long a report's idempotency key (POST /api/incidents, the Idempotency-Key header or `key`) is remembered, from the first report with it: the same key again this soon (of the same class and site, live or drill apart) answers 201 with the first report's incident and result duplicate, whether that incident is open, acknowledged or resolved: nothing is reopened and nobody is paged again. Later the key is free: a report like any other. Real time, never sped up by TOCSIN_CLOCK_SPEED; at least 1s, at most 30d; 0: off (a key holds only while its incident is open or acknowledged).",
              '24h',
            ),
          ),
        /** How long resolved incidents stay queryable in Redis. */
        retention: span.prefault('30d').describe(durationText('How long resolved incidents stay queryable in Redis.', '30d')),
        /**
         * The sweep of the indexes that outlive their incidents: the group → incident map and the
         * all-incidents list keep an entry per incident ever opened until a round removes it, once the
         * incident has expired (retention after its resolution).
         */
        indexSweep: z
          .strictObject({
            every: span
              .refine((ms) => ms >= 1000, 'must be at least 1s')
              .prefault('10m')
              .describe(
                durationText(
                  "How often the index sweep runs: it removes the entries that incidents expired after `retention` left in the group → incident map and the all-incidents list (one replica per round); real time, never sped up by TOCSIN_CLOCK_SPEED. At least 1s.",
                  '10m',
                ),
              ),
            batch: wholeNumber(10, 10_000, 500).describe('Index entries looked at per Redis script call of the sweep (10–10 000), so that one call never holds Redis for long; a round goes on, batch after batch, to the end of each index. Default 500.'),
          })
          .prefault({})
          .describe('The sweep of the group → incident map and the all-incidents list: entries of incidents expired after `retention` are removed.'),
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
        /** How long a split body's retry is recognised, so that its left-out alerts are counted once. */
        retryWindow: span
          .refine((ms) => ms >= 1000, 'must be at least 1s')
          .prefault('1h')
          .describe(
            durationText(
              "A webhook body of more events than ingestBatch goes to Redis in several parts; when one part fails (503) and the sender sends the body again within this long, the alerts the body left out (Alertmanager's truncatedAlerts) are not counted on the incidents a second time; real time, never sped up by TOCSIN_CLOCK_SPEED.",
              '1h',
            ),
          ),
        /** Members an incident's JSON lists at most; GET /api/incidents/:id/members pages through all of them. */
        membersShown: wholeNumber(1, 10_000, 200)
          .describe("Members an incident's JSON lists at most (1–10 000), so that reading an incident of a storm's thousands of alerts stays cheap; GET /api/incidents/:id/members pages through all of them. Default 200."),
      })
      .prefault({})
      .describe('Incident lifetime and intake batching.'),
    escalation: z
      .strictObject({
        tick: waitAtLeast({ ms: 100, why: 'a shorter tick claims steps in a busy loop, burning CPU while nothing is due' })
          .prefault('1s')
          .describe(durationText('How often due escalation steps are claimed (sooner when a step falls due before then); at least 100ms.', '1s')),
        /** Failure detection, in real time: TOCSIN_CLOCK_SPEED never shortens it below what a send takes. */
        lease: span
          .prefault('30s')
          .describe(
            durationText(
              "A claimed step, page or shift-handover notice not finished in this time is taken over and run again (a page's or a notice's claim starts it again right before each call to Twilio or the mail server, so the whole send fits in it); real time, never sped up by TOCSIN_CLOCK_SPEED. Longer than a send and the write of its record (channels.twilio.timeout plus channels.twilio.lookupTimeout, and channels.email.sendTimeout, each plus redis.commandTimeout), and than the grace a claim taken over waits before its send plus one command (redis.reconnect.max plus twice redis.commandTimeout).",
              '30s',
            ),
          ),
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
        /** An engine worker that exits is started again after a pause that doubles while it keeps exiting. */
        workerRestart: z
          .strictObject({
            first: span
              .refine((ms) => ms >= 100, 'must be at least 100ms')
              .prefault('1s')
              .describe(durationText('Pause before an engine worker that exited is started again, the first time; real time. At least 100ms.', '1s')),
            max: span.prefault('30s').describe(durationText('The longest pause: it doubles from `first` while the worker keeps exiting, up to this; real time. At least `first`.', '30s')),
            steady: span
              .refine((ms) => ms >= 1000, 'must be at least 1s')
              .prefault('1m')
              .describe(durationText('A worker that ran this long before it exited is started again after `first` (its pause starts over); real time. At least 1s.', '1m')),
          })
          .superRefine((r, ctx) => {
            if (r.max < r.first) ctx.addIssue({ code: 'custom', path: ['max'], message: `${formatDuration(r.max)} is shorter than escalation.workerRestart.first (${formatDuration(r.first)})` });
          })
          .prefault({})
          .describe('Engine workers (workers > 1) that exit are started again: after `first`, doubling while they keep exiting up to `max`, and after `first` again once one had run `steady`.'),
        workerStop: realTimeout(
          '40s',
          "When the daemon stops, an engine worker still running this long after it was asked to stop is killed (a claim it held is taken over after the lease, and a page it had sent but not recorded yet is sent again then); real time. At least 1s, and with workers > 1 no shorter than a page's longest attempt, so that a worker finishes and records the pages it is sending: the takeover grace (redis.reconnect.max plus redis.commandTimeout), the longest send (channels.twilio.timeout, channels.email.sendTimeout) and the write of its record (redis.commandTimeout), 37s as shipped.",
        ),
        workerMetricsWait: span
          .refine((ms) => ms >= 100 && ms <= 5_000, 'must be from 100ms to 5s')
          .prefault('2s')
          .describe(
            durationText(
              "How long a scrape of /metrics waits for each engine worker's metrics (workers > 1); a worker that has not answered by then is left out of that scrape (logged as a warning). Real time. From 100ms to 5s: the scrape waits for it, so keep it well within Prometheus's scrape_timeout (10s by default).",
              '2s',
            ),
          ),
        audit: waitAtLeast({ ms: 1000, why: 'each audit reads every open incident, so a shorter cadence reads Redis in a loop' })
          .prefault('1m')
          .describe(durationText('How often the auditor looks for stalled escalations; at least 1s.', '1m')),
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
        /** From this incident level up, every page also goes by e-mail at once (0: never). */
        emailFromLevel: wholeNumber(0, 5, 4).describe(
          "From this incident level up (1–5), every page (first page, escalation, level raised) also goes by e-mail at once, beside the person's first channel, to everyone with an e-mail address; a tier that names its own `channels` gets only those. 0: never. Default 4.",
        ),
        /** How long an SMS reply code (`<code>a`) stays valid. */
        replyCodeTtl: span.prefault('7d').describe(durationText('How long an SMS reply code (<code>a) stays valid.', '7d')),
        /** How long acknowledge / resolve links stay valid. */
        linkTtl: span.prefault('7d').describe(durationText('How long the acknowledge / resolve links in e-mails stay valid.', '7d')),
      })
      .prefault({})
      .describe('The escalation engine: cadence, claims, retries and how long answers stay valid.'),
    channels: z
      .strictObject({
        twilio: z
          .strictObject({
            /** How long one request to Twilio's API (an SMS, a call) may take. Real time: it waits for Twilio. */
            timeout: span
              .refine((ms) => ms >= 1000, 'must be at least 1s')
              .prefault('15s')
              .describe(
                durationText(
                  "How long one request to Twilio's REST API (sending an SMS, placing a call) may take before the send counts as failed and is retried (escalation.retry); real time whatever TOCSIN_CLOCK_SPEED says. At least 1s, and with redis.commandTimeout (the write of the page's record) no longer than escalation.lease (a page's claim starts it again right before the request).",
                  '15s',
                ),
              ),
            /**
             * How long asking Twilio whether it took a message or call it did not answer may take
             * (the list of them). Real time: it waits for Twilio.
             */
            lookupTimeout: span
              .refine((ms) => ms >= 100, 'must be at least 100ms')
              .prefault('5s')
              .describe(
                durationText(
                  "When Twilio did not answer a send (the request timed out or its connection dropped), tocsin asks Twilio whether it took the message or call all the same before the page counts as failed: recorded as sent when it did, sent again only when it has nothing. How long that question may take; real time. Not answered in time either, the page is sent again (twice rather than never). At least 100ms, and with channels.twilio.timeout and redis.commandTimeout no longer than escalation.lease.",
                  '5s',
                ),
              ),
            /** Paging calls: how long they ring, answering-machine detection, how long the key menu waits. Real time: Twilio's. */
            voice: z
              .strictObject({
                ringTimeout: span
                  .refine(...wholeSeconds(5, 600))
                  .prefault('30s')
                  .describe(
                  durationText(
                    "How long a paging call rings before it counts as unanswered and is placed again (escalation.voiceRetry); Twilio's call Timeout, which may add some 5 s to it. Real time; whole seconds from 5s to 600s (Twilio's limits).",
                    '30s',
                  ),
                ),
                machineDetection: z
                  .enum(MACHINE_DETECTION)
                  .default('Enable')
                  .describe(
                    "Twilio's answering-machine detection, which tells a voicemail (called again, as unanswered) from a person: Enable (known as soon as possible) or DetectMessageEnd (after the voicemail greeting ends). Default Enable.",
                  ),
                keyTimeout: span
                  .refine(...wholeSeconds(1, 60))
                  .prefault('8s')
                  .describe(
                  durationText("How long the call waits for a key after the menu is spoken (the <Gather> timeout) before it says the menu once more, then goodbye; real time; whole seconds from 1s to 60s (Twilio takes any whole number of seconds: a minute of silence on a paging call is already more than anyone waits).", '8s'),
                ),
              })
              .prefault({})
              .describe('Paging calls: how long they ring, answering-machine detection, how long the key menu waits.'),
          })
          .prefault({})
          .describe('Twilio SMS and voice (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM).'),
        /**
         * E-mail over SMTP_URL. Real time: they wait for the mail server. The per-step limits fail a
         * dead server early; only sendTimeout bounds a whole send (a server answering each of the ten
         * or so commands just inside socketTimeout, or trickling bytes, is never idle for long).
         */
        email: z
          .strictObject({
            connectTimeout: realTimeout(
              '10s',
              'How long setting up the session with the mail server may take, from the DNS lookup and TCP connection to the greeting and a STARTTLS handshake (TLS too for smtps://); real time. At least 1s, and no longer than sendTimeout.',
            ),
            greetingTimeout: realTimeout(
              '10s',
              "How long the server's greeting may take once connected (within connectTimeout); real time. At least 1s, and no longer than connectTimeout.",
            ),
            socketTimeout: realTimeout(
              '20s',
              'How long the server may stay silent once the session is set up (its answer to one SMTP command, the mail itself); real time. At least 1s, and no longer than sendTimeout.',
            ),
            sendTimeout: realTimeout(
              '25s',
              "How long one e-mail may take in all, from connecting to the server accepting the mail: the connection is closed then and the send counts as failed and is retried (escalation.retry); real time. At least 1s, and with redis.commandTimeout (the write of the page's record) no longer than escalation.lease (a page's claim starts it again right before the send).",
            ),
          })
          .prefault({})
          .describe('E-mail over SMTP_URL.'),
      })
      .prefault({})
      .describe('The outgoing channels.'),
    /** Scheduled maintenance windows: escalations in scope pause until `until` (events are still recorded; critical pages only when the window names their class). */
    maintenance: z
      .array(maintenanceWindow)
      .default([])
      .describe('Scheduled maintenance windows: escalations in scope (every field given must match) pause until `until`; events are still recorded. A critical page (throttle.criticalClasses, throttle.criticalLevel) is held only by a window whose `classes` names its class. Default none.'),
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
        /** Classes whose pages are critical whatever the incident's level. */
        criticalClasses: z
          .array(id)
          .default(['security', 'power'])
          .describe("Classes whose pages are critical whatever the incident's level (a UPS on battery at level 3 cannot wait for a 15-minute count). Default [security, power]."),
        /**
         * Incidents at this level or above page promptly: their playbook runs by the minute, so their
         * pages wait at most the bundle window (or minGap), never for the counts, and are never suppressed.
         */
        promptLevel: level
          .default(3)
          .describe(
            "Incidents at this level or above page promptly (their playbook runs by the minute: the on-call person at once, the next tier minutes later): never held back by the per-15-minute and hourly counts nor suppressed at the daily cap, they wait at most the bundle window (or the channel's minGap) after the person's last message, folded into one message with the pages waiting for that person. Default 3.",
          ),
        /** Non-critical messages one person gets on every channel together in 24 h; more are suppressed, unless no other page of their incident reached anyone. */
        dailyCap: z
          .number()
          .int()
          .min(1)
          .default(40)
          .describe('Non-critical messages one person gets on every channel together in 24 h; more are suppressed (prompt pages are not: see promptLevel; nor an incident\'s one page when no other page of it reached anyone). Default 40.'),
        /** Pages to a person this soon after a message to them are gathered into one message. */
        bundleWindow: wait.prefault('2m').describe(durationText('Pages to a person this soon after a message to them are gathered into one message.', '2m')),
        /** The phases throttled (held back, bundled, over the daily cap suppressed). */
        phases: z
          .array(z.enum(THROTTLED_PHASES))
          .default(['page', 'escalation', 'level_raised', 'update'])
          .describe('The phases throttled: held back, bundled, and over the daily cap suppressed. Default [page, escalation, level_raised, update].'),
        /** Phases never dropped nor held back for long, but gathered; a phase in neither list always goes at once (and counts). */
        gather: z
          .array(z.enum(THROTTLED_PHASES))
          .default(['all_clear', 'reminder'])
          .describe(
            "Phases never dropped nor held back for long, but gathered: one coming within the bundle window (or the channel's minGap) of the person's last message of the same phase on that channel waits for it to end and goes in one message with the others of its phase. A phase in neither list always goes at once, and counts. Default [all_clear, reminder].",
          ),
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
      .superRefine((t, ctx) => {
        for (const [i, phase] of t.gather.entries()) {
          if (t.phases.includes(phase)) ctx.addIssue({ code: 'custom', path: ['gather', i], message: `${phase} is also in throttle.phases: a phase is either throttled or gathered` });
        }
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
  }).superRefine((d, ctx) => {
    // a page's claim is renewed right before the send (its lease starts then): a send still waiting
    // for Twilio when that lease ends is taken over and sent again
    const { timeout, lookupTimeout } = d.channels.twilio;
    // a send Twilio did not answer asks it whether it took the page: that question is part of the send
    const twilioSend = timeout + lookupTimeout;
    const { lease } = d.escalation;
    const { redis } = d;
    const command = redis.commandTimeout;
    // a command as long as the lease is refused below: the send and its record cannot fit either
    const commandFits = command < lease;
    if (timeout >= lease) {
      ctx.addIssue({ code: 'custom', path: ['channels', 'twilio', 'timeout'], message: `${formatDuration(timeout)} is not shorter than escalation.lease (${formatDuration(lease)}): a page still waiting for Twilio would be taken over and sent twice` });
    } else if (commandFits && timeout + command > lease) {
      // the sender's record of the page goes right after the send, over its claim: written after the
      // lease, it finds the claim taken over and is refused, and the one who took it sends again
      ctx.addIssue({ code: 'custom', path: ['channels', 'twilio', 'timeout'], message: `${formatDuration(timeout)} plus redis.commandTimeout (${formatDuration(command)}) is longer than escalation.lease (${formatDuration(lease)}): the record of a page Twilio took at the last moment could be written after its claim lapsed, and another process take the page over and send it again` });
    } else if (twilioSend + (commandFits ? command : 0) > lease) {
      // the same for a page Twilio took without answering: found when asked, then recorded
      ctx.addIssue({ code: 'custom', path: ['channels', 'twilio', 'lookupTimeout'], message: `${formatDuration(lookupTimeout)} plus channels.twilio.timeout (${formatDuration(timeout)}) plus redis.commandTimeout (${formatDuration(command)}) is longer than escalation.lease (${formatDuration(lease)}): a page Twilio took without answering, found when asked, could be recorded after its claim lapsed, and another process take the page over and send it again` });
    }
    // the same for a mail: sendTimeout cuts off every send, whatever the server does; a per-step limit
    // longer than what holds it could never apply
    const email = d.channels.email;
    if (email.sendTimeout >= lease) {
      ctx.addIssue({ code: 'custom', path: ['channels', 'email', 'sendTimeout'], message: `${formatDuration(email.sendTimeout)} is not shorter than escalation.lease (${formatDuration(lease)}): a page still being handed to the mail server would be taken over and sent twice` });
    } else if (commandFits && email.sendTimeout + command > lease) {
      ctx.addIssue({ code: 'custom', path: ['channels', 'email', 'sendTimeout'], message: `${formatDuration(email.sendTimeout)} plus redis.commandTimeout (${formatDuration(command)}) is longer than escalation.lease (${formatDuration(lease)}): the record of a mail the server took at the last moment could be written after its claim lapsed, and another process take the page over and send it again` });
    }
    // Redis: a command still waiting when the claim it runs under lapses lets another replica take the
    // step over while this one carries on; WAIT (incidents.replicas) is a command too
    if (!commandFits) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'commandTimeout'], message: `${formatDuration(command)} is not shorter than escalation.lease (${formatDuration(lease)}): a claim could lapse while its command still waits, and another replica take the step over` });
    } else {
      // a claim taken over waits the grace before its send, then the checks before the send (a few
      // commands) and the renewal: lapsed meanwhile, it is taken over again by another process, which
      // waits its grace in turn, and the page goes out only when no one looks in time
      const grace = takeoverGraceMs(redis);
      if (grace + command >= lease) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', 'lease'],
          message: `${formatDuration(lease)} is not longer than the grace a claim taken over waits before its send (redis.reconnect.max ${formatDuration(redis.reconnect.max)} plus redis.commandTimeout ${formatDuration(command)}) plus one more redis.commandTimeout for the checks before the send (${formatDuration(grace + command)} in all): such a claim would lapse before its send and be taken over again by another process, and the page could go unsent however often it is taken over`,
        });
      }
    }
    // an engine worker stopping finishes the pages it is sending; killed first, a page it sent is
    // not recorded, and is sent again once its lease runs out
    const { workers, workerStop } = d.escalation;
    const attempt = longestAttemptMs(redis, Math.max(twilioSend, email.sendTimeout));
    if (workers > 1 && workerStop < attempt) {
      ctx.addIssue({
        code: 'custom',
        path: ['escalation', 'workerStop'],
        message: `${formatDuration(workerStop)} is shorter than a page's longest attempt in an engine worker (${formatDuration(attempt)}: the takeover grace, redis.reconnect.max plus redis.commandTimeout, then the longest send, channels.twilio.timeout plus lookupTimeout or channels.email.sendTimeout, then the write of its record, redis.commandTimeout): a worker stopped mid-send would be killed before its page is recorded, and the page sent again after the lease`,
      });
    }
    if (d.incidents.replicas > 0 && redis.commandTimeout <= d.incidents.replicaWait) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'commandTimeout'], message: `${formatDuration(redis.commandTimeout)} is not longer than incidents.replicaWait (${formatDuration(d.incidents.replicaWait)}): the wait for replicas would fail as a timed-out command` });
    }
    if (redis.connectTimeout > redis.startupWait) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'connectTimeout'], message: `${formatDuration(redis.connectTimeout)} is longer than redis.startupWait (${formatDuration(redis.startupWait)}), so it could never apply at start-up` });
    }
    const within = [
      ['connectTimeout', 'sendTimeout'],
      ['socketTimeout', 'sendTimeout'],
      ['greetingTimeout', 'connectTimeout'],
    ] as const;
    for (const [field, limit] of within) {
      if (email[field] > email[limit]) {
        ctx.addIssue({ code: 'custom', path: ['channels', 'email', field], message: `${formatDuration(email[field])} is longer than channels.email.${limit} (${formatDuration(email[limit])}), so it could never apply` });
      }
    }
  });
}
