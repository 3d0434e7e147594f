/**
 * The acknowledge / resolve links of e-mails: `GET /ack/<token>` and `GET /resolve/<token>` show the
 * incident and a button (GET never changes anything: mail scanners fetch links before people do);
 * the button POSTs to the same URL, which acknowledges or resolves as the person the mail went to.
 * Tokens are signed and expire; a bad or expired one gets a plain "not valid" page. Every page is in
 * the person's language (`pages`, from messages.yaml); without a person, in the one the browser asks for.
 */
import { Router, type Request, type Response } from 'express';
import type { LinkClaims, LinkOutcome, PhoneActions } from '../app/phone-actions.js';
import type { Clock, Recipient } from '../domain/ports.js';
import type { Incident } from '../domain/incident.js';

export type LinkAction = 'ack' | 'resolve';

/** Who a page is for: the person the link was made for, else the locale the browser asked for. */
export interface LinkReader {
  readonly person?: Recipient | undefined;
  readonly wanted?: string | undefined;
}

/** The HTML pages of the links (the container passes the renderer, with the words of messages.yaml). */
export interface ActionLinkPages {
  /** The locales the pages are written in. */
  readonly locales: readonly string[];
  confirm(reader: LinkReader, action: LinkAction, incident: Incident): string;
  outcome(reader: LinkReader, action: LinkAction, outcome: LinkOutcome, incident: Incident): string;
  invalid(reader: LinkReader): string;
}

export interface ActionLinkRouteDeps {
  readonly actions: Pick<PhoneActions, 'linkTarget' | 'link'>;
  /** Verifies a token for an action at `now` (ActionLinks.verify). */
  readonly verify: (token: string, now: number, action: LinkAction) => LinkClaims | undefined;
  readonly pages: ActionLinkPages;
  readonly clock: Clock;
}

export function actionLinkRoutes(deps: ActionLinkRouteDeps): Router {
  const router = Router();
  const reader = (req: Request, person?: Recipient): LinkReader => ({ person, wanted: req.acceptsLanguages([...deps.pages.locales]) || undefined });
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
