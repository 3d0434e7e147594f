/**
 * The incident record of PLAYBOOKS.md ("What every incident record holds"), built from an Incident:
 * facts, tiers reached and when, who was paged when and how, who acknowledged and resolved, time to
 * acknowledge and to resolve, and the timeline. JSON, or Markdown for people.
 */
import type { Incident, TimelineEntry } from '../domain/incident.js';

export interface ReportContext {
  readonly classes: Readonly<Record<string, { readonly name: string }>>;
  readonly roles: Readonly<Record<string, { readonly name: string }>>;
  readonly people: Readonly<Record<string, { readonly name: string }>>;
}

export interface TierReached {
  readonly tier: number;
  readonly reachedAt: string | null;
  readonly roles: readonly string[];
}

export interface PagedPerson {
  readonly person: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly firstPagedAt: string;
  readonly channels: readonly string[];
}

export interface ReportNotification {
  readonly at: string;
  readonly tier: number;
  readonly role: string;
  readonly person: string;
  readonly name: string;
  readonly channel: string;
  readonly status: string;
  readonly phase?: string | undefined;
}

export interface IncidentReport {
  readonly incident: {
    readonly id: string;
    readonly class: string;
    readonly className: string;
    readonly level: number;
    readonly state: string;
    readonly site: string;
    readonly summary: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly details: Readonly<Record<string, unknown>>;
    readonly openedAt: string;
    readonly acknowledgedAt: string | null;
    readonly resolvedAt: string | null;
    readonly eventCount: number;
    readonly tier: number;
    readonly reopenCount: number;
  };
  readonly drill: boolean;
  readonly tiers: readonly TierReached[];
  readonly paged: readonly PagedPerson[];
  readonly notifications: readonly ReportNotification[];
  readonly acknowledged: { readonly by: string; readonly name: string | null; readonly at: string } | null;
  readonly resolved: { readonly by: string; readonly name: string | null; readonly at: string } | null;
  readonly timeToAcknowledgeSeconds: number | null;
  readonly timeToResolveSeconds: number | null;
  /** Pages held back: inhibited (with the root cause) or paused by maintenance. */
  readonly suppressed: readonly TimelineEntry[];
  readonly timeline: readonly TimelineEntry[];
  readonly generatedAt: string;
}

const earliest = (a: string | null, b: string): string => (a === null || b < a ? b : a);

function seconds(from: string, to: string | null): number | null {
  if (!to) return null;
  const d = Date.parse(to) - Date.parse(from);
  return Number.isNaN(d) ? null : Math.max(0, Math.round(d / 1000));
}

