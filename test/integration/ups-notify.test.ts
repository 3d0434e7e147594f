import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCliEnv } from '../../src/config/cli-env.js';
import { NO_UPS_DEVICE, runUpsNotify, upsNameToDevice } from '../../src/cli/ups-notify.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort } from '../support/ports.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

const logger = createLogger('silent');

describe('ups-notify (NUT NOTIFYCMD)', () => {
  let rx: Receiver;
  let failing: Receiver;
  let dir: string;

  beforeAll(async () => {
    rx = await startReceiver();
    failing = await startReceiver({ status: 503 });
    dir = await mkdtemp(join(tmpdir(), 'tocsin-notify-'));
  });
  afterAll(async () => {
    await rx.close();
    await failing.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('strips upsmon’s ups@host[:port] to the UPS name', () => {
    expect(upsNameToDevice('ups1@127.0.0.1:13493')).toBe('ups1');
    expect(upsNameToDevice('ups1@localhost')).toBe('ups1');
    expect(upsNameToDevice('ups1')).toBe('ups1');
    expect(upsNameToDevice('')).toBeUndefined();
  });

  it('posts {device, site, event} to /webhooks/ups with the bearer token and exits 0', async () => {
    const env = readCliEnv({ NOTIFYTYPE: 'ONBATT', UPSNAME: 'ups1@127.0.0.1:13493', TOCSIN_URL: `${rx.url}/`, TOCSIN_SITE: 'hq', TOCSIN_INGEST_TOKEN: 's3cret' });
    expect(await runUpsNotify(env, { logger })).toBe(0);
    const req = await rx.waitFor((r) => r.json<{ event?: string }>().event === 'ONBATT');
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/webhooks/ups');
    expect(req.headers.authorization).toBe('Bearer s3cret');
    expect(req.json()).toEqual({ device: 'ups1', site: 'hq', event: 'ONBATT', reporter: 'upsmon', host: hostname() });
  });

  it('SHUTDOWN comes with an empty UPSNAME: it is still posted, under the upsmon device', async () => {
    const env = readCliEnv({ NOTIFYTYPE: 'SHUTDOWN', UPSNAME: '', TOCSIN_URL: rx.url, TOCSIN_SITE: 'hq' });
    expect(await runUpsNotify(env, { logger })).toBe(0);
    const req = await rx.waitFor((r) => r.json<{ event?: string }>().event === 'SHUTDOWN');
    expect(req.json()).toEqual({ device: NO_UPS_DEVICE, site: 'hq', event: 'SHUTDOWN', reporter: 'upsmon', host: hostname() });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('NOPARENT names no UPS either: posted under the upsmon device, with the host whose upsmon must be restarted', async () => {
    const env = readCliEnv({ NOTIFYTYPE: 'NOPARENT', UPSNAME: '', TOCSIN_URL: rx.url, TOCSIN_SITE: 'hq' });
    expect(await runUpsNotify(env, { logger, hostname: () => 'pbx-01' })).toBe(0);
    const req = await rx.waitFor((r) => r.json<{ event?: string }>().event === 'NOPARENT');
    expect(req.json()).toEqual({ device: NO_UPS_DEVICE, site: 'hq', event: 'NOPARENT', reporter: 'upsmon', host: 'pbx-01' });
  });

  it('when the daemon is unreachable it exits 1 and leaves a line in TOCSIN_NOTIFY_LOG', async () => {
    const port = await freePort();
    const log = join(dir, 'notify.log');
    const env = readCliEnv({ NOTIFYTYPE: 'LOWBATT', UPSNAME: 'ups2@nut:3493', TOCSIN_URL: `http://127.0.0.1:${port}`, TOCSIN_SITE: 'dc1', TOCSIN_NOTIFY_LOG: log });
    expect(await runUpsNotify(env, { logger, timeoutMs: 2_000, now: () => new Date('2026-11-23T10:00:00Z') })).toBe(1);
    const text = await readFile(log, 'utf8');
    expect(text).toMatch(/^2026-11-23T10:00:00\.000Z tocsin ups-notify: not delivered event=LOWBATT device=ups2 site=dc1 url=http:\/\/127\.0\.0\.1:\d+ reason="ECONNREFUSED"\n$/);
  });

  it('a 5xx answer is a failure too (exit 1)', async () => {
    const log = join(dir, 'notify-503.log');
    const env = readCliEnv({ NOTIFYTYPE: 'COMMBAD', UPSNAME: 'ups1@h', TOCSIN_URL: failing.url, TOCSIN_SITE: 'hq', TOCSIN_NOTIFY_LOG: log });
    expect(await runUpsNotify(env, { logger })).toBe(1);
    expect(failing.requests.map((r) => r.json())).toEqual([{ device: 'ups1', site: 'hq', event: 'COMMBAD', reporter: 'upsmon', host: hostname() }]);
    expect(await readFile(log, 'utf8')).toContain('reason="HTTP 503: {}"');
  });

  it('without NOTIFYTYPE it posts nothing and exits 1', async () => {
    const before = rx.requests.length;
    expect(await runUpsNotify(readCliEnv({ UPSNAME: 'ups1', TOCSIN_URL: rx.url }), { logger })).toBe(1);
    expect(rx.requests.length).toBe(before);
  });
});
