/** `tocsin check-config [DIR]`: exit 0 when valid, 78 with every problem (file: path: message) otherwise. */
import type { Writable } from 'node:stream';
import { configWarnings } from '../config/config-warnings.js';
import { configDirOf } from '../config/env.js';
import { ConfigError, configDirProblem, formatProblem, loadConfig, type ConfigProblem } from '../config/load-config.js';
import { loadMessages } from '../config/messages-schema.js';

import { EX_CONFIG } from './exit-codes.js';

export { EX_CONFIG };

export function runCheckConfig(args: readonly string[], out: Writable, err: Writable): number {
  const dir = args[0] ?? configDirOf();
  try {
    const missing = configDirProblem(dir);
    if (missing) throw new ConfigError([missing]);
    // messages.yaml is checked beside the other files, so every problem is reported at once.
    const messageProblems: ConfigProblem[] = [];
    try {
      loadMessages(dir);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      messageProblems.push(...e.problems);
    }
    let c: ReturnType<typeof loadConfig>;
    try {
      c = loadConfig(dir);
    } catch (e) {
      if (e instanceof ConfigError && messageProblems.length > 0) throw new ConfigError([...e.problems, ...messageProblems]);
      throw e;
    }
    if (messageProblems.length > 0) throw new ConfigError(messageProblems);
    // valid all the same: the warnings go to stderr, and the exit code stays 0
    const warnings = configWarnings(c);
    for (const w of warnings) err.write(`warning: ${formatProblem(w)}\n`);
    const warned = warnings.length > 0 ? `, ${warnings.length} warning(s)` : '';
    out.write(`${c.dir}: valid (playbooks ${c.playbooks.version}, ${Object.keys(c.playbooks.classes).length} classes, ${Object.keys(c.roster.people).length} people${warned})\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) err.write(`${formatProblem(p)}\n`);
      err.write(`${e.problems.length} problem(s) in ${dir}\n`);
      return EX_CONFIG;
    }
    throw e;
  }
}
