/** TOCSIN_CLOCK_SPEED: with speed 600 the whole 60-minute app_network_acd chain runs in about six seconds of real time. */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildContainer, type Container } from '../../src/container.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

let container: Container | undefined;
let prefix = '';

/**
 * Reads the incident until `done` holds of it, and gives the last read: what the test asserts comes
 * from the daemon's own pace, so it waits as long as the test may run (`WAIT_MS`), never a fixed
 * number of reads that a loaded machine outlasts.
 */
async function readUntil(base: string, id: string, done: (inc: any) => boolean): Promise<any> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const inc = await (await fetch(`${base}/api/incidents/${id}`)).json();
    if (done(inc) || Date.now() > deadline) return inc;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How long the reads may wait for the chain and for the all-clear, well inside the test's own timeout. */
const WAIT_MS = 60_000;

/** Who a page went out to, as the daemon counts them for the all-clear: not a page cancelled, nor one a throttle still holds back. */
function pagedPeople(inc: any): Set<string> {
  return new Set(
    (inc.notifications as any[])
      .filter((n) => ['page', 'escalation', 'level_raised'].includes(n.phase) && n.status !== 'cancelled' && !(n.status === 'planned' && n.deferredUntil !== undefined))
      .map((n) => n.person),
  );
}

function allClearPeople(inc: any): Set<string> {
  return new Set((inc.notifications as any[]).filter((n) => n.phase === 'all_clear').map((n) => n.person));
}

afterEach(async () => {
  await container?.stop();
  container = undefined;
  await deleteByPrefix(prefix);
});

describe('TOCSIN_CLOCK_SPEED', () => {
  it('runs the whole app_network_acd chain (T+0, 5m, 10m, 60m) in seconds with the system clock', async () => {
    prefix = randomPrefix();
    const env = readEnv({ TOCSIN_REDIS_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, TOCSIN_CLOCK_SPEED: '600', LOG_LEVEL: 'silent' });
    const config = loadConfig('config', { clockSpeed: env.clockSpeed });
    expect(config.playbooks.classes.app_network_acd?.tiers[3]?.after).toBe(6_000);
    container = await buildContainer({ env, config, logger: pino({ level: 'silent' }), redisUrl: TEST_REDIS_URL });
    await container.start();
    const port = await container.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    const created = await fetch(`${base}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ class: 'app_network_acd', site: 'hq', summary: 'ACD down' }) });
    const { id } = (await created.json()) as { id: string };

    let inc = await readUntil(base, id, (i) => i.tier === 3 && (i.timeline as any[]).some((e) => e.type === 'level_raised'));
    expect(inc.tier).toBe(3);
    const reached = (inc.timeline as any[]).filter((e) => e.type === 'tier_reached');
    expect(reached.map((e) => e.tier)).toEqual([0, 1, 2, 3]);
    // the climb's reason tells the plan's minutes (30 in business hours, 60 outside them), not the 3 or 6 s it took at speed 600
    expect((inc.timeline as any[]).find((e) => e.type === 'level_raised')).toMatchObject({ to: 4, reason: expect.stringMatching(/^unresolved (30m after opening, in business hours|1h after opening)$/) });
    // in playbook order, each no earlier than its (scaled) minute
    const opened = Date.parse(inc.openedAt);
    const offsets = reached.map((e) => Date.parse(e.at) - opened);
    expect(offsets[1]).toBeGreaterThanOrEqual(500);
    expect(offsets[2]).toBeGreaterThanOrEqual(1_000);
    expect(offsets[3]).toBeGreaterThanOrEqual(6_000);
    expect((inc.notifications as any[]).filter((n) => n.role === 'vendor')).toHaveLength(1);

    await fetch(`${base}/api/incidents/${id}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'ops' }) });
    // Everyone a page went out to is told the all-clear, one message each, sent side by side: wait
    // until no page is still on its way (one the resolution overtook ends cancelled: it paged
    // nobody) and each person paged has theirs, not just the first of them.
    inc = await readUntil(base, id, (i) => {
      const told = allClearPeople(i);
      return !(i.notifications as any[]).some((n) => n.status === 'planned' && n.deferredUntil === undefined) && [...pagedPeople(i)].every((p) => told.has(p));
    });
    expect(inc.state).toBe('resolved');
    expect(pagedPeople(inc).size).toBeGreaterThan(0);
    expect(allClearPeople(inc)).toEqual(pagedPeople(inc));
  }, 2 * WAIT_MS + 30_000);
});
