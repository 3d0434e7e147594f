/**
 * upsmon's NOTIFYCMD → `bin/tocsin.js ups-notify` → the real tocsin: a real upsmon watching a real
 * upsd + dummy-ups sees the outage (OL → OB → OL) and the command, run by upsmon as the NUT user,
 * posts ONBATT then ONLINE: a power incident opens, and resolves after the online hold (1 s here).
 * Then upsmon's privileged parent is killed: its child notifies NOPARENT.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDev, startNut, type NutStack } from '../support/nut.js';
import { shippedConfigWith, startLiveApp, type LiveApp } from './live-app.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const TOKEN = 'notify-e2e-token';

/** The bin runs dist/: build it when missing or older than the CLI sources. */
async function ensureBuilt(): Promise<void> {
  const sources = [join(ROOT, 'src', 'cli.ts'), ...readdirSync(join(ROOT, 'src', 'cli')).map((f) => join(ROOT, 'src', 'cli', f))];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest) return;
  // tsc writes the output even when some other file has a type error; the CLI is what matters here
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT }).catch(() => undefined);
  if (!existsSync(CLI)) throw new Error('npm run build did not produce dist/cli.js');
}

describe('upsmon NOTIFYCMD → bin/tocsin.js ups-notify → tocsin (real daemon)', () => {
  let nut: NutStack;
  let app: LiveApp;
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    app = await startLiveApp({
      env: { TOCSIN_INGEST_TOKEN: TOKEN },
      config: shippedConfigWith((c) => ({ sources: { ...c.sources, ups: { ...c.sources.ups, onlineHold: 1_000 } } })),
    });
    nut = await startNut();
    dir = await mkdtemp(join(tmpdir(), 'tocsin-notifycmd-'));
    await chmod(dir, 0o755);
    const script = join(dir, 'tocsin-ups-notify');
    await writeFile(script, `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'bin', 'tocsin.js')}' ups-notify "$@"\n`);
    await chmod(script, 0o755);
    await nut.startUpsmon(script, { TOCSIN_URL: app.baseUrl, TOCSIN_SITE: 'hq', TOCSIN_INGEST_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
  }, 180_000);
  afterAll(async () => {
    await nut?.stop();
    await app?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ONBATT opens a power incident; ONLINE resolves it after the online hold', async () => {
    // Let upsmon see the UPS on line first (it does not notify the initial state).
    await new Promise((r) => setTimeout(r, 2_500));
    await nut.setDev({ ...readDev('ups1-onbattery.dev'), 'battery.charge': 55 });
    const opened = await app.until('a power incident from ONBATT', async () => ((await app.request('GET', '/api/incidents')).body.incidents as any[]).find((i) => i.class === 'power'), 30_000);
    expect(opened).toMatchObject({ site: 'hq', state: 'open', level: 3 });
    expect(Object.keys(opened.members)).toEqual(['ups:ups1']);
    expect(await app.container.metrics.upsOnBattery.get().then((m) => m.values.find((v) => v.labels.device === 'ups1')?.value)).toBe(1);

    await nut.setDev(readDev('ups1-online.dev'));
    const resolved = await app.until('the power incident resolved after ONLINE', async () => {
      const inc = (await app.request('GET', `/api/incidents/${opened.id}`)).body;
      return inc.state === 'resolved' ? inc : undefined;
    }, 30_000);
    expect(resolved.timeline.map((t: any) => t.type)).toEqual(expect.arrayContaining(['calm', 'resolved']));
    // upsmon notifies only on changes: its notifications are no UPS poller's heartbeat (no watch starts)
    expect((await app.container.metrics.sourceLastSeen.get()).values.filter((v) => v.labels.source === 'ups')).toEqual([]);
    expect(await app.container.heartbeats.check(Date.now() + 60 * 60_000)).toEqual([]);
  });

  it("upsmon's parent killed: NOPARENT opens an incident naming this host, which stays open for a person to close", async () => {
    await nut.killUpsmonParent();
    const member = `upsmon:${hostname()}`;
    const inc = await app.until('a NOPARENT incident', async () => ((await app.request('GET', '/api/incidents')).body.incidents as any[]).find((i) => i.members?.[member]), 30_000);
    expect(inc).toMatchObject({ site: 'hq', state: 'open', class: 'machine_room', labels: { kind: 'noparent', host: hostname() } });
    expect(inc.summary).toContain(`Restart upsmon on ${hostname()}, then resolve this incident by hand`);
    expect(Object.keys(inc.members)).toEqual([member]);
  });
});
