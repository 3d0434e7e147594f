/**
 * The acknowledge / resolve links of e-mails: `GET /ack/<token>` and `GET /resolve/<token>` show the
 * incident and a button (GET never changes anything: mail scanners fetch links before people do);
 * the button POSTs to the same URL, which acknowledges or resolves as the person the mail went to.
 * Tokens are signed and expire; a bad or expired one gets a plain "not valid" page. Every page is in
 * the person's language (`pages`, from messages.yaml): an expired link's in the language it was made
 * for (the token carries it); only a link not signed here is answered in the one the browser asks for.
 */
import { Router, type Request, type Response } from 'express';
import type { LinkAction } from '../app/action-links.js';
import type { LinkPages, LinkReader } from '../app/link-pages.js';
import type { LinkClaims, PhoneActions } from '../app/phone-actions.js';
import type { Clock, Recipient } from '../domain/ports.js';

export interface ActionLinkRouteDeps {
  readonly actions: Pick<PhoneActions, 'linkTarget' | 'link'>;
  /** Verifies a token for an action at `now` (ActionLinks.verify). */
  readonly verify: (token: string, now: number, action: LinkAction) => LinkClaims | undefined;
  /** The recipient's language a token signed here carries, expired or not (ActionLinks.localeOf). */
  readonly localeOf: (token: string) => string | undefined;
  readonly pages: LinkPages;
  readonly clock: Clock;
}

export function actionLinkRoutes(deps: ActionLinkRouteDeps): Router {
  const router = Router();
  // Without the person (a link expired, or its person gone from the roster), the language the link
  // was made for: a signed token carries it even once expired; a forged one only has the browser's.
  const reader = (req: Request, person?: Recipient): LinkReader => {
    const signed = deps.localeOf(String(req.params.token));
    return { person, wanted: signed !== undefined && deps.pages.locales.includes(signed) ? signed : req.acceptsLanguages([...deps.pages.locales]) || undefined };
  };
  const invalid = (req: Request, res: Response) => page(res, 404, deps.pages.invalid(reader(req)));

  for (const action of ['ack', 'resolve'] as const) {
    router.get(`/${action}/:token`, async (req, res) => {
      const claims = deps.verify(req.params.token, deps.clock.now(), action);
      if (!claims) return invalid(req, res);
      const target = await deps.actions.linkTarget(claims);
      if (!target) return invalid(req, res);
      page(res, 200, deps.pages.confirm(reader(req, target.person), action, target.incident));
    });

    router.post(`/${action}/:token`, async (req, res) => {
      const claims = deps.verify(req.params.token, deps.clock.now(), action);
      if (!claims) return invalid(req, res);
      const r = await deps.actions.link(claims);
      page(res, 200, deps.pages.outcome(reader(req, r.person), action, r.outcome, r.incident));
    });
  }
  return router;
}

function page(res: Response, status: number, html: string): void {
  res.status(status).set('Cache-Control', 'no-store').set('X-Robots-Tag', 'noindex').type('html').send(html);
}
