import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchemas, SCHEMA_DIR, schemaFileOf } from './json-schema.js';

const CONFIG = join(import.meta.dirname, '..', '..', 'config');

describe('the config JSON Schemas for editors', () => {
  const generated = configJsonSchemas();

  it('ship up to date: config/schema holds exactly what `tocsin schema` writes', () => {
    for (const [file, schema] of Object.entries(generated)) {
      const shipped = JSON.parse(readFileSync(join(CONFIG, SCHEMA_DIR, schemaFileOf(file)), 'utf8')) as unknown;
      expect(shipped, `${schemaFileOf(file)} is stale: run npx tocsin schema`).toEqual(schema);
    }
  });

  it('cover every config file, and each file names its schema on its first line', () => {
    const yamls = readdirSync(CONFIG).filter((f) => f.endsWith('.yaml'));
    expect(Object.keys(generated).sort()).toEqual(yamls.sort());
    for (const f of yamls) {
      expect(readFileSync(join(CONFIG, f), 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_DIR}/${schemaFileOf(f)}`);
    }
  });

  it('describe the fields, strictly: unknown keys are not allowed', () => {
    const daemon = generated['daemon.yaml'] as { additionalProperties: boolean; properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(daemon.additionalProperties).toBe(false);
    expect(Object.keys(daemon.properties.escalation?.properties ?? {})).toEqual(expect.arrayContaining(['tick', 'lease', 'batch', 'kicks']));
  });
});
