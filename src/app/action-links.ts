/**
 * Signed, expiring acknowledge / resolve links for messages (e-mail buttons, SMS links):
 * `${publicUrl}/ack/<token>` and `${publicUrl}/resolve/<token>`. A token is
 * base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, claims)). The claims carry the
 * recipient's language, so that even a link that has expired is answered in it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkAction = 'ack' | 'resolve';

export interface ActionClaims {
  readonly incidentId: string;
  readonly action: LinkAction;
  /** Person the link was sent to (who acknowledges). */
  readonly person: string;
  readonly notificationId?: string | undefined;
  /** The recipient's language (roster `locale`) when the link was made. */
  readonly locale?: string | undefined;
  /** Expiry, epoch ms. */
  readonly exp: number;
}

/** What a token says, as signed here. */
interface RawClaims {
  readonly i?: unknown;
  readonly a?: unknown;
  readonly p?: unknown;
  readonly n?: unknown;
  readonly l?: unknown;
  readonly e?: unknown;
}

export class ActionLinks {
  constructor(
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly ttlMs: number,
  ) {}

  sign(claims: Omit<ActionClaims, 'exp'>, now: number): string {
    const body = Buffer.from(
      JSON.stringify({ i: claims.incidentId, a: claims.action, p: claims.person, n: claims.notificationId, l: claims.locale, e: now + this.ttlMs }),
    ).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a valid, unexpired token (for `action` when given); undefined otherwise. */
  verify(token: string, now: number, action?: LinkAction): ActionClaims | undefined {
    const raw = this.open(token);
    if (!raw || typeof raw.i !== 'string' || (raw.a !== 'ack' && raw.a !== 'resolve') || typeof raw.p !== 'string' || typeof raw.e !== 'number') return undefined;
    if (raw.e <= now) return undefined;
    if (action && raw.a !== action) return undefined;
    const locale = typeof raw.l === 'string' ? raw.l : undefined;
    return { incidentId: raw.i, action: raw.a, person: raw.p, notificationId: typeof raw.n === 'string' ? raw.n : undefined, locale, exp: raw.e };
  }

  /**
   * The recipient's language of a token signed here, expired or not (the page saying a link is no
   * longer valid is in it); undefined for a token not signed here or made without one.
   */
  localeOf(token: string): string | undefined {
    const l = this.open(token)?.l;
    return typeof l === 'string' ? l : undefined;
  }

  /** Both links of one message; `locale`: the recipient's language. */
  linksFor(incidentId: string, person: string, notificationId: string, now: number, locale?: string): { ack: string; resolve: string } {
    return {
      ack: `${this.publicUrl}/ack/${this.sign({ incidentId, action: 'ack', person, notificationId, locale }, now)}`,
      resolve: `${this.publicUrl}/resolve/${this.sign({ incidentId, action: 'resolve', person, notificationId, locale }, now)}`,
    };
  }

  /** The claims of a token whose signature is good (its expiry and action not looked at); undefined otherwise. */
  private open(token: string): RawClaims | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    // compared as text: decoding would let another spelling of the same bytes pass (the last
    // character of a base64url signature carries two bits that decoding drops)
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.mac(body), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const raw: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return typeof raw === 'object' && raw !== null ? (raw as RawClaims) : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

/** The link secret when none is configured: derived from the Twilio auth token, if there is one. */
export function deriveLinkSecret(twilioAuthToken: string | undefined): string | undefined {
  return twilioAuthToken ? createHmac('sha256', twilioAuthToken).update('tocsin action links').digest('base64url') : undefined;
}
