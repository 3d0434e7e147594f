/** The schema of config/roles.yaml: the escalation targets and their channels. */
import { z } from 'zod';
import { channel, id } from './schema-parts.js';

/** roles.yaml. */
export function rolesSchema() {
  return z.strictObject({
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
}
