/** A whole tocsin on real Redis with a manual clock: open incidents through the API, step the playbook's minutes, read what a user sees. */
import { RosterOnCall } from '../../src/app/roster-on-call.js';
import type { Notification } from '../../src/domain/incident.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';

export const MIN = 60_000;

export interface Page {
  readonly tier: number;
  readonly role: string;
  readonly person: string;
  readonly channel: string;
  readonly status: string;
  readonly phase: string | undefined;
}

export interface Scenario {
  readonly app: TestApp;
  /** When the scenario's incidents open (T+0). */
  readonly t0: number;
  /** POST /api/incidents; returns the id. */
  open(body: { class: string; site?: string; summary?: string; details?: Record<string, unknown>; level?: number; drill?: boolean }): Promise<string>;
  /** Moves the clock to T+`ms` and runs one engine tick. */
  at(ms: number): Promise<void>;
  /** GET /api/incidents/:id */
  incident(id: string): Promise<any>;
  /** The incident's notifications as a user sees them. */
  pages(id: string): Promise<Page[]>;
  /** Who holds `role` at `at` (default T+0) by the shipped roster (the first person when several). */
  onDuty(role: string, at?: number): Promise<string>;
  ack(id: string, by?: string): Promise<void>;
  resolve(id: string, by?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startScenario(options: TestAppOptions = {}): Promise<Scenario> {
  const app = await startTestApp(options);
  const t0 = app.clock.now();
  const roster = new RosterOnCall(app.container.config.roster, { list: async () => [] });
  const s: Scenario = {
    app,
    t0,
    async open(body) {
      const r = await app.request('POST', '/api/incidents', { site: 'hq', summary: `${body.class} scenario`, ...body });
      if (r.status !== 201) throw new Error(`POST /api/incidents → ${r.status} ${JSON.stringify(r.body)}`);
      await app.container.engine.idle();
      return r.body.id as string;
    },
    async at(ms) {
      app.clock.set(t0 + ms);
      await app.container.engine.tick(t0 + ms);
    },
    async incident(id) {
      const r = await app.request('GET', `/api/incidents/${id}`);
      if (r.status !== 200) throw new Error(`GET /api/incidents/${id} → ${r.status}`);
      return r.body;
    },
    async pages(id) {
      const inc = await s.incident(id);
      return (inc.notifications as Notification[]).map((n) => ({ tier: n.tier, role: n.role, person: n.person, channel: n.channel, status: n.status, phase: n.phase }));
    },
    async onDuty(role, at = t0) {
      const r = await roster.resolve(role, at);
      const first = r.people[0];
      if (!first) throw new Error(`nobody on duty for ${role}`);
      return first.id;
    },
    async ack(id, by = 'grace_okafor') {
      const r = await app.request('POST', `/api/incidents/${id}/ack`, { by });
      if (r.status !== 200) throw new Error(`ack → ${r.status} ${JSON.stringify(r.body)}`);
      await app.container.engine.idle();
    },
    async resolve(id, by = 'grace_okafor') {
      const r = await app.request('POST', `/api/incidents/${id}/resolve`, { by });
      if (r.status !== 200) throw new Error(`resolve → ${r.status} ${JSON.stringify(r.body)}`);
      await app.container.engine.idle();
    },
    stop: () => app.stop(),
  };
  return s;
}

/** Pages of one phase, as "role/person/channel" strings, sorted (order-free comparisons). */
export function who(pages: readonly Page[], filter: Partial<Page> = {}): string[] {
  return pages
    .filter((p) => Object.entries(filter).every(([k, v]) => (p as unknown as Record<string, unknown>)[k] === v))
    .map((p) => `${p.role}/${p.person}/${p.channel}`)
    .sort();
}
