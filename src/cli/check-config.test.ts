import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EX_CONFIG, runCheckConfig } from './check-config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copy(): string {
  const d = mkdtempSync(join(tmpdir(), 'tocsin-check-'));
  cpSync('config', d, { recursive: true });
  dirs.push(d);
  return d;
}

function edit(dir: string, file: string, from: string, to: string): void {
  const p = join(dir, file);
  const before = readFileSync(p, 'utf8');
  expect(before).toContain(from);
  writeFileSync(p, before.replace(from, to));
}

describe('check-config covers messages.yaml', () => {
  it('reports a bad placeholder in messages.yaml together with problems in the other files', () => {
    const d = copy();
    edit(d, 'messages.yaml', 'reply: "Reply {code}a to acknowledge', 'reply: "Reply {cod}a to acknowledge');
    edit(d, 'severity.yaml', 'raiseTo: 3', 'raiseTo: 9');
    const err = new PassThrough();
    expect(runCheckConfig([d], new PassThrough(), err)).toBe(EX_CONFIG);
    const lines = String(err.read()).trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/messages\.yaml: locales\.en\.sms\.reply: unknown placeholder \{cod\} \(use \{code\}\)/));
    expect(lines).toContainEqual(expect.stringMatching(/severity\.yaml: levels\.1\.raiseTo/));
    expect(lines.at(-1)).toMatch(/^2 problem\(s\)/);
  });

  it('a directory that is not there is one problem, not one per file', () => {
    const d = join(tmpdir(), `tocsin-no-such-config-${process.pid}`);
    const err = new PassThrough();
    expect(runCheckConfig([d], new PassThrough(), err)).toBe(EX_CONFIG);
    expect(String(err.read()).trim().split('\n')).toEqual([`${d}: (top): no configuration directory here (ENOENT)`, `1 problem(s) in ${d}`]);
  });

  it('a missing messages.yaml is a problem', () => {
    const d = copy();
    rmSync(join(d, 'messages.yaml'));
    const err = new PassThrough();
    expect(runCheckConfig([d], new PassThrough(), err)).toBe(EX_CONFIG);
    expect(String(err.read())).toMatch(/messages\.yaml: \(top\): cannot read: ENOENT/);
  });
});

describe('check-config warns about a playbook gap, and the configuration stays valid', () => {
  it('a class whose tiers due at the start all carry a match, and that does not say who is paged then, is a warning (exit 0)', () => {
    const d = copy();
    edit(d, 'playbooks.yaml', '    unmatched: { roles: [supervisor, center_manager]', '    # unmatched: { roles: [supervisor, center_manager]');
    const out = new PassThrough();
    const err = new PassThrough();
    expect(runCheckConfig([d], out, err)).toBe(0);
    expect(String(err.read()).trim().split('\n')).toEqual([
      `warning: ${join(d, 'playbooks.yaml')}: classes.security.tiers: every tier due at the start (0, 2) carries a match: an incident that fits none of them pages supervisor, center_manager (all of them), once, and is logged as an error, and no later tier of the class follows; set classes.security.unmatched to say who is paged then`,
    ]);
    expect(String(out.read())).toMatch(/: valid \(playbooks .*, 1 warning\(s\)\)\n$/);
  });

  it('not when one of them has no match, nor for the shipped configuration', () => {
    const d = copy();
    edit(d, 'playbooks.yaml', '    unmatched: { roles: [supervisor, center_manager]', '    # unmatched: { roles: [supervisor, center_manager]');
    edit(d, 'playbooks.yaml', "      - { after: 0, when: unresolved, match: { kind: '\\s*[Tt][Hh][Ee][Ff][Tt]\\s*' }, roles: [supervisor] }", '      - { after: 0, when: unresolved, roles: [supervisor] }');
    for (const dir of [d, 'config']) {
      const err = new PassThrough();
      expect(runCheckConfig([dir], new PassThrough(), err)).toBe(0);
      expect(err.read()).toBeNull();
    }
  });

  it("checks the roles of a class's unmatched", () => {
    const d = copy();
    edit(d, 'playbooks.yaml', '    unmatched: { roles: [supervisor, center_manager]', '    unmatched: { roles: [supervisor, centre_manager]');
    const err = new PassThrough();
    expect(runCheckConfig([d], new PassThrough(), err)).toBe(EX_CONFIG);
    expect(String(err.read())).toMatch(/playbooks\.yaml: classes\.security\.unmatched\.roles\.1: unknown role "centre_manager"/);
  });
});
