/** The schema of config/sources.yaml: Alertmanager, UPS, ACD and TaskRouter intake, and the heartbeats. */
import { z } from 'zod';
import { durationText, id, level, type Durations, type DurationSchema } from './schema-parts.js';

/** Descriptions shared by the many `{ class, level }` pairs of sources.yaml. */
const CLASS_OPENED = 'Class of the incident it opens (a class id of playbooks.yaml).';
const LEVEL_OPENED = 'Level of that incident, 1–5.';

const labelMatch = z.record(z.string(), z.string());

/** sources.yaml, with `wait` durations divided by the clock speed. */
export function sourcesSchema({ wait, span, waitAtLeast }: Durations) {
  return z.strictObject({
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
        /** On battery and discharged this much (100 − charge, percent), or low battery: a deep discharge. */
        deepDischarge: z
          .strictObject({
            depthAtLeast: z.number().min(0).max(100).default(50).describe('Discharge depth, in percent of the battery (100 − battery.charge), from which an outage counts as a deep discharge. Default 50.'),
          })
          .prefault({})
          .describe(
            'A deep discharge: on battery with at least `depthAtLeast` percent discharged, or low battery (LB, LOWBATT). The power incident gets the label discharge=deep, which playbook reminders can match (the longer float after mains returns).',
          ),
        /**
         * FSD still in ups.status while the UPS is on line with at least this charge: the forced shutdown
         * is over (upsd keeps the flag until it restarts); an incident of its own, not a critical power one.
         */
        staleFsd: z
          .strictObject({
            chargeAtLeast: z.number().min(0).max(100).default(60).describe('Battery charge, in percent (0–100), from which FSD on line power counts as stale. Default 60.'),
            class: id.default('machine_room').describe(`${CLASS_OPENED} Default machine_room.`),
            level: level.default(2).describe(`${LEVEL_OPENED} Default 2.`),
          })
          .prefault({})
          .describe(
            'FSD left in ups.status after a forced shutdown (upsd clears it only when it restarts): on line with at least `chargeAtLeast` percent it no longer holds the power incident critical; it opens this incident until upsd is restarted.',
          ),
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
            abandonMinOffered: z
              .number()
              .int()
              .min(1)
              .default(20)
              .describe('Fewest calls offered in the interval for the abandon rate to be judged; with fewer it cannot raise a surge and counts as under. Default 20.'),
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
            loggedInBelow: z.number().int().min(0).describe('Logged-in agents below this during business hours (daemon.yaml businessHours); outside them fewer is expected and resolves an open collapse.'),
            /** The last stretch of business hours, in which agents logging off is the floor going home. */
            closingWindow: span
              .prefault('15m')
              .describe(
                durationText(
                  'The last stretch of business hours, before they end, in which fewer agents is the floor going home, not an outage: a report in it opens nothing and ends an open collapse, as after hours. 0: judged up to the end.',
                  '15m',
                ),
              ),
            /** The first stretch of business hours, in which agents are still logging in. */
            openingWindow: span
              .prefault('15m')
              .describe(
                durationText(
                  'The first stretch of business hours, after they open, in which fewer agents is the floor still logging in, not an outage: a report in it opens nothing (and ends an open collapse), as before opening; the first report after it is judged. 0: judged from the opening.',
                  '15m',
                ),
              ),
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
        /** How often the waiting tasks are aged between callbacks (a stuck call crosses the longest wait). */
        recheck: waitAtLeast({ ms: 1000, why: 'each re-check reads and judges every queue with tasks waiting, so a shorter cadence runs in a loop' })
          .prefault('10s')
          .describe(
            durationText(
              'How often the tasks known to wait are aged between callbacks, so a queue whose oldest task passes `acd.surge.longestWaitAbove` surges without waiting for the next callback; at least 1s.',
              '10s',
            ),
          ),
        /** How often each mapped workspace's queues are polled for the agents logged in (0: never). Real time: it asks Twilio's API. */
        agentsPoll: span
          .refine((ms) => ms === 0 || ms >= 10_000, "must be 0 (off) or at least 10s: each round asks Twilio's API once per queue of every workspace")
          .prefault('1m')
          .describe(
            durationText(
              "How often the real-time statistics of every queue of each workspace in `sites` are read from the TaskRouter API (with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN set) for the agents logged in, judged by `acd.agentsCollapse`; real time whatever TOCSIN_CLOCK_SPEED says, as it asks Twilio's API. At least 10s; 0 turns the poll off.",
              '1m',
            ),
          ),
        /** How long one request to the TaskRouter API may take. Real time: it waits for Twilio. */
        timeout: span
          .refine((ms) => ms >= 1000, 'must be at least 1s')
          .prefault('15s')
          .describe(
            durationText(
              "How long one request of the agents poll to the TaskRouter API may take before it counts as failed (reason timeout; the workspace's other queues then wait for the next poll); real time whatever TOCSIN_CLOCK_SPEED says. At least 1s.",
              '15s',
            ),
          ),
        /** The agents poll failing this long for a workspace opens an incident; its first read resolves it. */
        blind: z
          .strictObject({
            after: span
              .prefault('5m')
              .describe(
                durationText(
                  "A workspace whose agents poll has read nothing (every request failed: credentials revoked, the API unreachable) for this long opens an incident of `class`; the first poll that reads it again resolves it. Real time, as agentsPoll; 0: never.",
                  '5m',
                ),
              ),
            class: id.default('network_infosys').describe(`${CLASS_OPENED} Default network_infosys.`),
            level: level.default(2).describe(`${LEVEL_OPENED} Default 2.`),
            during: z
              .enum(HEARTBEAT_HOURS)
              .default('business_hours')
              .describe(
                "When a blind poll opens the incident. business_hours: only within daemon.yaml businessHours, when the agents check it stands for is wanted (a poll blind overnight opens it at the first failed round after the opening, its summary saying since when). always: at any hour, to have it mended before the opening. An open one stays until a poll reads the workspace. Default business_hours.",
              ),
          })
          .prefault({})
          .describe('The agents poll gone blind: without it no collapse of agents on a TaskRouter queue is ever paged, so its lasting failure is an incident of its own.'),
        /** Worker activities that mean logged off (case-insensitive): the agents logged in are a queue's eligible workers in any other. */
        offlineActivities: z
          .array(z.string().min(1))
          .min(1)
          .default(['Offline'])
          .describe("Worker activities that mean logged off (case-insensitive): a queue's agents logged in are its eligible workers in any other activity. Default [Offline]."),
      })
      .prefault({})
      .describe('Twilio TaskRouter: event callbacks turned into ACD figures, and the agents logged in polled from its API.'),
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
        check: waitAtLeast({ ms: 1000, why: 'each check reads the last beat of every watched source, so a shorter cadence runs in a loop' })
          .prefault('30s')
          .describe(durationText('How often the daemon looks for silent sources; at least 1s.', '30s')),
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
            ...watchedHours(wait, 'always'),
          })
          .prefault({})
          .describe("Alertmanager's Watchdog alert, keyed by its site label."),
        ups: watchedFeed(wait, '5m', 'site/device', 'always').describe('The UPS poller: its POST /webhooks/ups (reporter ups-poll, or a body with vars; upsmon notifications are no beat), keyed site/device.'),
        acd: watchedFeed(wait, '30m', 'site/queue', 'business_hours').describe(
          'The ACD feed: any POST /webhooks/acd, keyed site/queue. Watched during business hours by default: an ACD stops posting once the centre closes.',
        ),
      })
      .prefault({})
      .describe(
        "The dead-man's switch: a source that stops reporting for `missingAfter` opens an incident; its next report resolves it. Only keys seen at least once, or listed in `expected`, are watched.",
      ),
  });
}

