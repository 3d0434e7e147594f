/** The schema of config/severity.yaml: the five levels, who each tells, and their deadlines. */
import { z } from 'zod';
import { durationText, id, level, type Durations } from './schema-parts.js';

/** severity.yaml, with `wait` durations divided by the clock speed. */
export function severitySchema({ wait }: Durations) {
  return z.strictObject({
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
          /** Unsolved this long at the level: its roles that a page of the incident reached get a reminder of `action`. */
          overdue: z
            .strictObject({
              after: wait.describe(durationText('Unsolved (not resolved, figures not back under their thresholds) this long at the level: the reminder goes.')),
              action: z.string().describe('What is due, as the reminder says it (e.g. written report upward, report in person).'),
            })
            .optional()
            .describe("When nobody solves it in time: the level's roles that a page of the incident reached get a reminder of the action due (a role never paged for the incident is not reminded)."),
        }),
      )
      .length(5)
      .describe('The five levels, one entry each.'),
  });
}
