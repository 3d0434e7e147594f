import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { checkEnvWithConfig } from './env-checks.js';
import { EnvError, readEnv } from './env.js';

/** The lines start-up would print for `env`, or [] when it is accepted. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readEnv(env);
    return [];
  } catch (e) {
    if (e instanceof EnvError) return [...e.problems];
    throw e;
  }
}

const SID = 'AC0123456789abcdef0123456789abcdef';
const NEEDS = 'SMS and calls need TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM';

describe('the environment', () => {
  it('is accepted empty, with every default', () => {
    const env = readEnv({});
    expect([env.port, env.publicUrl, env.publicUrlSet, env.logLevel, env.twilio, env.smtpUrl]).toEqual([8080, 'http://localhost:8080', false, 'info', undefined, undefined]);
  });

  it('refuses some of the Twilio sending variables without the others, naming the missing ones', () => {
    expect(problems({ TWILIO_FROM: '+15005550006' })).toEqual([
      `TWILIO_ACCOUNT_SID is not set, while TWILIO_FROM is: ${NEEDS}`,
      `TWILIO_AUTH_TOKEN is not set, while TWILIO_FROM is: ${NEEDS}`,
    ]);
    expect(problems({ TWILIO_ACCOUNT_SID: SID, TWILIO_FROM: '+15005550006' })).toEqual([`TWILIO_AUTH_TOKEN is not set, while TWILIO_ACCOUNT_SID and TWILIO_FROM are: ${NEEDS}`]);
    expect(problems({ TWILIO_ACCOUNT_SID: SID })).toEqual([`TWILIO_AUTH_TOKEN is not set, while TWILIO_ACCOUNT_SID is: ${NEEDS}`]);
    expect(problems({ TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006' })).toEqual([`TWILIO_ACCOUNT_SID is not set, while TWILIO_AUTH_TOKEN and TWILIO_FROM are: ${NEEDS}`]);
    // all three; the token alone (TaskRouter callback signatures); the account and token (judged with the config)
    expect(problems({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006' })).toEqual([]);
    expect(problems({ TWILIO_AUTH_TOKEN: 'tok' })).toEqual([]);
    expect(problems({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok' })).toEqual([]);
  });

  it('refuses a PUBLIC_URL, SMTP_URL or TWILIO_API_URL that is not a URL of its kind, naming the variable (never echoing SMTP_URL, which may hold a password)', () => {
    expect(problems({ PUBLIC_URL: 'notaurl', SMTP_URL: 'notaurl', TWILIO_API_URL: 'api.twilio.com' })).toEqual([
      'PUBLIC_URL must be an http:// or https:// URL such as https://tocsin.example.com, got "notaurl"',
      'TWILIO_API_URL must be an http:// or https:// URL such as https://api.twilio.com, got "api.twilio.com"',
      'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587',
    ]);
    expect(problems({ PUBLIC_URL: 'ftp://tocsin.example.com', SMTP_URL: 'http://user:secret@mail.example.com' })).toEqual([
      'PUBLIC_URL must be an http:// or https:// URL such as https://tocsin.example.com, got "ftp://tocsin.example.com"',
      'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587',
    ]);
    const env = readEnv({ PUBLIC_URL: 'https://tocsin.example.com/', SMTP_URL: 'smtps://u:p@mail.example.com:465' });
    expect([env.publicUrl, env.publicUrlSet, env.smtpUrl]).toEqual(['https://tocsin.example.com', true, 'smtps://u:p@mail.example.com:465']);
  });

  it("refuses a LOG_LEVEL pino does not know, naming the variable and the levels (pino's own error named neither)", () => {
    expect(problems({ LOG_LEVEL: 'verbose' })).toEqual(['LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"']);
    expect(readEnv({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('refuses a REDIS_URL of no accepted form, naming the variable and the forms, never showing its password', () => {
    const forms = 'REDIS_URL must be redis://[user:pass@]host:port[/db], rediss://… (TLS), redis+cluster://[user:pass@]host:port,host:port,… or redis+sentinel://[user:pass@]host:port,host:port/<primary name>';
    expect(problems({ REDIS_URL: 'http://127.0.0.1:6379' })).toEqual([`${forms}, got "http://127.0.0.1:6379"`]);
    expect(problems({ REDIS_URL: 'mysql://root:hunter2@db:3306/x' })).toEqual([`${forms}, got "mysql://root:***@db:3306/x"`]);
    expect(problems({ REDIS_URL: 'notaurl' })).toEqual([`${forms}, got "notaurl"`]);
    expect(problems({ REDIS_URL: 'redis+cluster://' })).toEqual(['REDIS_URL names no cluster node: write redis+cluster://host:port,host:port, got "redis+cluster://"']);
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:notaport' })).toEqual([
      'REDIS_URL is not a URL of the form redis://[user:pass@]host:port[/db] (a port is a number from 1 to 65535), got "redis://127.0.0.1:notaport"',
    ]);
    expect(problems({ REDIS_URL: 'rediss://:s3cret@cache.example.com:6380/db' })).toEqual(['REDIS_URL: the path is the database number (rediss://host:port/0), got "rediss://:***@cache.example.com:6380/db"']);
    expect(problems({ REDIS_URL: 'redis+sentinel://127.0.0.1:18599' })).toEqual([
      'REDIS_URL: a Sentinel URL names the primary after the Sentinels: redis+sentinel://host:26379,host:26379/<primary name>, got "redis+sentinel://127.0.0.1:18599"',
    ]);
    expect(problems({ REDIS_URL: 'redis+cluster://h:7000,h:port' })).toEqual(['REDIS_URL: bad cluster node "h:port", got "redis+cluster://h:7000,h:port"']);
    expect(problems({ REDIS_URL: 'redis+sentinel://u:pw@h:26379/m?sentinelPassword=pw2&x=1' })).toEqual([]);
    for (const ok of ['redis://127.0.0.1:6379', 'redis://u:p@h:6379/2', 'rediss://cache.example.com', 'redis://[::1]:6379', 'redis+cluster://10.0.0.1:7000,10.0.0.2:7001', 'rediss+sentinel://h:26380/mymaster']) {
      expect(problems({ REDIS_URL: ok }), ok).toEqual([]);
    }
    expect(readEnv({ REDIS_URL: ' redis://127.0.0.1:6379 ' }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('refuses a HOST that is neither an address nor a host name, a TWILIO_FROM that is not E.164 and an OTLP endpoint that is no URL', () => {
    expect(problems({ HOST: '999.1.1.1' })).toEqual(['HOST must be an IP address (0.0.0.0, ::, 127.0.0.1) or a host name, got "999.1.1.1"']);
    expect(problems({ HOST: 'tocsin_host' })).toHaveLength(1);
    for (const ok of ['0.0.0.0', '::', '127.0.0.1', 'fe80::1', 'localhost', 'tocsin.example.com', 'node-1.internal.']) expect(problems({ HOST: ok }), ok).toEqual([]);
    const twilio = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok' };
    expect(problems({ ...twilio, TWILIO_FROM: '12345' })).toEqual([
      'TWILIO_FROM must be the Twilio number in E.164 form, a + and the country code and number (7 to 15 digits, no spaces), such as +15005550006, got "12345"',
    ]);
    for (const bad of ['+1 500 555 0006', 'MG0123456789abcdef0123456789abcdef', 'TOCSIN', '+0123456789', '+1234567890123456']) expect(problems({ ...twilio, TWILIO_FROM: bad }), bad).toHaveLength(1);
    expect(problems({ ...twilio, TWILIO_FROM: '+8613800138000' })).toEqual([]);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL such as http://collector:4318, got "notaurl"',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL such as http://collector:4318, got "grpc://collector:4317"',
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual([]);
  });

  it('reports every problem at once, in one error that start-up prints whole', () => {
    try {
      readEnv({ PORT: 'http', LOG_LEVEL: 'loud', TOCSIN_CLOCK_SPEED: '0' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      expect((e as EnvError).code).toBe('TOCSIN_ERR_CONFIG_INVALID');
      expect((e as EnvError).message).toBe(
        'invalid environment:\nPORT must be a port number, got "http"\nTOCSIN_CLOCK_SPEED must be a positive number, got "0"\nLOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      );
    }
  });
});

describe('the environment against the configuration', () => {
  const shipped = loadConfig('config').sources;
  const mapped = { taskrouter: { ...shipped.taskrouter, sites: { WS0123456789abcdef0123456789abcdef: 'hq' } } };

  it('refuses the Twilio account and token without TWILIO_FROM, unless the TaskRouter agents poll reads with them', () => {
    const env = readEnv({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok', PUBLIC_URL: 'https://tocsin.example.com' });
    expect(checkEnvWithConfig(env, shipped).problems).toEqual([
      'TWILIO_FROM is not set, while TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are: SMS and calls need all three (the account and token alone serve only the TaskRouter agents poll, which sources.yaml does not run: no workspace in taskrouter.sites, or taskrouter.agentsPoll 0)',
    ]);
    expect(checkEnvWithConfig(env, { taskrouter: { ...mapped.taskrouter, agentsPoll: 0 } }).problems).toHaveLength(1);
    expect(checkEnvWithConfig(env, mapped)).toEqual({ problems: [], warnings: [] });
  });

  it('warns when Twilio or e-mail is on and PUBLIC_URL is left to http://localhost, naming PUBLIC_URL', () => {
    const twilio = readEnv({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006', PORT: '8081' });
    expect(checkEnvWithConfig(twilio, shipped)).toEqual({
      problems: [],
      warnings: [
        {
          variable: 'PUBLIC_URL',
          message:
            "PUBLIC_URL is not set: Twilio's callbacks (delivery status, key presses, replies) are addressed to http://localhost:8081, which Twilio cannot reach, and their signatures are checked against it; set PUBLIC_URL to the address Twilio reaches the daemon at",
        },
      ],
    });
    const mail = readEnv({ SMTP_URL: 'smtp://mail.example.com:587' });
    expect(checkEnvWithConfig(mail, shipped).warnings.map((w) => w.message)).toEqual([
      'PUBLIC_URL is not set: the acknowledge and resolve links in e-mails point at http://localhost:8080, which the people paged cannot open; set PUBLIC_URL to the address they reach the daemon at',
    ]);
    expect(checkEnvWithConfig(readEnv({ SMTP_URL: 'smtp://mail.example.com:587', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006', PUBLIC_URL: 'https://tocsin.example.com' }), shipped)).toEqual({ problems: [], warnings: [] });
    expect(checkEnvWithConfig(readEnv({}), shipped)).toEqual({ problems: [], warnings: [] });
  });
});
