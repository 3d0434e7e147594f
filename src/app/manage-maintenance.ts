/** Use case: maintenance windows, from config and through the API; scoped, always ending. */
import type { Config } from '../config/load-config.js';
import { TocsinError } from '../domain/errors.js';
import type { Clock, IdSource } from '../domain/ports.js';
import { endedBy, inScope, type IncidentFacts, type MaintenanceWindow } from '../domain/suppression.js';
import type { Logger } from '../telemetry/logger.js';
import { checkSpan } from './manage-overrides.js';

export interface MaintenanceStore {
  put(w: MaintenanceWindow, now: number): Promise<void>;
  list(now: number): Promise<MaintenanceWindow[]>;
  get(id: string): Promise<MaintenanceWindow | undefined>;
}

/** One namespace's open incidents and due set: what ending a window early wakes. */
export interface HeldIncidents {
  listOpen(only?: (f: Pick<IncidentFacts, 'class' | 'site' | 'labels'>) => boolean): Promise<readonly Pick<IncidentFacts, 'id'>[]>;
  lookNow(ids: readonly string[], now: number): Promise<number>;
}

export interface MaintenanceRequest {
  readonly name: string;
  readonly from?: string | undefined;
  readonly until: string;
  readonly sites?: readonly string[] | undefined;
  readonly classes?: readonly string[] | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** Every incident: the scope must be given, or this said. */
  readonly all?: boolean | undefined;
  readonly by?: string | undefined;
}

const CONFIG_PREFIX = 'config-';

export class ManageMaintenance {
  private readonly configured: readonly MaintenanceWindow[];
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly deps: { config: Config; store: MaintenanceStore; clock: Clock; ids: IdSource; logger: Logger; held: readonly HeldIncidents[] }) {
    this.configured = deps.config.daemon.maintenance.map((w, i) => ({
      id: `${CONFIG_PREFIX}${i}`,
      name: w.name,
      from: new Date(Date.parse(w.from)).toISOString(),
      until: new Date(Date.parse(w.until)).toISOString(),
      ...(w.sites ? { sites: w.sites } : {}),
      ...(w.classes ? { classes: w.classes } : {}),
      ...(w.labels ? { labels: w.labels } : {}),
      ...(w.all ? { all: true } : {}),
      source: 'config' as const,
    }));
  }

  /** Called once a window was created or ended here (what reads the windows must read them again). */
  onChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  async create(req: MaintenanceRequest): Promise<MaintenanceWindow> {
    const { config, clock } = this.deps;
    const now = clock.now();
    for (const k of req.classes ?? []) {
      if (!config.playbooks.classes[k]) throw new TocsinError('TOCSIN_ERR_CLASS_UNKNOWN', `unknown class "${k}"`);
    }
    const { from, until } = checkSpan(req.from, req.until, now, config.daemon.maxAhead.maintenance, 'maintenance window');
    const w: MaintenanceWindow = {
      id: this.deps.ids.next(now),
      name: req.name,
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      ...(req.sites ? { sites: req.sites } : {}),
      ...(req.classes ? { classes: req.classes } : {}),
      ...(req.labels ? { labels: req.labels } : {}),
      ...(req.all ? { all: true } : {}),
      source: 'api',
      createdAt: new Date(now).toISOString(),
      ...(req.by ? { createdBy: req.by } : {}),
    };
    await this.deps.store.put(w, now);
    this.changed();
    this.deps.logger.info({ window: w.id, name: w.name, from: w.from, until: w.until, sites: w.sites, classes: w.classes }, 'maintenance window created');
    return w;
  }

  /** Every window not yet over at `now` (config and API), earliest start first. */
  async windows(now: number): Promise<MaintenanceWindow[]> {
    const fromConfig = this.configured.filter((w) => Date.parse(w.until) > now);
    const fromApi = (await this.deps.store.list(now)).filter((w) => !endedBy(w, now));
    return [...fromConfig, ...fromApi].sort((a, b) => a.from.localeCompare(b.from) || a.id.localeCompare(b.id));
  }

  list(): Promise<MaintenanceWindow[]> {
    return this.windows(this.deps.clock.now());
  }

  /**
   * Ends an API window now. It is marked ended rather than deleted, until its planned end, so that
   * a DELETE sent again (a retry after a 503) ends nothing twice and still wakes what it held. The
   * incidents it held wait for its planned end (the engine scheduled its next look there), so those
   * in its scope are looked at again at once: their pages go out unless something else holds them.
   */
  async remove(id: string): Promise<void> {
    if (id.startsWith(CONFIG_PREFIX) && this.configured.some((w) => w.id === id)) {
      throw new TocsinError('TOCSIN_ERR_CONFLICT', `maintenance window ${id} comes from daemon.yaml; remove it there`);
    }
    const now = this.deps.clock.now();
    const window = await this.deps.store.get(id);
    if (!window || Date.parse(window.until) <= now) throw new TocsinError('TOCSIN_ERR_NOT_FOUND', `no maintenance window ${id}`);
    const endedAt = window.endedAt === undefined ? now : Date.parse(window.endedAt);
    if (window.endedAt === undefined) await this.deps.store.put({ ...window, endedAt: new Date(now).toISOString() }, now);
    this.changed();
    let woken = 0;
    if (Date.parse(window.from) <= endedAt) {
      for (const n of this.deps.held) {
        const ids = (await n.listOpen((f) => inScope(window, f))).map((f) => f.id);
        woken += await n.lookNow(ids, now);
      }
    }
    this.deps.logger.info({ window: id, woken }, 'maintenance window ended');
  }
}
