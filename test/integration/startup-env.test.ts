/** The real daemon's start-up with a wrong environment: exit 78 naming the variables, as for a wrong config; a PUBLIC_URL no provider can reach is warned of. */
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonProcess } from '../support/daemon-process.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const prefix = randomPrefix();
let d: DaemonProcess | undefined;
afterAll(async () => {
  await d?.kill();
  await deleteByPrefix(prefix);
});

const base = { REDIS_URL: TEST_REDIS_URL, TOCSIN_REDIS_PREFIX: prefix };

/** What a start that fails ends with: its exit code and stderr (startDaemon's rejection carries both). */
async function refused(env: Record<string, string>): Promise<string> {
  const err = await startDaemon({ ...base, ...env }, 90_000).then(
    async (started) => {
      await started.kill();
      return new Error('the daemon started');
    },
    (e: unknown) => e as Error,
  );
  return err.message;
}

describe('start-up with a wrong environment', () => {
  it('exits 78 naming every wrong variable: a PUBLIC_URL and an SMTP_URL that are no URLs, an unknown LOG_LEVEL', async () => {
    const message = await refused({ TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'tok', PUBLIC_URL: 'notaurl', SMTP_URL: 'notaurl', LOG_LEVEL: 'verbose' });
    expect(message).toBe(
      [
        'daemon exited (78) before listening: invalid environment:',
        'PUBLIC_URL must be an http:// or https:// URL such as https://tocsin.example.com, got "notaurl"',
        'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
        '',
      ].join('\n'),
    );
  });

  it('exits 78 for the Twilio account and token without TWILIO_FROM when no TaskRouter poll reads with them (SMS and calls ran in log mode)', async () => {
    const message = await refused({ TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'tok', PUBLIC_URL: 'https://tocsin.example.com' });
    expect(message).toBe(
      'daemon exited (78) before listening: invalid environment:\nTWILIO_FROM is not set, while TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are: SMS and calls need all three (the account and token alone serve only the TaskRouter agents poll, which sources.yaml does not run: no workspace in taskrouter.sites, or taskrouter.agentsPoll 0)\n',
    );
  });

  it('exits 78 naming REDIS_URL and its forms for a URL of another kind (which retried for ever), a port that is no number or a Sentinel URL without the primary (which exited 1)', async () => {
    const forms = 'REDIS_URL must be redis://[user:pass@]host:port[/db], rediss://… (TLS), redis+cluster://[user:pass@]host:port,host:port,… or redis+sentinel://[user:pass@]host:port,host:port/<primary name>';
    const cases: [string, string][] = [
      ['http://127.0.0.1:6379', `${forms}, got "http://127.0.0.1:6379"`],
      ['redis://127.0.0.1:notaport', 'REDIS_URL is not a URL of the form redis://[user:pass@]host:port[/db] (a port is a number from 1 to 65535), got "redis://127.0.0.1:notaport"'],
      ['redis+sentinel://127.0.0.1:19099', 'REDIS_URL: a Sentinel URL names the primary after the Sentinels: redis+sentinel://host:26379,host:26379/<primary name>, got "redis+sentinel://127.0.0.1:19099"'],
    ];
    const said: string[] = [];
    for (const [url] of cases) said.push(await refused({ REDIS_URL: url }));
    expect(said).toEqual(cases.map(([, line]) => `daemon exited (78) before listening: invalid environment:\n${line}\n`));
  }, 300_000);

  it('exits 78 naming HOST when it is no address, does not resolve or is none of this machine, and naming an OTLP endpoint that is no URL', async () => {
    const said: string[] = [];
    const envs: Record<string, string>[] = [{ HOST: '999.1.1.1', OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl' }, { HOST: 'tocsin-host.invalid' }, { HOST: '192.0.2.1' }];
    for (const env of envs) said.push(await refused(env));
    expect(said).toEqual([
      'daemon exited (78) before listening: invalid environment:\nHOST must be an IP address (0.0.0.0, ::, 127.0.0.1) or a host name, got "999.1.1.1"\nOTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL such as http://collector:4318, got "notaurl"\n',
      'daemon exited (78) before listening: invalid environment:\nHOST names no address: "tocsin-host.invalid" does not resolve (getaddrinfo ENOTFOUND); set HOST to an address of this machine, or 0.0.0.0 for all of them\n',
      'daemon exited (78) before listening: invalid environment:\nHOST is no address of this machine: cannot listen on "192.0.2.1" (EADDRNOTAVAIL); set HOST to one of its addresses, or 0.0.0.0 for all of them\n',
    ]);
  }, 300_000);

  it('exits 78 for a TWILIO_FROM that is not an E.164 number (a call needs a number to come from)', async () => {
    const message = await refused({ TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '12345', PUBLIC_URL: 'https://tocsin.example.com' });
    expect(message).toBe(
      'daemon exited (78) before listening: invalid environment:\nTWILIO_FROM must be the Twilio number in E.164 form, a + and the country code and number (7 to 15 digits, no spaces), such as +15005550006, got "12345"\n',
    );
  }, 60_000);

  it('starts with Twilio on and no PUBLIC_URL, warning that Twilio cannot reach http://localhost', async () => {
    d = await startDaemon({ ...base, TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006', TWILIO_API_URL: 'http://127.0.0.1:9' });
    const warning = d.lines.find((l) => l.variable === 'PUBLIC_URL');
    expect(warning).toMatchObject({ level: 'warn', msg: expect.stringMatching(/^PUBLIC_URL is not set: Twilio's callbacks .* are addressed to http:\/\/localhost:0, which Twilio cannot reach/) });
  });
});
