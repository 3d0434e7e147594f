/**
 * The peers of an HA Alertmanager each notify: the one that has not yet seen an alert's resolution
 * sends its firing copy seconds after the other's resolved one. That firing (same fingerprint, same
 * startsAt) within incidents.staleFiringWindow (1m) of the resolution is a duplicate: counted, no
 * reopening, no page. After the window the same occurrence firing again is news (Prometheus back from
 * a restart with its `for` state restored) and reopens; a new startsAt is a new occurrence at once.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../support/app.js';

const fixture = (name: string) => JSON.parse(readFileSync(`../shared/fixtures/alertmanager/${name}`, 'utf8')) as Record<string, any>;
const twoAlerts = fixture('webhook-v4-firing-2alerts.json');
const resolvedBody = fixture('webhook-v4-resolved.json'); // ups2 (7f51ef8d1e6bdaad), resolved
const UPS2 = 'am:7f51ef8d1e6bdaad';
const UPS1 = 'am:7f5bef8d1e742f32';

const DAY = Date.parse('2026-11-23T04:00:00Z'); // 12:00 in Shanghai, within business hours
let app: TestApp;
beforeEach(async () => {
  app = await startTestApp({ clock: new ManualClock(DAY) });
});
afterEach(async () => {
  await app.stop();
});

/** The ups2 alert as one peer sends it: `status`, from `startsAt`. */
function ups2(status: 'firing' | 'resolved', startsAt = '2026-11-23T18:03:19Z'): Record<string, any> {
  const body = structuredClone(resolvedBody);
  body.status = status;
  body.alerts[0].status = status;
  body.alerts[0].startsAt = startsAt;
  body.alerts[0].endsAt = status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-23T18:05:38Z';
  return body;
}

const post = async (body: unknown): Promise<{ result: string; incident: string }> => {
  const res = await app.request('POST', '/webhooks/alertmanager', body);
  expect(res.status).toBe(200);
  return res.body.results[0];
};
const get = async (id: string) => (await app.request('GET', `/api/incidents/${id}`)).body;
const settle = async () => {
  await app.container.engine.tick(app.clock.now());
  await app.container.engine.idle();
};
const pages = (inc: any) => inc.notifications.filter((n: any) => n.phase === 'page' || n.phase === 'escalation');

