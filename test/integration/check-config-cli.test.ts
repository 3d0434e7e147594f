/** `tocsin check-config` as a process: its exit code and what it prints, for settings that would hang or cripple the daemon. */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Runs src/cli.ts as `tocsin` would, with `args`. */
const SCRIPT = `import(${JSON.stringify(join(ROOT, 'src', 'cli.ts'))}).then(async (m) => { process.exitCode = await m.runCli(process.argv.slice(1)); })`;

function tocsin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '-e', SCRIPT, ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function shippedWith(file: string, from: string, to: string): string {
  const d = mkdtempSync(join(tmpdir(), 'tocsin-cli-config-'));
  dirs.push(d);
  cpSync(join(ROOT, 'config'), d, { recursive: true });
  const text = readFileSync(join(d, file), 'utf8');
  expect(text).toContain(from);
  writeFileSync(join(d, file), text.replace(from, to));
  return d;
}

describe('tocsin check-config', () => {
  it('exits 78 for a rotation of 1ms, naming roster.yaml and the field', async () => {
    const d = shippedWith('roster.yaml', 'people: [omar_haddad, zhang_min], every: 7d', 'people: [omar_haddad, zhang_min], every: 1ms');
    const r = await tocsin(['check-config', d]);
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${join(d, 'roster.yaml')}: schedules.it_ops.shifts.0.rotation.every: must be at least 15m: a rotation hands over every \`every\` (shifts of hours, days or weeks)`,
      `1 problem(s) in ${d}`,
    ]);
  });

  it('exits 0 for the shipped config', async () => {
    const r = await tocsin(['check-config', join(ROOT, 'config')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid/);
  });
});
