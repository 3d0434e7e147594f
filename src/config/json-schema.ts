/**
 * JSON Schemas of the config files, for editors (YAML language servers complete and check fields
 * as you type). Generated from the same zod schemas the daemon validates with, describing what a
 * file may contain (durations as "90s" / "5m" strings or a bare number of seconds).
 */
import { z } from 'zod';
import { messagesSchema, MESSAGES_FILE } from './messages-schema.js';
import { CONFIG_FILES, makeSchemas } from './schema.js';

/** The folder under config/ the schemas ship in, and the file name of each. */
export const SCHEMA_DIR = 'schema';
export const schemaFileOf = (yamlFile: string): string => yamlFile.replace(/\.yaml$/, '.schema.json');

/** `{ "daemon.yaml": <schema>, … }` for every config file, messages.yaml included. */
export function configJsonSchemas(): Record<string, object> {
  const schemas = makeSchemas(1);
  const all: [string, z.ZodType][] = [...CONFIG_FILES.map((n): [string, z.ZodType] => [`${n}.yaml`, schemas[n] as z.ZodType]), [MESSAGES_FILE, messagesSchema]];
  return Object.fromEntries(
    all.map(([file, schema]) => [
      file,
      { title: `tocsin config/${file}`, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) },
    ]),
  );
}
