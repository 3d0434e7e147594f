/** Two or three daemons on one Redis tick concurrently: every page goes out exactly once. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import type { TestApp } from '../support/app.js';
import { replicas as replicaSet, type Replicas } from '../support/replicas.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');
let set: Replicas | undefined;
let apps: TestApp[] = [];

afterEach(async () => {
  await set?.stop();
  set = undefined;
});

async function replicas(n: number): Promise<TestApp[]> {
  set = replicaSet();
  apps = set.apps;
  return set.start(n, { clock: new ManualClock(T0) });
}

/** Every replica ticks at `at`, twice, all at the same time. */
async function tickAll(at: number): Promise<void> {
  for (const a of apps) a.clock.set(at);
  await Promise.all(apps.flatMap((a) => [a.container.engine.tick(at), a.container.engine.tick(at)]));
}

for (const n of [2, 3]) {
  describe(`${n} replicas on one Redis`, () => {
    it(`every page of ${n * 4} app_network_acd incidents goes out exactly once`, async () => {
      await replicas(n);
      const ids: string[] = [];
      // incidents opened through different replicas (each kicks its own engine)
      for (let i = 0; i < n * 4; i++) {
        const a = apps[i % n] as TestApp;
        const r = await a.request('POST', '/api/incidents', { class: 'app_network_acd', site: `site${i}`, summary: 'ACD down' });
        ids.push(r.body.id as string);
      }
      for (const m of [0, 1, 5, 5, 6, 10, 11, 12]) await tickAll(T0 + m * MIN); // 12: bundled pages go out
      // a resolution on one replica; the all-clear fast path races the others' ticks
      const half = ids.slice(0, ids.length / 2);
      await Promise.all(half.map((id, i) => (apps[i % n] as TestApp).request('POST', `/api/incidents/${id}/resolve`, { by: 'ops' })));
      await tickAll(T0 + 12 * MIN);
      await tickAll(T0 + 14 * MIN); // the all-clears gathered after the first ones go
      await Promise.all(apps.map((a) => a.container.engine.idle()));

      for (const id of ids) {
        const inc = (await (apps[0] as TestApp).request('GET', `/api/incidents/${id}`)).body;
        const keys = (inc.notifications as any[]).map((x) => `${x.phase}/${x.tier}/${x.role}/${x.person}/${x.channel}/${x.attempt}`);
        expect(new Set(keys).size, `duplicates in ${keys.join(', ')}`).toBe(keys.length);
        const pages = (inc.notifications as any[]).filter((x) => x.phase === 'page' || x.phase === 'escalation');
        expect(pages.map((x) => x.role).sort()).toEqual(['center_manager', 'it_ops', 'ops_manager', 'shift_lead', 'supervisor']);
        expect(pages.every((x) => x.status === 'logged')).toBe(true);
        const allClear = (inc.notifications as any[]).filter((x) => x.phase === 'all_clear');
        expect(allClear).toHaveLength(half.includes(id) ? new Set(pages.map((x) => x.person)).size : 0);
        expect(allClear.every((x) => x.status === 'logged')).toBe(true);
        expect((inc.timeline as any[]).filter((e) => e.type === 'notified')).toHaveLength(inc.notifications.length);
      }
    });
  });
}
