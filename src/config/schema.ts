/**
 * The closed schema of the files under config/. Parsed once at start-up, then frozen.
 * Durations are written as "30s", "5m", "1h30m". Two kinds:
 *  - `wait`: a time the daemon waits (tier delays, cadences, hold times, windows). Divided by
 *    TOCSIN_CLOCK_SPEED so drills and tests can run a playbook's minutes in seconds.
 *  - `span`: a fact about the world compared with telemetry (a UPS runtime, business hours). Never scaled.
 */
import type { z } from 'zod';
import { daemonSchema } from './daemon-schema.js';
import { playbooksSchema } from './playbooks-schema.js';
import { rolesSchema } from './roles-schema.js';
import { rosterSchema } from './roster-schema.js';
import { durationSchemas } from './schema-parts.js';
import { severitySchema } from './severity-schema.js';
import { sourcesSchema } from './sources-schema.js';

export { CHANNELS, CLASS_ID, THROTTLED_PHASES, TIER_CONDITIONS } from './schema-parts.js';

/** Every file's schema, with `wait` durations divided by the clock speed. */
export function makeSchemas(clockSpeed: number) {
  const durations = durationSchemas(clockSpeed);
  return {
    daemon: daemonSchema(durations),
    playbooks: playbooksSchema(durations),
    severity: severitySchema(durations),
    roles: rolesSchema(),
    roster: rosterSchema(durations),
    sources: sourcesSchema(durations),
  };
}

export type Schemas = ReturnType<typeof makeSchemas>;
export type DaemonConfig = z.output<Schemas['daemon']>;
export type PlaybooksConfig = z.output<Schemas['playbooks']>;
export type ClassConfig = PlaybooksConfig['classes'][string];
export type TierConfig = ClassConfig['tiers'][number];
export type SeverityConfig = z.output<Schemas['severity']>;
export type RolesConfig = z.output<Schemas['roles']>;
type RosterFile = z.output<Schemas['roster']>;
/** A person of roster.yaml, their time zone filled in (daemon.yaml `timezone` when they give none). */
export type RosterPerson = RosterFile['people'][string] & { readonly timezone: string };
export type RosterConfig = Omit<RosterFile, 'people'> & { readonly people: Readonly<Record<string, RosterPerson>> };
export type SourcesConfig = z.output<Schemas['sources']>;
export type HeartbeatsConfig = SourcesConfig['heartbeats'];
export type MaintenanceWindowConfig = DaemonConfig['maintenance'][number];
export type InhibitRuleConfig = DaemonConfig['inhibit'][number];
export type RateLimitsConfig = DaemonConfig['rateLimits'];

/** The files, in the order they are read. */
export const CONFIG_FILES = ['daemon', 'playbooks', 'severity', 'roles', 'roster', 'sources'] as const;
export type ConfigFileName = (typeof CONFIG_FILES)[number];
