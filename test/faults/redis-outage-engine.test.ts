/**
 * Redis down mid-escalation: the escalation job keeps running (its ticks fail, the process stays up),
 * and when Redis is back it catches up — the tiers that fell due during the outage go out once, what
 * went out before is not repeated — without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { PrivateRedis } from '../support/redis-server.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

let redis: PrivateRedis;
let app: TestApp;
const capture = captureLogger('warn');
beforeAll(async () => {
  redis = await PrivateRedis.start();
  app = await startTestApp({ env: { REDIS_URL: redis.url }, clock: new ManualClock(T0), logger: capture.logger });
  // the real background job: node-schedule ticks every second with the (manual) clock's time
  await app.container.start();
});
afterAll(async () => {
  await app?.stop({ keep: true });
  await redis?.destroy();
});

async function until<T>(check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const incident = async (id: string) => {
  const r = await app.request('GET', `/api/incidents/${id}`);
  return r.status === 200 ? r.body : undefined;
};

describe('Redis outage during an escalation', () => {
  it('app_network_acd: tiers due during the outage go out once Redis is back; tier 0 is not repeated; the process never stops', async () => {
    const opened = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    const first = await until(async () => {
      const inc = await incident(id);
      return inc && (inc.notifications as any[]).filter((n) => n.tier === 0 && n.status === 'logged').length === 2 ? inc : undefined;
    });
    expect(first.tier).toBe(0);

    await redis.down();
    await until(async () => ((await app.request('GET', '/readyz')).status === 503 ? true : undefined));
    // time passes while Redis is away: T+5m and T+10m fall due, and the job keeps ticking (and failing)
    app.clock.set(T0 + 11 * MIN);
    const failedBefore = capture.lines.filter((l) => l.msg === 'scheduled job failed').length;
    await until(async () => (capture.lines.filter((l) => l.msg === 'scheduled job failed').length >= failedBefore + 2 ? true : undefined));
    expect((await app.request('GET', '/healthz')).status).toBe(200);
    const refused = await app.request('POST', '/api/incidents', { class: 'hvac', site: 'hq', summary: 'warm' });
    expect(refused.status).toBe(503);

    await redis.up();
    await until(async () => ((await app.request('GET', '/readyz')).status === 200 ? true : undefined));
    // no restart, no manual tick: the running job catches up by itself
    const caughtUp = await until(async () => {
      const inc = await incident(id);
      const t2 = inc ? (inc.notifications as any[]).filter((n) => n.tier === 2 && n.status === 'logged') : [];
      return t2.length === 2 ? inc : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500)); // a few more ticks
    const inc = (await incident(id)) ?? caughtUp;

    const chain = (inc.notifications as any[]).filter((n) => n.phase === 'page' || n.phase === 'escalation');
    const keys = chain.map((n) => `${n.tier}/${n.person}/${n.channel}/${n.attempt}`);
    expect(new Set(keys).size, keys.join(', ')).toBe(keys.length);
    expect(chain.filter((n) => n.tier === 0).map((n) => n.at).sort()).toEqual((first.notifications as any[]).filter((n) => n.tier === 0).map((n) => n.at).sort());
    expect(chain.filter((n) => n.tier === 1).map((n) => n.role)).toEqual(['supervisor']);
    expect(chain.filter((n) => n.tier === 2).map((n) => n.role).sort()).toEqual(['center_manager', 'ops_manager']);
    expect(chain.filter((n) => n.tier === 3)).toEqual([]);
    expect((inc.timeline as any[]).filter((e) => e.type === 'tier_reached').map((e) => e.tier)).toEqual([0, 1, 2]);
    expect(inc.tier).toBe(2);
  });
});