/** ups2 firing, paged, then resolved (the page's all-clear sent): the incident id. */
async function firedAndResolved(): Promise<string> {
  const opened = await post(ups2('firing'));
  expect(opened.result).toBe('opened');
  await settle();
  expect(pages(await get(opened.incident)).length).toBeGreaterThan(0);
  app.clock.advance(30_000);
  expect(await post(ups2('resolved'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'resolved', incident: opened.incident });
  await settle();
  return opened.incident;
}

describe('a late firing copy from an HA peer', () => {
  it('within the window after the resolution: a duplicate, counted; the incident stays resolved and nobody is paged', async () => {
    const id = await firedAndResolved();
    const before = await get(id);
    app.clock.advance(5_000);
    expect(await post(ups2('firing'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'duplicate', incident: id });
    app.clock.advance(40_000); // a third peer, later still
    expect((await post(ups2('firing'))).result).toBe('duplicate');
    await settle();
    const after = await get(id);
    expect(after).toMatchObject({ state: 'resolved', eventCount: before.eventCount + 2, reopenCount: 0, resolvedAt: before.resolvedAt });
    expect(after.members[UPS2]).toMatchObject({ status: 'resolved', count: before.members[UPS2].count + 2 });
    expect(after.timeline.at(-1)).toMatchObject({ type: 'duplicate', member: UPS2, count: 2 });
    expect(after.timeline.filter((t: any) => t.type === 'reopened')).toEqual([]);
    expect(after.notifications).toHaveLength(before.notifications.length);
  });

  it('after the window the same occurrence firing again reopens and pages, as any refire', async () => {
    const id = await firedAndResolved();
    const before = await get(id);
    app.clock.advance(61_000);
    expect(await post(ups2('firing'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'reopened', incident: id });
    await settle();
    const after = await get(id);
    expect(after).toMatchObject({ state: 'open', reopenCount: 1 });
    expect(after.members[UPS2].status).toBe('firing');
    expect(pages(after).length).toBeGreaterThan(pages(before).length);
  });

  it('a firing with a new startsAt within the window is a new occurrence: it reopens at once', async () => {
    const id = await firedAndResolved();
    app.clock.advance(5_000);
    expect(await post(ups2('firing', '2026-11-23T18:06:19Z'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'reopened', incident: id });
    expect((await get(id)).state).toBe('open');
  });

  describe('after a person resolved the incident, before the alert cleared', () => {
    /** ups2 firing and paged, resolved by a person, then 2 min later peer A's resolution: the incident id. */
    async function closedByHandThenCleared(): Promise<string> {
      const opened = await post(ups2('firing'));
      await settle();
      expect((await app.request('POST', `/api/incidents/${opened.incident}/resolve`, { by: 'ops' })).status).toBe(200);
      await settle();
      app.clock.advance(120_000);
      expect(await post(ups2('resolved'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'ignored', incident: opened.incident });
      const inc = await get(opened.incident);
      expect(inc.members[UPS2]).toMatchObject({ status: 'resolved' });
      return opened.incident;
    }

    it("peer B's firing copy of the same occurrence within the window is a duplicate: still resolved, nobody paged", async () => {
      const id = await closedByHandThenCleared();
      const before = await get(id);
      app.clock.advance(5_000);
      expect(await post(ups2('firing'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'duplicate', incident: id });
      await settle();
      const after = await get(id);
      expect(after).toMatchObject({ state: 'resolved', reopenCount: 0, resolvedAt: before.resolvedAt, resolvedBy: before.resolvedBy });
      expect(after.members[UPS2]).toMatchObject({ status: 'resolved', count: before.members[UPS2].count + 1 });
      expect(after.timeline.filter((t: any) => t.type === 'reopened')).toEqual([]);
      expect(after.notifications).toHaveLength(before.notifications.length);
    });

    it('after the window the same occurrence firing again reopens and pages, its alert counted as firing again', async () => {
      const id = await closedByHandThenCleared();
      const before = await get(id);
      app.clock.advance(61_000);
      expect(await post(ups2('firing'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'reopened', incident: id });
      await settle();
      const after = await get(id);
      expect(after).toMatchObject({ state: 'open', reopenCount: 1 });
      expect(after.members[UPS2].status).toBe('firing');
      expect(pages(after).length).toBeGreaterThan(pages(before).length);
      // the one alert firing: its resolution resolves the incident from the source
      app.clock.advance(10_000);
      expect((await post(ups2('resolved'))).result).toBe('resolved');
      expect((await get(id)).state).toBe('resolved');
    });

    it('a firing with a new startsAt within the window is a new occurrence: it reopens at once', async () => {
      const id = await closedByHandThenCleared();
      app.clock.advance(5_000);
      expect(await post(ups2('firing', '2026-11-23T18:06:19Z'))).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'reopened', incident: id });
      expect((await get(id)).state).toBe('open');
    });
  });

  it('on an incident still open for another alert: the late copy leaves its alert resolved, and the last resolution resolves the incident', async () => {
    const first = await app.request('POST', '/webhooks/alertmanager', twoAlerts);
    const id = first.body.results[0].incident as string;
    const ups2Of = (body: any) => structuredClone({ ...body, alerts: body.alerts.filter((a: any) => a.fingerprint === '7f51ef8d1e6bdaad') });
    const firingCopy = ups2Of(twoAlerts);
    const resolution = ups2Of(twoAlerts);
    resolution.alerts[0].status = 'resolved';
    resolution.alerts[0].endsAt = '2026-11-23T18:05:38Z';
    app.clock.advance(10_000);
    expect((await post(resolution)).result).toBe('merged');
    app.clock.advance(5_000);
    expect(await post(firingCopy)).toEqual({ fingerprint: '7f51ef8d1e6bdaad', result: 'duplicate', incident: id });
    let inc = await get(id);
    expect(inc.state).toBe('open');
    expect(inc.members[UPS2].status).toBe('resolved');
    expect(inc.members[UPS1].status).toBe('firing');
    const ups1Resolved = structuredClone({ ...twoAlerts, alerts: twoAlerts.alerts.filter((a: any) => a.fingerprint === '7f5bef8d1e742f32') });
    ups1Resolved.alerts[0].status = 'resolved';
    ups1Resolved.alerts[0].endsAt = '2026-11-23T18:05:40Z';
    app.clock.advance(5_000);
    expect((await post(ups1Resolved)).result).toBe('resolved');
    inc = await get(id);
    expect(inc.state).toBe('resolved');
  });
});