export const HEARTBEAT_HOURS = ['always', 'business_hours'] as const;

/** When a heartbeat source is watched: always, or only in business hours (with a grace after each opening). */
function watchedHours(wait: DurationSchema, during: (typeof HEARTBEAT_HOURS)[number]) {
  return {
    during: z
      .enum(HEARTBEAT_HOURS)
      .default(during)
      .describe(
        `When the source is expected to report. always: at any hour. business_hours: only within daemon.yaml businessHours; outside them a silence is no alarm, and a "silent" incident still open when they end is resolved then (all-clear: hours ended). Default ${during}.`,
      ),
    openingGrace: wait
      .optional()
      .describe(
        durationText(
          'With during: business_hours, how long after business hours open the first report of the day may take: a source not heard since before the opening is silent only once this has passed (and missingAfter since its last report). Default: missingAfter.',
        ),
      ),
  };
}

/** A heartbeat source fed by its own webhook: silent `missingAfter` (default given) opens an incident. */
function watchedFeed(wait: DurationSchema, missingAfter: string, key: string, during: (typeof HEARTBEAT_HOURS)[number]) {
  return z
    .strictObject({
      enabled: z.boolean().default(true).describe('Watch this source. Default true.'),
      missingAfter: wait.prefault(missingAfter).describe(durationText('Silent this long: an incident opens.', missingAfter)),
      expected: z.array(z.string().min(1)).default([]).describe(`Keys (${key}) watched from start-up, even before their first report. Default none.`),
      ...watchedHours(wait, during),
    })
    .prefault({});
}
