/** The schema of config/roster.yaml: the people, who holds each role when, and shift-handover notices. */
import { z } from 'zod';
import { MIN_ROTATION_MS } from '../domain/roster.js';
import { channel, durationText, hhmm, id, timeZone, weekday, wholeNumber, type Durations } from './schema-parts.js';

/** roster.yaml; its rotations and handover notices are `span` durations, never scaled. */
export function rosterSchema({ span }: Durations) {
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

  return z.strictObject({
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
                    together: z
                      .boolean()
                      .optional()
                      .describe('Every one of `people` holds the shift at once, instead of taking turns: a group told together (standby staff called in by bulk SMS). Default false.'),
                    every: span
                      .refine((ms) => ms >= MIN_ROTATION_MS, `must be at least ${MIN_ROTATION_MS / 60_000}m: a rotation hands over every \`every\` (shifts of hours, days or weeks)`)
                      .prefault('7d')
                      .describe(durationText(`How long each person holds the shift before the next takes over; at least ${MIN_ROTATION_MS / 60_000}m.`, '7d')),
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
}
