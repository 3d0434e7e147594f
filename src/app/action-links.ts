/**
 * Signed, expiring acknowledge / resolve links for messages (e-mail buttons, SMS links):
 * `${publicUrl}/ack/<token>` and `${publicUrl}/resolve/<token>`. A token is
 * base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, claims)).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkAction = 'ack' | 'resolve';

export interface ActionClaims {
  readonly incidentId: string;
  readonly action: LinkAction;
  /** Person the link was sent to (who acknowledges). */
  readonly person: string;
  readonly notificationId?: string | undefined;
  /** Expiry, epoch ms. */
  readonly exp: number;
}

export class ActionLinks {
  constructor(
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly ttlMs: number,
  ) {}

  sign(claims: Omit<ActionClaims, 'exp'>, now: number): string {
    const body = Buffer.from(
      JSON.stringify({ i: claims.incidentId, a: claims.action, p: claims.person, n: claims.notificationId, e: now + this.ttlMs }),
    ).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a valid, unexpired token (for `action` when given); undefined otherwise. */
  verify(token: string, now: number, action?: LinkAction): ActionClaims | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let raw: { i?: unknown; a?: unknown; p?: unknown; n?: unknown; e?: unknown };
    try {
      raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof raw;
    } catch {
      return undefined;
    }
    if (typeof raw.i !== 'string' || (raw.a !== 'ack' && raw.a !== 'resolve') || typeof raw.p !== 'string' || typeof raw.e !== 'number') return undefined;
    if (raw.e <= now) return undefined;
    if (action && raw.a !== action) return undefined;
    return { incidentId: raw.i, action: raw.a, person: raw.p, notificationId: typeof raw.n === 'string' ? raw.n : undefined, exp: raw.e };
  }

  /** Both links of one message. */
  linksFor(incidentId: string, person: string, notificationId: string, now: number): { ack: string; resolve: string } {
    return {
      ack: `${this.publicUrl}/ack/${this.sign({ incidentId, action: 'ack', person, notificationId }, now)}`,
      resolve: `${this.publicUrl}/resolve/${this.sign({ incidentId, action: 'resolve', person, notificationId }, now)}`,
    };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

/** The link secret when none is configured: derived from the Twilio auth token, if there is one. */
export function deriveLinkSecret(twilioAuthToken: string | undefined): string | undefined {
  return twilioAuthToken ? createHmac('sha256', twilioAuthToken).update('tocsin action links').digest('base64url') : undefined;
}
