/**
 * The real daemon killed with SIGKILL mid-escalation (twice), restarted on the same Redis: no tier is
 * repeated, none is skipped, nobody is paged twice on a channel, nothing is left half-sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWithLease, startDaemon, waitFor, type DaemonProcess } from '../support/daemon-process.js';
import { PrivateRedis } from '../support/redis-server.js';

let redis: PrivateRedis;
const running: DaemonProcess[] = [];
// the lease is real time (never sped up): a claim of a killed daemon is taken over 3 s after it
// (and its page sent once the takeover grace, 1.7 s, has passed)
const config = configWithLease('3s');
beforeAll(async () => {
  redis = await PrivateRedis.start();
});
afterAll(async () => {
  for (const d of running) await d.kill('SIGKILL');
  await redis?.destroy();
  config.remove();
});

async function daemon(): Promise<DaemonProcess> {
  // speed 300: app_network_acd tiers at 0 s, 1 s (T+5m), 2 s (T+10m) and 12 s (T+60m)
  const d = await startDaemon({ REDIS_URL: redis.url, TOCSIN_REDIS_PREFIX: 'tocsin-kill:', TOCSIN_CLOCK_SPEED: '300', TOCSIN_CONFIG: config.dir });
  running.push(d);
  return d;
}

const pagesOf = (inc: any) => (inc.notifications as any[]).filter((n) => n.phase !== 'all_clear');

describe('SIGKILL mid-escalation', () => {
  it('app_network_acd: after two kills and restarts every tier ran exactly once, in order, nobody paged twice', async () => {
    let d = await daemon();
    const opened = await d.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down for all seats' });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    const get = async (x: DaemonProcess) => (await x.request('GET', `/api/incidents/${id}`)).body;

    // first kill: between T+5m (supervisor) and T+10m (managers)
    const atFirstKill = await waitFor(async () => {
      const inc = await get(d);
      return inc.tier >= 1 ? inc : undefined;
    }, 20_000, 10);
    await d.kill('SIGKILL');
    expect(d.child.signalCode).toBe('SIGKILL');
    expect(atFirstKill.tier).toBeLessThan(3);

    // second life: killed again between T+10m and T+60m
    d = await daemon();
    const atSecondKill = await waitFor(async () => {
      const inc = await get(d);
      return inc.tier >= 2 ? inc : undefined;
    }, 20_000, 10);
    await d.kill('SIGKILL');
    expect(atSecondKill.tier).toBeGreaterThanOrEqual(2);

    // third life runs the chain to its end (the vendor at T+60m)
    d = await daemon();
    const done = await waitFor(async () => {
      const inc = await get(d);
      // the vendor paged, and nothing a kill interrupted is left planned (a stale claim is taken over after the lease)
      return inc.tier === 3 && pagesOf(inc).some((n) => n.role === 'vendor') && pagesOf(inc).every((n) => n.status !== 'planned') ? inc : undefined;
    }, 60_000, 50).catch(async (e: unknown) => {
      const inc = await get(d);
      const stuck = pagesOf(inc).filter((n) => n.status === 'planned').map((n) => ({ id: n.id, claimedBy: n.claimedBy, claimedAtMs: n.claimedAtMs }));
      throw new Error(`${String(e)}: level ${inc.level}, tier ${inc.tier}, left planned: ${JSON.stringify(stuck)}`);
    });
    // a few more ticks: nothing comes twice (a level climb may still add its own notices)
    await new Promise((r) => setTimeout(r, 1_000));
    const inc = await get(d);
    expect(inc.notifications.length).toBeGreaterThanOrEqual(done.notifications.length);

    const pages = pagesOf(inc);
    const keys = pages.map((n) => `${n.phase}/${n.tier}/${n.person}/${n.channel}`);
    expect(new Set(keys).size, `repeated: ${keys.join(', ')}`).toBe(keys.length);
    expect([...new Set(pages.map((n) => n.tier))].sort()).toEqual([0, 1, 2, 3]);
    // the chain's own pages (level-raised notices at T+30m come on top, checked for repeats above; a
    // tier run after the climb pages on more channels, so roles are compared as sets)
    const rolesAt = (t: number) => [...new Set(pages.filter((n) => n.tier === t && (n.phase === 'page' || n.phase === 'escalation')).map((n) => n.role))].sort();
    expect(rolesAt(0)).toEqual(['it_ops', 'shift_lead']);
    expect(rolesAt(1)).toEqual(['supervisor']);
    expect(rolesAt(2)).toEqual(['center_manager', 'ops_manager']);
    expect(rolesAt(3)).toEqual(['vendor']);
    // nothing left half-sent by a kill: every page reached its final status (log mode)
    expect(pages.map((n) => n.status)).toEqual(pages.map(() => 'logged'));
    // the record: each tier reached once, in order
    const reached = (inc.timeline as any[]).filter((e) => e.type === 'tier_reached').map((e) => e.tier);
    expect(reached).toEqual([0, 1, 2, 3]);
    // what was sent before each kill is still on the record, unchanged
    for (const before of [...pagesOf(atFirstKill), ...pagesOf(atSecondKill)].filter((n) => n.status === 'logged')) {
      expect(pages.filter((n) => n.phase === before.phase && n.tier === before.tier && n.person === before.person && n.channel === before.channel).map((n) => n.at)).toEqual([before.at]);
    }
  }, 150_000);
});
