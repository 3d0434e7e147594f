import { describe, expect, it } from 'vitest';
import { judgeArgs, USAGE, usageOf } from './usage.js';

describe('the CLI arguments', () => {
  it('answers --help and -h after any command with that command usage, without running it', () => {
    for (const command of ['check-config', 'schema', 'drill', 'ups-poll', 'ups-notify']) {
      for (const flag of ['--help', '-h']) {
        const v = judgeArgs(command, ['x', flag]);
        expect(v.kind, `${command} ${flag}`).toBe('help');
        expect(v.kind === 'help' && v.text, command).toMatch(new RegExp(`^usage: tocsin ${command}`));
      }
    }
    expect(usageOf('ups-poll')).toContain('poll NUT');
  });

  it('refuses an option or a second argument where a directory is expected, instead of writing into a directory named after it', () => {
    expect(judgeArgs('schema', ['--out'])).toEqual({ kind: 'usage-error', text: expect.stringMatching(/^tocsin schema: unknown option --out\nusage: tocsin schema \[DIR\]/) });
    expect(judgeArgs('check-config', ['a', 'b'])).toEqual({ kind: 'usage-error', text: expect.stringMatching(/one directory at most, got 2 arguments/) });
    expect(judgeArgs('schema', ['out/schemas'])).toEqual({ kind: 'run' });
    expect(judgeArgs('check-config', [])).toEqual({ kind: 'run' });
  });

  it('leaves the options of the other commands, and unknown commands, to them', () => {
    expect(judgeArgs('drill', ['power', '--site', 'hq'])).toEqual({ kind: 'run' });
    expect(judgeArgs('nonsense', ['--help'])).toEqual({ kind: 'run' });
    expect(USAGE).toMatch(/^usage: tocsin <command>/);
  });
});
