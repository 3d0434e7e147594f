import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readCliEnv } from '../config/cli-env.js';
import { createLogger } from '../telemetry/logger.js';
import { EX_USAGE, parseUpsPollArgs, runUpsPoll, UpsPoller } from './ups-poll.js';

const env = readCliEnv({});

describe('ups-poll command line', () => {
  it('reads the CONTRACT form with defaults for --url and --interval', () => {
    expect(parseUpsPollArgs(['--upsd', 'nut.local:3493', '--ups', 'ups1, ups2', '--site', 'hq'], env)).toEqual({
      upsd: { host: 'nut.local', port: 3493 },
      upses: ['ups1', 'ups2'],
      site: 'hq',
      url: 'http://127.0.0.1:8080',
      intervalMs: 5_000,
      once: false,
      timeoutMs: 5_000,
    });
  });
  it('takes --url, --interval, a bare host (port 3493) and TOCSIN_URL / TOCSIN_SITE from the environment', () => {
    const o = parseUpsPollArgs(['--upsd', '10.0.0.5', '--ups', 'ups1', '--interval', '1m30s', '--once'], readCliEnv({ TOCSIN_URL: 'http://tocsin:8080/', TOCSIN_SITE: 'dc1' }));
    expect(o).toMatchObject({ upsd: { host: '10.0.0.5', port: 3493 }, site: 'dc1', url: 'http://tocsin:8080', intervalMs: 90_000, once: true });
    expect(parseUpsPollArgs(['--upsd', '127.0.0.1:3493', '--ups', 'u', '--site', 's', '--url', 'http://x:1/'], env)).toMatchObject({ url: 'http://x:1', upsd: { host: '127.0.0.1', port: 3493 } });
  });
  it('reads a bare number for --interval and --timeout as seconds, as daemon.yaml does', () => {
    const base = ['--upsd', 'nut.local:3493', '--ups', 'ups1', '--site', 'hq'];
    expect(parseUpsPollArgs([...base, '--interval', '5', '--timeout', '2.5'], env)).toMatchObject({ intervalMs: 5_000, timeoutMs: 2_500 });
    expect(parseUpsPollArgs([...base, '--interval', '30'], env)).toMatchObject({ intervalMs: 30_000 });
    expect(parseUpsPollArgs([...base, '--interval', '0'], env)).toBe('--interval must be a duration like 5s (a bare number is seconds), got "0"');
  });
  it.each([
    [['--ups', 'ups1', '--site', 'hq'], "--upsd HOST:PORT is required: where NUT's upsd listens (e.g. 127.0.0.1:3493 on the UPS host)"],
    [['--upsd', 'nut.local', '--site', 'hq'], '--ups NAME[,NAME...] is required'],
    [['--upsd', 'nut.local', '--ups', 'ups1'], '--site is required (or TOCSIN_SITE)'],
    [['--upsd', 'nut.local', '--ups', 'ups1', '--site', 'hq', '--interval', 'soon'], '--interval must be a duration like 5s (a bare number is seconds), got "soon"'],
    [['--ups', 'ups1', '--site', 'hq', '--upsd', 'host:99999'], '--upsd must be HOST:PORT, got "host:99999"'],
  ])('%j → %s', (args, problem) => {
    expect(parseUpsPollArgs(args, env)).toBe(problem);
  });
  it('exits 64 with the usage without --upsd (it polled 127.0.0.1:3493 unasked)', async () => {
    let text = '';
    const code = await runUpsPoll(['--ups', 'ups1', '--site', 'hq', '--once'], { env, logger: createLogger('silent'), usage: (t) => (text += t) });
    expect(code).toBe(EX_USAGE);
    expect(text).toBe(`tocsin ups-poll: --upsd HOST:PORT is required: where NUT's upsd listens (e.g. 127.0.0.1:3493 on the UPS host)\nusage: tocsin ups-poll --upsd HOST:PORT --ups NAME[,NAME...] --site S [--url URL] [--interval 5s] [--timeout 5s] [--once]\n`);
  });
  it('exits 64 with the usage on bad arguments', async () => {
    let text = '';
    const code = await runUpsPoll(['--bogus'], { env, logger: createLogger('silent'), usage: (t) => (text += t) });
    expect(code).toBe(EX_USAGE);
    expect(text).toMatch(/^tocsin ups-poll: .*--bogus/);
    expect(text).toContain('usage: tocsin ups-poll --upsd HOST:PORT');
    expect(text).toContain('[--timeout 5s]');
  });
});

describe('a UPS upsd stops knowing', () => {
  it('once seen, a refusal is reported COMMBAD (nothing more would be heard of it); the poller goes on', async () => {
    let known = true;
    const server = createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter((l) => l !== '')) {
          if (line.startsWith('LIST VAR')) socket.write(known ? 'BEGIN LIST VAR ups1\nVAR ups1 ups.status "OL"\nVAR ups1 battery.charge "100"\nEND LIST VAR ups1\n' : 'ERR UNKNOWN-UPS\n');
          else socket.write('OK Goodbye\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const posted: unknown[] = [];
    const fakeFetch = (async (_url: string, init: { body: string }) => {
      posted.push(JSON.parse(init.body));
      return new Response('{}', { status: 200 });
    }) as unknown as typeof fetch;
    try {
      const opts = parseUpsPollArgs(['--upsd', `127.0.0.1:${port}`, '--ups', 'ups1', '--site', 'hq', '--url', 'http://tocsin.test'], env);
      if (typeof opts === 'string') throw new Error(opts);
      const poller = new UpsPoller(opts, { env, logger: createLogger('silent'), fetch: fakeFetch });
      expect(await poller.pollOnce()).toBe(true);
      expect(posted).toEqual([expect.objectContaining({ device: 'ups1', vars: expect.objectContaining({ 'ups.status': 'OL' }) })]);
      known = false;
      await poller.pollOnce();
      expect(posted[1]).toEqual({ device: 'ups1', site: 'hq', event: 'COMMBAD', reporter: 'ups-poll' });
      expect(poller.refusedNeverSeen()).toEqual([]);
      known = true;
      await poller.pollOnce();
      expect(posted[2]).toMatchObject({ device: 'ups1', event: 'COMMOK' });
    } finally {
      server.close();
    }
  });
});
