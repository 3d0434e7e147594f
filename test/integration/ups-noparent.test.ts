/**
 * upsmon's NOPARENT (posted by `ups-notify` as device `upsmon` with its host: it names no UPS) through
 * the real app and real Redis: an incident per site naming the host whose upsmon must be restarted,
 * which no report resolves (NUT says nothing when upsmon is back), so a person does; upsmon repeats
 * NOPARENT every 2 minutes while it still has no parent: a duplicate while open, a reopening after.
 */
import { describe, expect, it } from 'vitest';
import { NO_UPS_DEVICE } from '../../src/cli/ups-notify.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { startTestApp } from '../support/app.js';
import { upsAppPerTest } from '../support/ups-app.js';

const ups = upsAppPerTest();
const { post, incident: get, tick } = ups;

const MIN = 60_000;
const noParent = (host: string) => post({ device: NO_UPS_DEVICE, site: 'np1', event: 'NOPARENT', reporter: 'upsmon', host });

describe('upsmon NOPARENT', () => {
  it('opens an incident naming the host, saying to restart upsmon and resolve by hand; repeats are duplicates; only a person closes it', async () => {
    const first = await noParent('pbx-01');
    expect(first.body.results).toEqual([{ member: 'upsmon:pbx-01', result: 'opened', incident: expect.any(String) }]);
    const id = first.body.results[0].incident as string;
    await tick();
    let inc = await get(id);
    expect(inc).toMatchObject({ class: 'machine_room', site: 'np1', level: 2, state: 'open', labels: { kind: 'noparent', host: 'pbx-01' } });
    expect(inc.summary).toContain('upsmon on pbx-01 lost its parent process (NOPARENT) - no automatic shutdown is possible');
    expect(inc.summary).toContain('Restart upsmon on pbx-01, then resolve this incident by hand');
    const pages = inc.notifications.length;
    expect(pages).toBeGreaterThan(0);

    // upsmon repeats it every 2 minutes: the same news, nobody paged again
    ups.app.clock.advance(2 * MIN);
    expect((await noParent('pbx-01')).body.results[0]).toMatchObject({ result: 'duplicate', incident: id });
    await tick();
    expect((await get(id)).notifications).toHaveLength(pages);

    // the UPS itself being fine clears nothing of it
    await post({ device: 'ups1', site: 'np1', vars: { 'ups.status': 'OL CHRG', 'battery.charge': 100 }, reporter: 'ups-poll' });
    ups.app.clock.advance(10 * MIN);
    await tick();
    expect((await get(id)).state).toBe('open');

    // another host's upsmon: an incident of its own (machine-room incidents group by member)
    const other = (await noParent('pbx-02')).body.results[0];
    expect(other).toMatchObject({ member: 'upsmon:pbx-02', result: 'opened' });
    expect(other.incident).not.toBe(id);

    // upsmon restarted: a person resolves it
    expect((await ups.app.request('POST', `/api/incidents/${id}/resolve`, { by: 'grace_okafor' })).status).toBe(200);
    await ups.app.container.engine.idle();
    inc = await get(id);
    expect(inc).toMatchObject({ state: 'resolved', resolvedBy: 'grace_okafor' });
  });

  it('a sender that names no host: each address its own incident (X-Forwarded-For first behind a proxy), never one merged `upsmon`', async () => {
    const from = (ip?: string) =>
      ups.app.request('POST', '/webhooks/ups', { device: NO_UPS_DEVICE, site: 'np2', event: 'NOPARENT' }, ip === undefined ? {} : { 'x-forwarded-for': ip });
    const direct = (await from()).body.results[0];
    expect(direct).toMatchObject({ member: 'upsmon:127.0.0.1', result: 'opened' });
    const a = (await from('10.0.0.5')).body.results[0];
    const b = (await from('10.0.0.6')).body.results[0];
    expect(a).toMatchObject({ member: 'upsmon:10.0.0.5', result: 'opened' });
    expect(b).toMatchObject({ member: 'upsmon:10.0.0.6', result: 'opened' });
    expect(new Set([direct.incident, a.incident, b.incident]).size).toBe(3);
    expect((await from('10.0.0.5')).body.results[0]).toMatchObject({ result: 'duplicate', incident: a.incident });
    await tick();
    const inc = await get(a.incident as string);
    expect(inc).toMatchObject({ labels: { kind: 'noparent', host: '10.0.0.5' } });
    expect(inc.summary).toContain('Restart upsmon on 10.0.0.5, then resolve this incident by hand');
    // a body cannot choose the address
    expect((await post({ device: NO_UPS_DEVICE, site: 'np2', event: 'NOPARENT', seenFrom: '10.0.0.5' })).body.results[0]).toMatchObject({ member: 'upsmon:127.0.0.1' });
  });

  it('closed while upsmon still has no parent: its next NOPARENT reopens the incident', async () => {
    const id = (await noParent('pbx-01')).body.results[0].incident as string;
    ups.app.clock.advance(30_000);
    expect((await ups.app.request('POST', `/api/incidents/${id}/resolve`, { by: 'grace_okafor' })).status).toBe(200);
    ups.app.clock.advance(90_000);
    expect((await noParent('pbx-01')).body.results[0]).toMatchObject({ member: 'upsmon:pbx-01', result: 'reopened', incident: id });
    expect((await get(id)).state).toBe('open');
  });
});

describe('the address of a sender that names no host, behind proxies', () => {
  /** The name a NOPARENT without a host gets, posted from 127.0.0.1 with X-Forwarded-For `forwarded`, under http.trustProxy `trust`. */
  async function nameFrom(trust: readonly string[] | number, forwarded: string): Promise<string> {
    const config = structuredClone(loadConfig('config')) as { -readonly [K in keyof Config]: any };
    config.daemon.http.trustProxy = trust;
    const app = await startTestApp({ config: config as Config });
    try {
      const res = await app.request('POST', '/webhooks/ups', { device: NO_UPS_DEVICE, site: 'np4', event: 'NOPARENT' }, { 'x-forwarded-for': forwarded });
      return res.body.results[0].member as string;
    } finally {
      await app.stop();
    }
  }

  it('follows X-Forwarded-For only from a trusted proxy: a forged header from any other address names nothing', async () => {
    // shipped: loopback is trusted (a proxy on the same machine)
    expect(loadConfig('config').daemon.http.trustProxy).toEqual(['loopback']);
    expect(await nameFrom(['loopback'], '10.0.0.5')).toBe('upsmon:10.0.0.5');
    expect(await nameFrom(['127.0.0.1/32'], '10.0.0.5')).toBe('upsmon:10.0.0.5');
    // a sender that is no trusted proxy is named by its own address, whatever it forwards
    expect(await nameFrom([], '10.0.0.5')).toBe('upsmon:127.0.0.1');
    expect(await nameFrom(['10.0.0.0/8'], '10.0.0.5')).toBe('upsmon:127.0.0.1');
    // behind two trusted proxies, the hop nearest them that they did not add: the first proxy's client
    expect(await nameFrom(['loopback', '10.0.0.0/8'], '192.0.2.7, 10.0.0.9')).toBe('upsmon:192.0.2.7');
    // a hop count: the nearest hop is believed whatever its address, and only that one
    expect(await nameFrom(1, '192.0.2.7, 10.0.0.9')).toBe('upsmon:10.0.0.9');
    expect(await nameFrom(0, '10.0.0.5')).toBe('upsmon:127.0.0.1');
  });
});
