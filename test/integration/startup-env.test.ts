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
  const err = await startDaemon({ ...base, ...env }, 30_000).then(
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

  it('starts with Twilio on and no PUBLIC_URL, warning that Twilio cannot reach http://localhost', async () => {
    d = await startDaemon({ ...base, TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006', TWILIO_API_URL: 'http://127.0.0.1:9' });
    const warning = d.lines.find((l) => l.variable === 'PUBLIC_URL');
    expect(warning).toMatchObject({ level: 'warn', msg: expect.stringMatching(/^PUBLIC_URL is not set: Twilio's callbacks .* are addressed to http:\/\/localhost:0, which Twilio cannot reach/) });
  });
});
