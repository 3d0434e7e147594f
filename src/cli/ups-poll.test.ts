import { describe, expect, it } from 'vitest';
import { readCliEnv } from '../config/cli-env.js';
import { createLogger } from '../telemetry/logger.js';
import { EX_USAGE, parseUpsPollArgs, runUpsPoll } from './ups-poll.js';

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
    expect(parseUpsPollArgs(['--ups', 'u', '--site', 's', '--url', 'http://x:1/'], env)).toMatchObject({ url: 'http://x:1', upsd: { host: '127.0.0.1', port: 3493 } });
  });
  it.each([
    [['--site', 'hq'], '--ups NAME[,NAME...] is required'],
    [['--ups', 'ups1'], '--site is required (or TOCSIN_SITE)'],
    [['--ups', 'ups1', '--site', 'hq', '--interval', 'soon'], '--interval must be a duration like 5s, got "soon"'],
    [['--ups', 'ups1', '--site', 'hq', '--upsd', 'host:99999'], '--upsd must be HOST:PORT, got "host:99999"'],
  ])('%j → %s', (args, problem) => {
    expect(parseUpsPollArgs(args, env)).toBe(problem);
  });
  it('exits 64 with the usage on bad arguments', async () => {
    let text = '';
    const code = await runUpsPoll(['--bogus'], { env, logger: createLogger('silent'), usage: (t) => (text += t) });
    expect(code).toBe(EX_USAGE);
    expect(text).toMatch(/^tocsin ups-poll: .*--bogus/);
    expect(text).toContain('usage: tocsin ups-poll --upsd HOST:PORT');
  });
});
