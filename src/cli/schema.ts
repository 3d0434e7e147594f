/** `tocsin schema [DIR]`: writes the config's JSON Schemas (default: config/schema) for editors. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchemas, schemaFileOf } from '../config/json-schema.js';

export function runSchema(args: readonly string[], out: NodeJS.WritableStream, defaultDir: string): number {
  const dir = args[0] ?? defaultDir;
  mkdirSync(dir, { recursive: true });
  for (const [file, schema] of Object.entries(configJsonSchemas())) {
    const path = join(dir, schemaFileOf(file));
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    out.write(`${path}\n`);
  }
  return 0;
}
