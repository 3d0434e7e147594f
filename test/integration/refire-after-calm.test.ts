/**
 * A member whose resolution is being held (calm) that fires again with the same report as before is
 * news, not a duplicate: the calm ends and the timeline says so, so the hold never resolves the
 * incident while the trouble is back. UPS (OB → OL → OB) and ACD (surge → calm → surge).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';

const DAY = Date.parse('2026-11-23T04:00:00Z'); // 12:00 in Shanghai, within business hours
let app: TestApp;
beforeEach(async () => {
  app = await startTestApp({ clock: new ManualClock(DAY) });
});
afterEach(async () => {
  await app.stop();
});

const get = async (id: string) => (await app.request('GET', `/api/incidents/${id}`)).body;
const ingestTypes = (inc: any) => inc.timeline.map((t: any) => t.type).filter((t: string) => ['opened', 'event', 'calm', 'duplicate', 'member_resolved', 'resolved'].includes(t));
const result = (res: { body: any }, member: string) => res.body.results.find((r: any) => r.member === member);

/** Past the hold, with the engine settling held resolutions: the incident must still be open. */
async function pastTheHold(id: string, holdMs: number, member: string): Promise<void> {
  app.clock.advance(holdMs + 1_000);
  await app.container.engine.tick(app.clock.now());
  await app.container.engine.idle();
  const inc = await get(id);
  expect(inc.state).toBe('open');
  expect(inc.members[member]).toMatchObject({ status: 'firing' });
  expect(inc.members[member].calmSince).toBeUndefined();
}

describe('firing again while calm', () => {
  it('UPS: back on battery within the online hold is recorded and keeps the outage open', async () => {
    const ups = (status: string) => app.request('POST', '/webhooks/ups', { device: 'ups1', site: 'fl1', vars: { 'ups.status': status, 'battery.charge': 90 } });
    const ob = result(await ups('OB DISCHRG'), 'ups:ups1');
    expect(ob.result).toBe('opened');
    app.clock.advance(5_000);
    expect(result(await ups('OL CHRG'), 'ups:ups1').result).toBe('holding');
    app.clock.advance(5_000);
    expect(result(await ups('OB DISCHRG'), 'ups:ups1')).toEqual({ member: 'ups:ups1', result: 'merged', incident: ob.incident });
    expect(ingestTypes(await get(ob.incident)).slice(-2)).toEqual(['calm', 'event']);
    // the same report once more is a duplicate again
    expect(result(await ups('OB DISCHRG'), 'ups:ups1').result).toBe('duplicate');
    await pastTheHold(ob.incident, 30_000, 'ups:ups1');
  });

  it('ACD: a surge back within the hold is recorded and keeps the incident uncontrolled', async () => {
    const SURGE = 'acd:hq:main:surge:calls_waiting';
    const calm = { calls_waiting: 4, longest_wait_seconds: 20, service_level: 0.9, agents_logged_in: 25 };
    const queue = (metrics: Record<string, number>) => app.request('POST', '/webhooks/acd', { site: 'hq', queue: 'main', metrics });
    const surge = result(await queue({ ...calm, calls_waiting: 40 }), SURGE);
    expect(surge.result).toBe('opened');
    app.clock.advance(60_000);
    expect(result(await queue(calm), SURGE).result).toBe('holding');
    app.clock.advance(60_000);
    expect(result(await queue({ ...calm, calls_waiting: 40 }), SURGE)).toEqual({ member: SURGE, result: 'merged', incident: surge.incident });
    expect(ingestTypes(await get(surge.incident)).slice(-2)).toEqual(['calm', 'event']);
    await pastTheHold(surge.incident, 10 * 60_000, SURGE);
  });
});
