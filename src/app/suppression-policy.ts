/**
 * SuppressionPolicy from maintenance windows and inhibition rules. A window in scope pauses pages
 * until it ends (a critical incident's only when the window names its class: see holdsBack); an open
 * root-cause incident (same namespace: drills only see drills) inhibits them.
 * Open incidents are read once and shared by the checks that follow within `maxAgeMs` (one tick asks
 * many times with the same time; a burst of kicks asks at nearly the same time): a storm of
 * thousands of new incidents must not read every open incident once per incident. `invalidate()`
 * makes the next check read again when incidents open, change or end here; changes made by another
 * replica are seen at most `maxAgeMs` later. The maintenance windows are read once for all the
 * checks asking about the same time within `maxAgeMs` of real time (a tick's incidents, the pages one
 * message would carry), afresh for a new time; `invalidate()` (a window created or ended here) makes
 * the next check read them again too.
 */
import type { Incident } from '../domain/incident.js';
import type { Suppression, SuppressionPolicy } from '../domain/ports.js';
import { activeWindowFor, findInhibitor, matchesIncident, type IncidentFacts, type InhibitRule, type MaintenanceWindow } from '../domain/suppression.js';
import { isDrillId } from './incident-stores.js';

export interface OpenIncidentSource {
  /** Open and acknowledged incidents; with `only`, just those its fixed facts (class, site, labels) let through. */
  listOpen(only?: (f: Pick<IncidentFacts, 'class' | 'site' | 'labels'>) => boolean): Promise<IncidentFacts[]>;
}

export interface MaintenanceSource {
  windows(now: number): Promise<MaintenanceWindow[]>;
}

export interface SuppressionDeps {
  readonly rules: readonly InhibitRule[];
  readonly maintenance: MaintenanceSource;
  readonly open: { readonly live: OpenIncidentSource; readonly drill: OpenIncidentSource };
  /** How long a read of the open incidents serves later checks, in real and in clock time (ms). */
  readonly maxAgeMs: number;
  /**
   * Whether the incident's pages are critical (throttle.criticalClasses, throttle.criticalLevel): a
   * maintenance window holds those back only when it names the incident's class.
   */
  readonly isCritical: (incident: Pick<Incident, 'class' | 'level'>) => boolean;
}

interface Cached {
  readonly generation: number;
  /** Clock time of the check that read it. */
  readonly now: number;
  /** Real time of the read (performance.now). */
  readonly readAt: number;
  readonly value: Promise<unknown>;
}

export class RuleSuppressionPolicy implements SuppressionPolicy {
  private readonly cache = new Map<string, Cached>();
  private generation = 0;
  /** The windows read for the last time asked about. */
  private windowsRead: { readonly now: number; readonly generation: number; readonly readAt: number; readonly value: Promise<MaintenanceWindow[]> } | undefined;

  constructor(private readonly deps: SuppressionDeps) {}

  async check(incident: Incident, now: number): Promise<Suppression> {
    const windows = await this.windowsAt(now);
    // at the level the incident has now: one that climbed to the critical level is no longer held
    const window = activeWindowFor(windows, incident, now, this.deps.isCritical(incident));
    if (window) return { kind: 'maintenance', window: window.id, until: Date.parse(window.until) };

    if (!this.deps.rules.some((r) => matchesIncident(r.target, incident))) return { kind: 'none' }; // no rule can hold it back
    const drill = incident.drill || isDrillId(incident.id);
    const sources = await this.cached(drill ? 'drill' : 'live', now, () => this.possibleSources(drill));
    const hit = findInhibitor(this.deps.rules, incident, sources);
    return hit ? { kind: 'inhibited', by: hit.by, rule: hit.rule } : { kind: 'none' };
  }

  /**
   * The open incidents some rule could take as a source: only those can inhibit, so each check scans
   * a handful instead of every open incident (a storm of thousands would make the engine quadratic).
   */
  private async possibleSources(drill: boolean): Promise<IncidentFacts[]> {
    const canInhibit = (s: Pick<IncidentFacts, 'class' | 'labels'>) => this.deps.rules.some((r) => matchesIncident(r.source, s));
    return (drill ? this.deps.open.drill : this.deps.open.live).listOpen(canInhibit);
  }

  /** Forget the open incidents and windows read so far (an incident opened, was acknowledged or resolved; a window created or ended). */
  invalidate(): void {
    this.generation++;
  }

  private windowsAt(now: number): Promise<MaintenanceWindow[]> {
    const hit = this.windowsRead;
    if (hit && hit.now === now && hit.generation === this.generation && performance.now() - hit.readAt < this.deps.maxAgeMs) return hit.value;
    const value = this.deps.maintenance.windows(now);
    this.windowsRead = { now, generation: this.generation, readAt: performance.now(), value };
    value.catch(() => {
      if (this.windowsRead?.value === value) this.windowsRead = undefined; // a failed read is not kept
    });
    return value;
  }

  private cached<T>(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    const max = this.deps.maxAgeMs;
    if (hit && hit.generation === this.generation && (hit.now === now || (Math.abs(now - hit.now) < max && performance.now() - hit.readAt < max))) {
      return hit.value as Promise<T>;
    }
    const value = load();
    this.cache.set(key, { generation: this.generation, now, readAt: performance.now(), value });
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key); // a failed read is not kept; a newer one stays
    });
    return value;
  }
}
