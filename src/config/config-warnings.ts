/**
 * What a valid configuration may still get wrong: findings that do not stop the daemon (check-config
 * prints them, start-up logs them), each naming the file and the path inside it.
 */
import { join } from 'node:path';
import type { Config, ConfigProblem } from './load-config.js';

/** Every warning about a loaded configuration. */
export function configWarnings(c: Pick<Config, 'dir' | 'playbooks'>): ConfigProblem[] {
  return playbookGaps(c);
}

/**
 * A class whose tiers due at the start (after: 0, no atLevel) all carry a `match` may meet an incident
 * none of them fits: nobody of its plan would be paged then. The daemon pages the roles of those tiers
 * instead (and logs it as an error); a class that says who with `unmatched` knows of the gap.
 */
function playbookGaps(c: Pick<Config, 'dir' | 'playbooks'>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const [cid, cl] of Object.entries(c.playbooks.classes)) {
    const start = cl.tiers.map((t, i) => ({ t, i })).filter(({ t }) => t.after === 0 && t.atLevel === undefined);
    if (start.length === 0 || cl.unmatched !== undefined || start.some(({ t }) => t.match === undefined)) continue;
    const roles = [...new Set(start.flatMap(({ t }) => t.roles))];
    out.push({
      file: join(c.dir, 'playbooks.yaml'),
      path: `classes.${cid}.tiers`,
      message: `every tier due at the start (${start.map(({ i }) => i).join(', ')}) carries a match: an incident that fits none of them pages ${roles.join(', ')} (all of them), once, and is logged as an error, and no later tier of the class follows; set classes.${cid}.unmatched to say who is paged then`,
    });
  }
  return out;
}
