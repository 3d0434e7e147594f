import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchemas, SCHEMA_DIR, schemaFileOf } from './json-schema.js';

const CONFIG = join(import.meta.dirname, '..', '..', 'config');

type JsonSchema = { readonly [keyword: string]: unknown };
const isSchema = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Walks a JSON Schema and calls `visit` for every property of every object schema, with its JSON
 * path: through `properties`, `items` / `prefixItems` (`[]`, `[i]`), `additionalProperties` and
 * `patternProperties` (a record's values: `*`), `anyOf` / `oneOf` / `allOf`, `not`, `if` / `then` /
 * `else` and `$defs`. The keys of a record (`propertyNames`) are data, not properties: not visited.
 */
function eachProperty(schema: unknown, path: string, visit: (path: string, property: unknown) => void): void {
  if (!isSchema(schema)) return;
  if (isSchema(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      const at = `${path}.${name}`;
      visit(at, property);
      eachProperty(property, at, visit);
    }
  }
  eachProperty(schema.items, `${path}[]`, visit);
  if (Array.isArray(schema.prefixItems)) schema.prefixItems.forEach((s, i) => eachProperty(s, `${path}[${i}]`, visit));
  eachProperty(schema.additionalProperties, `${path}.*`, visit);
  if (isSchema(schema.patternProperties)) for (const [re, s] of Object.entries(schema.patternProperties)) eachProperty(s, `${path}.*(${re})`, visit);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[k];
    if (Array.isArray(list)) list.forEach((s, i) => eachProperty(s, `${path}<${k}[${i}]>`, visit));
  }
  for (const k of ['not', 'if', 'then', 'else'] as const) eachProperty(schema[k], `${path}<${k}>`, visit);
  if (isSchema(schema.$defs)) for (const [name, s] of Object.entries(schema.$defs)) eachProperty(s, `#/$defs/${name}`, visit);
}

/**
 * Properties that may go without a description: none so far. Keep it short and say why for each;
 * an entry is the file and the JSON path `eachProperty` writes, e.g. `messages.yaml:$.locales.en.levels.1`.
 */
const UNDESCRIBED_ALLOWED: ReadonlySet<string> = new Set<string>([]);

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

  it('describe every field a person writes, for the hover text of editors', () => {
    for (const [file, schema] of Object.entries(generated)) {
      const missing: string[] = [];
      let properties = 0;
      eachProperty(schema, '$', (path, property) => {
        properties++;
        const description = isSchema(property) ? property.description : undefined;
        if ((typeof description !== 'string' || description.trim() === '') && !UNDESCRIBED_ALLOWED.has(`${file}:${path}`)) missing.push(path);
      });
      expect(properties, `${file}: no properties found; has the schema's shape changed?`).toBeGreaterThan(0);
      expect(missing, `${file}: ${missing.length} field(s) without a description:\n  ${missing.join('\n  ')}`).toEqual([]);
    }
  });

  it('walk records, arrays and nested objects when looking for descriptions', () => {
    const seen: string[] = [];
    eachProperty(generated['roster.yaml'], '$', (path) => seen.push(path));
    expect(seen).toEqual(expect.arrayContaining(['$.people', '$.people.*.phone', '$.schedules.*.shifts[].rotation.every', '$.handover.before']));
    const gaps: string[] = [];
    eachProperty({ properties: { a: { type: 'array', items: { properties: { b: {} } } }, c: { description: 'c', anyOf: [{ properties: { d: {} } }] } } }, '$', (path, p) => {
      if (!isSchema(p) || typeof p.description !== 'string') gaps.push(path);
    });
    expect(gaps).toEqual(['$.a', '$.a[].b', '$.c<anyOf[0]>.d']);
  });
});
