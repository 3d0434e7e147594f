/**
 * The one door to the Lua scripts in ./lua (BullMQ style: `<verbNoun>-<nKeys>.lua`, a header naming
 * KEYS/ARGV/returns). Each script is registered with ioredis' defineCommand (EVALSHA, falling back
 * to EVAL), so it pipelines like any command.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis.js';

const here = dirname(fileURLToPath(import.meta.url));

/** src/store/lua when run from source, and the same folder when run from dist/. */
export function luaDir(): string {
  for (const dir of [join(here, 'lua'), join(here, '..', '..', 'src', 'store', 'lua')]) {
    if (existsSync(dir)) return dir;
  }
  throw new Error(`Lua scripts not found next to ${here}`);
}

/** `ingest-events-4.lua` → command `ingestEvents` with 4 keys. */
export function scriptName(file: string): { name: string; keys: number } | undefined {
  const m = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/.exec(file);
  if (!m) return undefined;
  const name = (m[1] ?? '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return { name, keys: Number(m[2]) };
}

/** Registers every script on the client (idempotent). */
export function registerScripts(redis: RedisClient): void {
  const dir = luaDir();
  for (const file of readdirSync(dir)) {
    const s = scriptName(file);
    if (!s || typeof (redis as unknown as Record<string, unknown>)[s.name] === 'function') continue;
    redis.defineCommand(s.name, { numberOfKeys: s.keys, lua: withIncludes(readFileSync(join(dir, file), 'utf8'), dir) });
  }
}

/** Replaces each `--@include <name>` line with lua/includes/<name>.lua, so helpers are written once. */
export function withIncludes(lua: string, dir: string): string {
  return lua.replace(/^--@include ([a-z0-9-]+)\s*$/gm, (_, name: string) => readFileSync(join(dir, 'includes', `${name}.lua`), 'utf8'));
}

type Callable = (...args: (string | number)[]) => Promise<unknown>;

/** Calls a registered script on a client or a pipeline. */
export function callScript(target: RedisClient | ChainableCommander, name: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const fn = (target as unknown as Record<string, Callable | undefined>)[name];
  if (typeof fn !== 'function') throw new Error(`Lua script ${name} is not registered`);
  return fn.call(target, ...keys, ...args);
}