export function buildIncidentReport(inc: Incident, ctx: ReportContext, now: number): IncidentReport {
  const personName = (id: string) => ctx.people[id]?.name ?? id;

  const tierAt = new Map<number, string>();
  const tierRoles = new Map<number, Set<string>>();
  const addRoles = (tier: number, roles: readonly unknown[]) => {
    const set = tierRoles.get(tier) ?? new Set<string>();
    for (const r of roles) if (typeof r === 'string') set.add(r);
    tierRoles.set(tier, set);
  };
  for (const e of inc.timeline) {
    if (e.type !== 'tier_reached' || typeof e.tier !== 'number') continue;
    tierAt.set(e.tier, earliest(tierAt.get(e.tier) ?? null, e.at));
    addRoles(e.tier, Array.isArray(e.roles) ? e.roles : []);
  }

  const firstPaged = new Map<string, string>();
  for (const e of inc.timeline) {
    if (e.type === 'notified' && typeof e.person === 'string') firstPaged.set(e.person, earliest(firstPaged.get(e.person) ?? null, e.at));
  }

  const notifications: ReportNotification[] = [...inc.notifications]
    .sort((a, b) => a.at.localeCompare(b.at) || a.tier - b.tier)
    .map((n) => ({ at: n.at, tier: n.tier, role: n.role, person: n.person, name: personName(n.person), channel: n.channel, status: n.status, ...(n.phase ? { phase: n.phase } : {}) }));

  const paged = new Map<string, { roles: Set<string>; channels: Set<string>; first: string }>();
  for (const n of notifications) {
    if (n.status === 'planned' || n.status === 'cancelled') continue;
    const p = paged.get(n.person) ?? { roles: new Set<string>(), channels: new Set<string>(), first: firstPaged.get(n.person) ?? n.at };
    p.roles.add(n.role);
    p.channels.add(n.channel);
    p.first = earliest(p.first, firstPaged.get(n.person) ?? n.at);
    paged.set(n.person, p);
    if (!tierAt.has(n.tier)) tierAt.set(n.tier, earliest(null, firstPaged.get(n.person) ?? n.at));
    addRoles(n.tier, [n.role]);
  }

  const maxTier = Math.max(inc.tier, ...tierAt.keys(), -1);
  const tiers: TierReached[] = [];
  for (let t = 0; t <= maxTier; t++) {
    tiers.push({ tier: t, reachedAt: tierAt.get(t) ?? (t === 0 ? inc.openedAt : null), roles: [...(tierRoles.get(t) ?? [])] });
  }

  const who = (by: string | null, at: string | null) => (by && at ? { by, name: ctx.people[by]?.name ?? null, at } : null);
  return {
    incident: {
      id: inc.id,
      class: inc.class,
      className: ctx.classes[inc.class]?.name ?? inc.class,
      level: inc.level,
      state: inc.state,
      site: inc.site,
      summary: inc.summary,
      labels: inc.labels,
      details: inc.details,
      openedAt: inc.openedAt,
      acknowledgedAt: inc.acknowledgedAt,
      resolvedAt: inc.resolvedAt,
      eventCount: inc.eventCount,
      tier: inc.tier,
      reopenCount: inc.reopenCount,
    },
    drill: inc.drill,
    tiers,
    paged: [...paged.entries()]
      .map(([person, p]) => ({ person, name: personName(person), roles: [...p.roles], firstPagedAt: p.first, channels: [...p.channels] }))
      .sort((a, b) => a.firstPagedAt.localeCompare(b.firstPagedAt) || a.person.localeCompare(b.person)),
    notifications,
    acknowledged: who(inc.acknowledgedBy, inc.acknowledgedAt),
    resolved: who(inc.resolvedBy, inc.resolvedAt),
    timeToAcknowledgeSeconds: seconds(inc.openedAt, inc.acknowledgedAt),
    timeToResolveSeconds: seconds(inc.openedAt, inc.resolvedAt),
    suppressed: inc.timeline.filter((e) => e.type === 'inhibited' || e.type === 'maintenance'),
    timeline: inc.timeline,
    generatedAt: new Date(now).toISOString(),
  };
}

export function formatSeconds(s: number | null): string {
  if (s === null) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h ${m}m ${sec}s` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
}

const cell = (v: unknown): string => String(v ?? '—').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function renderReportMarkdown(r: IncidentReport): string {
  const i = r.incident;
  const by = (x: IncidentReport['acknowledged']) => (x ? `${x.at} by ${x.name ? `${x.name} (${x.by})` : x.by}` : '—');
  const facts = table(
    ['Fact', 'Value'],
    [
      ['Incident', i.id],
      ['Class', `${i.className} (${i.class})`],
      ['Level', i.level],
      ['State', i.state],
      ['Site', i.site],
      ['Opened', i.openedAt],
      ['Acknowledged', by(r.acknowledged)],
      ['Resolved', by(r.resolved)],
      ['Time to acknowledge', formatSeconds(r.timeToAcknowledgeSeconds)],
      ['Time to resolve', formatSeconds(r.timeToResolveSeconds)],
      ['Events', i.eventCount],
      ['Highest tier', i.tier],
      ['Drill', r.drill ? 'yes' : 'no'],
    ],
  );
  const extra = (e: TimelineEntry) =>
    Object.entries(e)
      .filter(([k]) => k !== 'at' && k !== 'type')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  const parts = [
    `# ${r.drill && !/^DRILL\b/.test(i.summary) ? 'DRILL: ' : ''}Incident report: ${i.summary.replace(/\r?\n/g, ' ')}`,
    '',
    facts,
    '',
    '## Tiers reached',
    '',
    r.tiers.length ? table(['Tier', 'Reached', 'Roles'], r.tiers.map((t) => [t.tier, t.reachedAt, t.roles.join(', ')])) : '_No tier reached._',
    '',
    '## Notifications',
    '',
    r.notifications.length
      ? table(['Time', 'Tier', 'Role', 'Person', 'Channel', 'Status'], r.notifications.map((n) => [n.at, n.tier, n.role, `${n.name} (${n.person})`, n.channel, n.status]))
      : '_Nobody was notified._',
    '',
    '## Timeline',
    '',
    ...r.timeline.map((e) => `- ${e.at} **${e.type}**${extra(e) ? ` — ${extra(e).replace(/\r?\n/g, ' ')}` : ''}`),
    '',
    `_Generated ${r.generatedAt}._`,
    '',
  ];
  return parts.join('\n');
}
