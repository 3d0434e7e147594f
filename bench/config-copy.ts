/** A private copy of ./config for one benchmark, with some YAML files edited (comments and order kept). */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, type Document } from 'yaml';

export type ConfigFile = 'daemon' | 'playbooks' | 'severity' | 'roles' | 'roster' | 'sources' | 'messages';

export interface ConfigCopy {
  readonly dir: string;
  remove(): void;
}

/** Copies `from` into a temp dir and applies each edit to its file (`daemon` → daemon.yaml). */
export function copyConfig(edits: Partial<Record<ConfigFile, (doc: Document) => void>>, from = 'config'): ConfigCopy {
  const dir = mkdtempSync(join(tmpdir(), 'tocsin-bench-config-'));
  cpSync(from, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    if (!edit) continue;
    const path = join(dir, `${file}.yaml`);
    const doc = parseDocument(readFileSync(path, 'utf8'));
    edit(doc);
    writeFileSync(path, doc.toString());
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
