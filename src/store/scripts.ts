/**
 * The one door to the Lua scripts in ./lua (BullMQ style: `<verbNoun>-<nKeys>.lua`, a header naming
 * KEYS/ARGV/returns). A script runs as a plain EVALSHA command, routed like any other (cluster slots)
 * and written together with the commands issued beside it; a Redis that does not know it yet (first
 * call, restart, another cluster node) answers NOSCRIPT and gets the full EVAL once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from './redis.js';

const here = dirname(fileURLToPath(import.meta.url));

/** src/store/lua when run from source, and the same folder when run from dist/. */
export function luaDir(): string {
  for (const dir of [join(here, 'lua'), join(here, '..', '..', 'src', 'store', 'lua')]) {
    if (existsSync(dir)) return dir;
  }
  throw new Error(`Lua scripts not found next to ${here}`);
}

/** `ingest-events-4.lua` → script `ingestEvents` with 4 keys. */
export function scriptName(file: string): { name: string; keys: number } | undefined {
  const m = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/.exec(file);
  if (!m) return undefined;
  const name = (m[1] ?? '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return { name, keys: Number(m[2]) };
}

interface LoadedScript {
  readonly lua: string;
  readonly sha: string;
  readonly keys: number;
}

/** Scripts by name, read once per process. */
let loaded: ReadonlyMap<string, LoadedScript> | undefined;
/** Clients registered (a guard: a store given an unprepared client fails loudly, not with NOSCRIPT). */
const registered = new WeakSet<RedisClient>();

function scripts(): ReadonlyMap<string, LoadedScript> {
  if (loaded) return loaded;
  const dir = luaDir();
  const out = new Map<string, LoadedScript>();
  for (const file of readdirSync(dir)) {
    const s = scriptName(file);
    if (!s) continue;
    const lua = withIncludes(readFileSync(join(dir, file), 'utf8'), dir);
    out.set(s.name, { lua, sha: createHash('sha1').update(lua).digest('hex'), keys: s.keys });
  }
  loaded = out;
  return out;
}

/** Makes every script callable on the client (idempotent). */
export function registerScripts(redis: RedisClient): void {
  scripts();
  registered.add(redis);
}

/** Replaces each `--@include <name>` line with lua/includes/<name>.lua, so helpers are written once. */
export function withIncludes(lua: string, dir: string): string {
  return lua.replace(/^--@include ([a-z0-9-]+)\s*$/gm, (_, name: string) => readFileSync(join(dir, 'includes', `${name}.lua`), 'utf8'));
}

/** Calls a registered script: EVALSHA, or EVAL when this Redis does not hold it yet. */
export async function callScript(redis: RedisClient, name: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const s = scripts().get(name);
  if (!s || !registered.has(redis)) throw new Error(`Lua script ${name} is not registered`);
  if (keys.length !== s.keys) throw new Error(`Lua script ${name} takes ${s.keys} keys, got ${keys.length}`);
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
    return redis.eval(s.lua, keys.length, ...keys, ...args);
  }
}
