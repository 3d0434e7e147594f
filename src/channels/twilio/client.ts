/** Builds the real twilio SDK client; TWILIO_API_URL (settings.apiUrl) points it at another base URL. */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

export interface TwilioSettings {
  readonly accountSid: string;
  readonly authToken: string;
  /** The number pages are sent from (E.164). */
  readonly from: string;
  /** Base URL of the REST API: `https://api.twilio.com` or a Twilio-compatible server. */
  readonly apiUrl: string;
}

export interface TwilioClientOptions {
  /** Per-request timeout, from the config (daemon.yaml channels.twilio.timeout, sources.yaml taskrouter.timeout). */
  readonly timeoutMs: number;
}

export type TwilioClient = twilio.Twilio;

export const DEFAULT_TWILIO_API_URL = 'https://api.twilio.com';

/**
 * The SDK's RequestClient with every request URI moved under `base`:
 * `https://api.twilio.com/2010-04-01/…` → `<base>/2010-04-01/…`; other Twilio hosts keep their
 * hostname as the first path segment (`<base>/taskrouter.twilio.com/v1/…`).
 * The SDK still adds Basic auth and form-encodes the body.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  private readonly base: string;
  constructor(base: string, timeoutMs: number) {
    super({ timeout: timeoutMs });
    this.base = base.replace(/\/+$/, '');
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteUri(opts.uri, this.base) });
  }
}

export function rewriteUri(uri: string, base: string): string {
  const u = new URL(uri);
  const path = `${u.pathname}${u.search}`;
  return u.hostname === 'api.twilio.com' ? `${base}${path}` : `${base}/${u.hostname}${path}`;
}

export function createTwilioClient(settings: TwilioSettings, options: TwilioClientOptions): TwilioClient {
  const timeout = options.timeoutMs;
  const base = settings.apiUrl.replace(/\/+$/, '');
  const httpClient = base === DEFAULT_TWILIO_API_URL ? new twilio.RequestClient({ timeout }) : new BaseUrlRequestClient(base, timeout);
  return twilio(settings.accountSid, settings.authToken, { httpClient, autoRetry: false });
}
