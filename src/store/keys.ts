/**
 * Every Redis key tocsin uses is built here. All keys of one namespace share the hash tag `{ns}`
 * so that every multi-key Lua script runs unchanged on a Redis Cluster (one slot per namespace).
 * Namespaces: `live` for real incidents, `drill` for drills (which never see live ones).
 */
export type Namespace = 'live' | 'drill';

export interface Keys {
  readonly ns: Namespace;
  /** Prefix of an incident's own keys; Lua scripts append the id and a suffix. */
  readonly incidentBase: string;
  incident(id: string): string;
  members(id: string): string;
  memberDetails(id: string): string;
  timeline(id: string): string;
  notifications(id: string): string;
  /** member → epoch ms: the firing members whose resolution is being held, by when the hold ends. */
  calm(id: string): string;
  /** groupKey → id of the last incident of that group (open, or resolved within the reopen window). */
  readonly groups: string;
  /** id → openedAt, incidents not yet resolved. */
  readonly open: string;
  /** id → openedAt, every incident kept. */
  readonly all: string;
  /** id → epoch ms when the escalation engine must look at the incident again. */
  readonly due: string;
  /** Free-form key inside the namespace (for modules that own their own keys). */
  custom(name: string): string;
}

export function makeKeys(prefix: string, ns: Namespace): Keys {
  const base = `${prefix}{${ns}}:`;
  const incidentBase = `${base}inc:`;
  return {
    ns,
    incidentBase,
    incident: (id) => `${incidentBase}${id}`,
    members: (id) => `${incidentBase}${id}:m`,
    memberDetails: (id) => `${incidentBase}${id}:md`,
    timeline: (id) => `${incidentBase}${id}:tl`,
    notifications: (id) => `${incidentBase}${id}:nt`,
    calm: (id) => `${incidentBase}${id}:calm`,
    groups: `${base}groups`,
    open: `${base}open`,
    all: `${base}all`,
    due: `${base}due`,
    custom: (name) => `${base}${name}`,
  };
}
