import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildGatherReplyTwiml } from '../channels/twilio/twiml.js';
import { ConfigError } from './load-config.js';
import { loadMessages } from './messages-schema.js';

const SHIPPED = join(import.meta.dirname, '../../config/messages.yaml');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tocsin-messages-'));
  cpSync(SHIPPED, join(dir, 'messages.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function edit(fn: (s: string) => string): void {
  const p = join(dir, 'messages.yaml');
  writeFileSync(p, fn(readFileSync(p, 'utf8')));
}

function problems(options?: { classes?: readonly string[] }): Array<{ file: string; path: string; message: string }> {
  try {
    loadMessages(dir, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('TOCSIN_ERR_CONFIG_INVALID');
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadMessages', () => {
  it('loads the shipped file, frozen', () => {
    const m = loadMessages(dir);
    expect(m.locales.en.classes.power?.name).toBe('Power failure');
    expect(m.locales['zh-CN'].sayLanguage).toBe('zh-CN');
    expect(Object.isFrozen(m.locales.en.classes)).toBe(true);
  });

  it('loads a messages.yaml written before voice.noFurtherTier existed, and the call then says it in English', () => {
    edit((s) => s.replace(/^\s*noFurtherTier:.*\n/gm, ''));
    const m = loadMessages(dir);
    expect(m.locales.en.voice.noFurtherTier).toBeUndefined();
    expect(buildGatherReplyTwiml(m.locales['zh-CN'], { kind: 'no_further_tier' }, 'https://x.test/a', 5)).toContain('There is no further tier to page; the incident stays with you.');
  });

  it('names file and path of an unknown placeholder', () => {
    edit((s) => s.replace('sms: "{tag} {class} @{site} L{level}: {summary}. {advice} {note} {bundle}"', 'sms: "{tag} {klass} @{site}"'));
    const p = problems();
    expect(p).toHaveLength(1);
    expect(p[0]?.file).toBe(join(dir, 'messages.yaml'));
    expect(p[0]?.path).toBe('locales.en.fallback.sms');
    expect(p[0]?.message).toContain('unknown placeholder {klass}');
  });

  it('names a missing template and an unknown key', () => {
    edit((s) => s.replace('      reply: "Reply {code}a to acknowledge, {code}c to resolve"\n', '      replyy: "x"\n'));
    const paths = problems().map((p) => p.path);
    expect(paths).toContain('locales.en.sms.reply');
    expect(paths).toContain('locales.en.sms');
  });

  it('reports YAML syntax errors', () => {
    writeFileSync(join(dir, 'messages.yaml'), 'version: 1\nlocales: [\n');
    expect(problems()[0]?.message).toMatch(/^YAML: /);
  });

  it('reports a missing file', () => {
    rmSync(join(dir, 'messages.yaml'));
    expect(problems()[0]?.message).toBe('cannot read: ENOENT');
  });

  it('with the playbook classes, reports a class without messages', () => {
    const p = problems({ classes: ['power', 'lift_failure'] });
    expect(p.map((x) => x.path)).toEqual(['locales.en.classes.lift_failure', 'locales.zh-CN.classes.lift_failure']);
  });
});
