import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../config/load-config.js';
import type { MaintenanceWindow } from '../domain/suppression.js';
import { ManualClock } from '../platform/clock.js';
import { ManageMaintenance, type HeldIncidents, type MaintenanceStore } from './manage-maintenance.js';

const T0 = Date.parse('2026-12-05T10:00:00Z');

function memoryStore(): MaintenanceStore & { puts: number } {
  const rows = new Map<string, MaintenanceWindow>();
  return {
    puts: 0,
    async put(w) {
      this.puts++;
      rows.set(w.id, w);
    },
    async list(now) {
      return [...rows.values()].filter((w) => Date.parse(w.until) > now);
    },
    async get(id) {
      return rows.get(id);
    },
  };
}

describe('ending a maintenance window early', () => {
  it('a DELETE sent again after the wake failed wakes the held incidents then, and ends the window once', async () => {
    const clock = new ManualClock(T0);
    const store = memoryStore();
    let failNext = true;
    const woken: string[][] = [];
    const held: HeldIncidents = {
      listOpen: async (only) => [
        { id: 'inc-hq', class: 'hvac', site: 'hq', labels: {} },
        { id: 'inc-branch', class: 'hvac', site: 'branch', labels: {} },
      ].filter((f) => !only || only(f)),
      lookNow: async (ids) => {
        if (failNext) {
          failNext = false;
          throw new Error('Redis went away');
        }
        woken.push([...ids]);
        return ids.length;
      },
    };
    let n = 0;
    const m = new ManageMaintenance({ config: loadConfig('config'), store, clock, ids: { next: () => `w${++n}` }, logger: pino({ level: 'silent' }), held: [held] });
    const w = await m.create({ name: 'chiller swap', until: new Date(T0 + 3_600_000).toISOString(), sites: ['hq'] });
    clock.advance(60_000);

    await expect(m.remove(w.id)).rejects.toThrow('Redis went away');
    expect(await m.windows(clock.now())).toEqual([]); // ended all the same
    await m.remove(w.id); // the sender's retry
    expect(woken).toEqual([['inc-hq']]);
    expect(store.puts).toBe(2); // created, then marked ended once
    await expect(m.remove('w404')).rejects.toMatchObject({ code: 'TOCSIN_ERR_NOT_FOUND' });
  });
});
