/** daemon.yaml's maintenance windows and inhibition rules: the scopes that hold pages back. */
import { z } from 'zod';
import { scopeProblem } from '../domain/suppression.js';
import { id, isoInstant } from './schema-parts.js';

/** The incidents a maintenance window covers: every field given must match. */
const scope = {
  sites: z.array(z.string().min(1)).min(1).optional().describe('Only incidents at these sites.'),
  classes: z
    .array(id)
    .min(1)
    .optional()
    .describe('Only incidents of these classes (ids of playbooks.yaml). A critical page (a class in throttle.criticalClasses, or a level at throttle.criticalLevel or above) is held only by a window that names its class here.'),
  /** Exact label values the incident must carry. */
  labels: z.record(z.string(), z.string()).optional().describe('Only incidents carrying these exact label values (label name → value).'),
};

/**
 * A scheduled maintenance window: escalations in its scope pause from `from` until `until`; a
 * critical incident's only when the window names its class (domain/suppression.ts holdsBack).
 */
export const maintenanceWindow = z
  .strictObject({
    name: z.string().min(1).describe('Name of the window.'),
    from: isoInstant.describe('When the window starts: an ISO-8601 date-time with offset, e.g. "2026-12-05T22:00:00+08:00".'),
    until: isoInstant.describe('When the window ends (required, after `from`): an ISO-8601 date-time with offset.'),
    ...scope,
    all: z.literal(true).optional().describe('Every incident: say so when the window names no site, class or label.'),
  })
  .refine((w) => Date.parse(w.from) < Date.parse(w.until), { message: 'until must be after from', path: ['until'] })
  .superRefine((w, ctx) => {
    const problem = scopeProblem(w);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['all'] });
  });

/** The incidents a side of an inhibition rule names: a class or classes, and label values. */
const incidentMatcher = z
  .strictObject({
    class: id.optional().describe('The incident is of this class (name a class or classes).'),
    classes: z.array(id).min(1).optional().describe('The incident is of one of these classes (name a class or classes).'),
    labels: z.record(z.string(), z.string()).optional().describe('Exact label values the incident must carry (label name → value); "" matches an incident without the label.'),
  })
  .refine((m) => m.class !== undefined || m.classes !== undefined, 'name a class or classes');

/** An inhibition rule: an open source incident holds back the pages of matching targets. */
export const inhibitRule = z.strictObject({
  name: z.string().min(1).optional().describe('Name of the rule, as recorded on inhibited incidents (default inhibit.<index>).'),
  source: incidentMatcher.describe('The root cause: an open incident matching this holds back the pages of the targets.'),
  target: incidentMatcher.describe('The incidents whose pages are held back while a source incident is open.'),
  /** Fields whose values must be equal in source and target: `site`, `class` or a label name. */
  equal: z
    .array(z.string().min(1))
    .default(['site'])
    .describe('Fields whose values must be equal in source and target: `site`, `class` or a label name. Default [site].'),
});
