/** The CLI's usage text, and what a command's arguments ask before it runs. */

export const USAGE = `usage: tocsin <command>
  check-config [DIR]                    validate the configuration (exit 0 valid, 78 invalid)
  schema [DIR]                          write the config's JSON Schemas for editors (default config/schema)
  drill <class> [--site S] [--key K]    open a drill incident that runs the real chain, marked DRILL
  ups-poll --upsd HOST:PORT --ups NAME[,NAME...] --site S [--url URL] [--interval 5s] [--timeout 5s] [--once]
                                        poll NUT's upsd and post each UPS to /webhooks/ups
  ups-notify                            NUT NOTIFYCMD: posts NOTIFYTYPE/UPSNAME to /webhooks/ups
`;

const COMMANDS = new Set(['check-config', 'schema', 'drill', 'ups-poll', 'ups-notify']);
/** The commands that take at most one argument, a directory. */
const DIR_COMMANDS = new Set(['check-config', 'schema']);

export type ArgsVerdict = { readonly kind: 'run' } | { readonly kind: 'help'; readonly text: string } | { readonly kind: 'usage-error'; readonly text: string };

/** The usage lines of one command (its line and the lines continuing it). */
export function usageOf(command: string): string {
  const lines = USAGE.split('\n');
  const at = lines.findIndex((l) => l.trimStart().startsWith(`${command} `) || l.trim() === command);
  if (at < 0) return USAGE;
  const own = [lines[at] ?? ''];
  for (const l of lines.slice(at + 1)) {
    if (!/^\s{10,}\S/.test(l)) break;
    own.push(l);
  }
  return `usage: tocsin ${own.map((l) => l.trim().replace(/ {2,}/, '\n    ')).join('\n    ')}\n`;
}

/**
 * `-h` / `--help` after a command asks for its usage (and never runs it: `schema --help` wrote the
 * schemas into a directory called `--help`); a command that takes a directory refuses an option or a
 * second argument instead of taking it for one.
 */
export function judgeArgs(command: string, args: readonly string[]): ArgsVerdict {
  if (!COMMANDS.has(command)) return { kind: 'run' }; // the caller answers an unknown command
  if (args.some((a) => a === '-h' || a === '--help')) return { kind: 'help', text: usageOf(command) };
  if (!DIR_COMMANDS.has(command)) return { kind: 'run' };
  const option = args.find((a) => a.startsWith('-'));
  if (option !== undefined) return { kind: 'usage-error', text: `tocsin ${command}: unknown option ${option}\n${usageOf(command)}` };
  if (args.length > 1) return { kind: 'usage-error', text: `tocsin ${command}: one directory at most, got ${args.length} arguments\n${usageOf(command)}` };
  return { kind: 'run' };
}
