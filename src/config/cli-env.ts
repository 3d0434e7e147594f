/** The environment the NUT helpers (`tocsin ups-poll`, `tocsin ups-notify`) read, in one place. */

export interface CliEnv {
  /** TOCSIN_URL: where the daemon listens (default http://127.0.0.1:8080). */
  readonly tocsinUrl: string;
  /** TOCSIN_SITE: the site these UPSes belong to. */
  readonly site: string | undefined;
  /** TOCSIN_INGEST_TOKEN: sent as `Authorization: Bearer …` when set. */
  readonly ingestToken: string | undefined;
  /** TOCSIN_API_TOKEN: sent as `Authorization: Bearer …` to /api/* (`tocsin drill`) when set. */
  readonly apiToken: string | undefined;
  /** NOTIFYTYPE and UPSNAME, set by upsmon for a NOTIFYCMD. */
  readonly notifyType: string | undefined;
  readonly upsName: string | undefined;
  /** TOCSIN_NOTIFY_LOG: a file that ups-notify appends a line to when it cannot reach the daemon. */
  readonly notifyLog: string | undefined;
  /** LOG_LEVEL (default info). */
  readonly logLevel: string;
}

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    tocsinUrl: (nonEmpty(env.TOCSIN_URL) ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    site: nonEmpty(env.TOCSIN_SITE),
    ingestToken: nonEmpty(env.TOCSIN_INGEST_TOKEN),
    apiToken: nonEmpty(env.TOCSIN_API_TOKEN),
    notifyType: nonEmpty(env.NOTIFYTYPE),
    upsName: env.UPSNAME?.trim(),
    notifyLog: nonEmpty(env.TOCSIN_NOTIFY_LOG),
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
