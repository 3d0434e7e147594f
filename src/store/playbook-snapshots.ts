/**
 * The playbook each incident started with: every (version, classes) is stored once in Redis at
 * start-up, so a config reload never rewrites escalations in flight. Snapshots are kept per clock
 * speed, since their waits are stored already scaled.
 */
import type { RedisClient } from './redis.js';
import type { ClassConfig } from '../config/schema.js';
import type { PlaybookSnapshots } from '../domain/escalation-ports.js';
import type { Keys } from './keys.js';
import { storeError } from './redis.js';

export class RedisPlaybookSnapshots implements PlaybookSnapshots {
  private readonly cache = new Map<string, Readonly<Record<string, ClassConfig>> | null>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: readonly Keys[],
    private readonly clockSpeed: number,
  ) {}

  private key(k: Keys, version: string): string {
    return k.custom(this.clockSpeed === 1 ? `playbook:${version}` : `playbook:${version}@x${this.clockSpeed}`);
  }

  /** Stores the classes under their version in every namespace; returns false when a different body already had that version. */
  async save(version: string, classes: Readonly<Record<string, ClassConfig>>): Promise<void> {
    const body = JSON.stringify(classes);
    try {
      for (const k of this.keys) await this.redis.set(this.key(k, version), body, 'NX');
    } catch (e) {
      throw storeError(e);
    }
  }

  /** True when the stored snapshot of `version` differs from `classes` (a chain changed without a version bump). */
  async differs(version: string, classes: Readonly<Record<string, ClassConfig>>): Promise<boolean> {
    const first = this.keys[0];
    if (!first) return false;
    const raw = await this.redis.get(this.key(first, version));
    return raw !== null && raw !== JSON.stringify(classes);
  }

  async classFor(version: string, klass: string): Promise<ClassConfig | undefined> {
    if (!this.cache.has(version)) {
      const first = this.keys[0];
      let raw: string | null = null;
      try {
        if (first) raw = await this.redis.get(this.key(first, version));
      } catch (e) {
        throw storeError(e);
      }
      // a version not stored (yet) is looked up again next time
      if (raw === null) return undefined;
      this.cache.set(version, JSON.parse(raw) as Record<string, ClassConfig>);
    }
    return this.cache.get(version)?.[klass] ?? undefined;
  }
}
