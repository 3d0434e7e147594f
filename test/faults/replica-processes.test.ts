/** Two and three real daemon processes on one Redis, each ticking on its own: every page goes out exactly once. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configWithLease, startDaemon, waitFor, type DaemonProcess } from '../support/daemon-process.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

let daemons: DaemonProcess[] = [];
let prefix = '';
// the lease is real time (never sped up)
const config = configWithLease('5s');
afterEach(async () => {
  await Promise.all(daemons.map((d) => d.kill('SIGTERM')));
  daemons = [];
  await deleteByPrefix(prefix);
});
afterAll(() => config.remove());

const CHAIN: Record<number, string[]> = { 0: ['it_ops', 'shift_lead'], 1: ['supervisor'], 2: ['center_manager', 'ops_manager'], 3: ['vendor'] };

for (const n of [2, 3]) {
  describe(`${n} daemon processes on one Redis`, () => {
    it(`runs ${n * 2} app_network_acd chains to the vendor and the all-clear with every notification exactly once`, async () => {
      prefix = randomPrefix();
      // speed 600: tiers at 0 s, 0.5 s, 1 s and 6 s of real time
      daemons = await Promise.all(Array.from({ length: n }, () => startDaemon({ REDIS_URL: TEST_REDIS_URL, TOCSIN_REDIS_PREFIX: prefix, TOCSIN_CLOCK_SPEED: '600', TOCSIN_CONFIG: config.dir })));
      const at = (i: number) => daemons[i % n] as DaemonProcess;
      const ids: string[] = [];
      for (let i = 0; i < n * 2; i++) {
        const r = await at(i).request('POST', '/api/incidents', { class: 'app_network_acd', site: `site${i}`, summary: 'ACD down' });
        expect(r.status).toBe(201);
        ids.push(r.body.id as string);
      }
      const get = async (id: string, i = 0) => (await at(i).request('GET', `/api/incidents/${id}`)).body;
      for (const id of ids) {
        await waitFor(async () => {
          const inc = await get(id);
          return (inc.notifications as any[]).some((x) => x.role === 'vendor' && x.status === 'logged') ? true : undefined;
        }, 60_000, 50);
      }
      // half are resolved, each through another replica; the all-clear races the others' ticks
      const resolved = ids.filter((_, i) => i % 2 === 0);
      await Promise.all(resolved.map((id, i) => at(i + 1).request('POST', `/api/incidents/${id}/resolve`, { by: 'ops' })));
      // everyone a page reached is told it is over (one whose only page a throttle still held at the
      // resolution was never paged: that page is cancelled, and no all-clear goes to them)
      for (const id of resolved) {
        await waitFor(async () => {
          const inc = await get(id);
          const paged = new Set((inc.notifications as any[]).filter((x) => x.phase !== 'all_clear' && x.status !== 'cancelled').map((x) => x.person));
          const cleared = (inc.notifications as any[]).filter((x) => x.phase === 'all_clear' && x.status === 'logged');
          return cleared.length >= paged.size ? true : undefined;
        }, 30_000, 50);
      }
      // nothing left half-way: every notification settles (a throttle may hold one back for a while);
      // the checks below read each incident at such a moment (the open ones' reminders keep coming)
      const settled = (id: string, k: number) =>
        waitFor(async () => {
          const inc = await get(id, k + 1);
          return (inc.notifications as any[]).every((x) => x.status !== 'planned') ? inc : undefined;
        }, 30_000, 100).catch(async () => {
          const stuck = ((await get(id)).notifications as any[]).filter((x) => x.status === 'planned');
          throw new Error(`notifications left planned: ${JSON.stringify(stuck)}`);
        });
      for (const [k, id] of ids.entries()) await settled(id, k);
      await new Promise((r) => setTimeout(r, 1_000));

      for (const [k, id] of ids.entries()) {
        const inc = await settled(id, k);
        const all = inc.notifications as any[];
        const keys = all.map((x) => `${x.phase}/${x.tier}/${x.role}/${x.person}/${x.channel}/${x.attempt}`);
        expect(new Set(keys).size, `duplicates in ${keys.join(', ')}`).toBe(keys.length);
        const chain = all.filter((x) => x.phase === 'page' || x.phase === 'escalation');
        for (const [tier, roles] of Object.entries(CHAIN)) {
          expect([...new Set(chain.filter((x) => x.tier === Number(tier)).map((x) => x.role))].sort(), `tier ${tier}`).toEqual(roles);
        }
        // each tier noted at most once (a tier whose page went out inside another incident's bundle just
        // before a resolution may go unnoted; its page is on the record above)
        const reached = (inc.timeline as any[]).filter((e) => e.type === 'tier_reached').map((e) => e.tier as number);
        expect(new Set(reached).size).toBe(reached.length);
        expect(reached.every((t) => t >= 0 && t <= 3)).toBe(true);
        expect(reached).toContain(0);
        const notified = (inc.timeline as any[]).filter((e) => e.type === 'notified').map((e) => `${e.notification}/${e.status}`);
        // every page that went is on the timeline; one a throttle still held when the incident was resolved is cancelled
        const went = all.filter((x) => x.status !== 'cancelled');
        // (a held reminder of the severity table's overdue report included: "no longer uncontrolled")
        const cancelled = all.filter((x) => x.status === 'cancelled');
        expect(cancelled.filter((x) => !resolved.includes(id) || !/^no longer (unresolved|unacknowledged|uncontrolled)$/.test(String(x.reason))).map((x) => [x.phase, x.reason])).toEqual([]);
        if (!resolved.includes(id)) expect(went).toHaveLength(all.length);
        expect(notified.length, JSON.stringify({ notified, all: all.map((x) => [x.phase, x.tier, x.person, x.channel, x.status]) })).toBe(went.length);
        const paged = new Set(all.filter((x) => x.phase !== 'all_clear' && x.status !== 'cancelled').map((x) => x.person));
        const cleared = all.filter((x) => x.phase === 'all_clear').map((x) => x.person);
        if (resolved.includes(id)) {
          expect(new Set(cleared)).toEqual(paged);
          expect(cleared).toHaveLength(paged.size);
        } else {
          expect(cleared).toHaveLength(0);
        }
      }
      // what the processes really handed to a channel (log mode logs each send): no notification twice, across all of them
      const sends = daemons.flatMap((d) => d.lines.filter((l) => l.msg === 'page not sent (channel not configured)').map((l) => String(l.notificationId)));
      expect(sends.length).toBeGreaterThan(0);
      expect(sends.filter((x, i) => sends.indexOf(x) !== i), 'sent twice').toEqual([]);
    }, 120_000);
  });
}
