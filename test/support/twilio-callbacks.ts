/** Posts Twilio-style callbacks to a running tocsin, signed the way Twilio signs them (or not). */
import twilio from 'twilio';

export interface TwilioPoster {
  /** Form POST to `path` (with query), signed for PUBLIC_URL + path. */
  post(path: string, params: Record<string, string>, options?: { signature?: string | null }): Promise<{ status: number; type: string; text: string }>;
}

export function twilioPoster(baseUrl: string, publicUrl: string, authToken: string): TwilioPoster {
  return {
    async post(path, params, options = {}) {
      const signature = options.signature === undefined ? twilio.getExpectedTwilioSignature(authToken, publicUrl + path, params) : options.signature;
      const res = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
        body: new URLSearchParams(params).toString(),
      });
      return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
    },
  };
}

/** The path + query of a callback URL the daemon handed to Twilio. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
