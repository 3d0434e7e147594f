/** The schema of config/playbooks.yaml: incident classes, their tiers, climbs and resolution. */
import { z } from 'zod';
import { channel, durationText, id, level, TIER_CONDITIONS, type Durations } from './schema-parts.js';

/** playbooks.yaml, with `wait` durations divided by the clock speed. */
export function playbooksSchema({ wait }: Durations) {
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
    /** Who is paged when no tier due at the start fits the incident (each carries a `match` it does not fit). */
    unmatched: z
      .strictObject({
        roles: z.array(id).min(1).describe('Roles paged instead (ids of roles.yaml).'),
        note: z.string().optional().describe('A line the page carries; default: that no tier of the plan fits the incident.'),
      })
      .optional()
      .describe(
        'Who is paged when no tier due at the start (after: 0) fits the incident: each carries a `match` its labels do not fit, so nobody would be paged. Default: the roles of all those tiers. Either way it is logged as an error and counted (tocsin_incidents_unmatched_total); giving it also tells check-config the gap is known.',
      ),
    onResolve: z
      .strictObject({
        notify: z.enum(['paged', 'none']).default('paged').describe('`paged`: everyone who was paged gets the all-clear; `none`: nobody does. Default paged.'),
        reminders: z
          .array(
            z.strictObject({
              /** Names the reminder for good (its step key); default: derived from after, roles, match and unless. */
              id: id
                .optional()
                .describe(
                  'A name of its own (snake_case), kept as its key whatever its place in the list or its wait. Default: a key made from after, roles, match and unless; needed only when two reminders of a class share all four.',
                ),
              after: wait.default(0).describe(durationText('Delay after the resolution.', '0')),
              roles: z.array(id).min(1).describe('Roles reminded (ids of roles.yaml).'),
              /** Only for incidents whose labels, or those of any event of the ended cycle, match. */
              match: z
                .record(z.string(), z.string())
                .optional()
                .describe(
                  "Only for incidents whose labels, or those of any firing event of the cycle that ended, match (e.g. discharge: deep): regular expressions against the whole value; a missing label is \"\".",
                ),
              /** Not for incidents whose labels, or those of any event of the ended cycle, match (another reminder says it instead). */
              unless: z
                .record(z.string(), z.string())
                .optional()
                .describe(
                  'Not for incidents whose labels, or those of any firing event of the cycle that ended, match (e.g. discharge: deep, when another reminder replaces this one for them): regular expressions against the whole value; a missing label is "".',
                ),
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

  return z.strictObject({
    version: z
      .string()
      .min(1)
      .describe('Version of the playbooks. Bump it when you change a chain: open incidents keep the version they started with.'),
    classes: z.record(id, klass).describe('The incident classes, by snake_case class id.'),
  });
}
