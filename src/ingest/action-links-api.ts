/**
 * The acknowledge / resolve links of e-mails: `GET /ack/<token>` and `GET /resolve/<token>` show the
 * incident and a button (GET never changes anything: mail scanners fetch links before people do);
 * the button POSTs to the same URL, which acknowledges or resolves as the person the mail went to.
 * Tokens are signed and expire; a bad or expired one gets a plain "not valid" page.
 */
import { Router, type Response } from 'express';
import type { LinkClaims, LinkOutcome, PhoneActions } from '../app/phone-actions.js';
import type { Clock } from '../domain/ports.js';
import type { Incident } from '../domain/incident.js';

export type LinkAction = 'ack' | 'resolve';

export interface ActionLinkRouteDeps {
  readonly actions: Pick<PhoneActions, 'linkTarget' | 'link'>;
  /** Verifies a token for an action at `now` (ActionLinks.verify). */
  readonly verify: (token: string, now: number, action: LinkAction) => LinkClaims | undefined;
  readonly clock: Clock;
}

const VERB: Readonly<Record<LinkAction, { readonly button: string; readonly done: string }>> = {
  ack: { button: 'Acknowledge', done: 'acknowledged' },
  resolve: { button: 'Resolve', done: 'resolved' },
};

const OUTCOME: Readonly<Record<LinkOutcome, string>> = {
  acknowledged: 'Acknowledged. The escalation has stopped; the timeline records you.',
  resolved: 'Resolved. Everyone paged is being told it is over.',
  already_acknowledged: 'This incident was already acknowledged.',
  already_resolved: 'This incident is already resolved.',
};

export function actionLinkRoutes(deps: ActionLinkRouteDeps): Router {
  const router = Router();
  for (const action of ['ack', 'resolve'] as const) {
    router.get(`/${action}/:token`, async (req, res) => {
      const claims = deps.verify(req.params.token, deps.clock.now(), action);
      if (!claims) return invalidLink(res);
      const target = await deps.actions.linkTarget(claims);
      if (!target) return invalidLink(res);
      const { incident, person } = target;
      const closed = incident.state === 'resolved' || (action === 'ack' && incident.state === 'acknowledged');
      const body = [
        incidentBlock(incident),
        closed
          ? `<p>${esc(incident.state === 'resolved' ? OUTCOME.already_resolved : OUTCOME.already_acknowledged)}</p>`
          : `<form method="post"><button type="submit">${VERB[action].button}${person ? ` as ${esc(person.name)}` : ''}</button></form>`,
      ].join('\n');
      page(res, 200, `${VERB[action].button} incident`, body);
    });

    router.post(`/${action}/:token`, async (req, res) => {
      const claims = deps.verify(req.params.token, deps.clock.now(), action);
      if (!claims) return invalidLink(res);
      const r = await deps.actions.link(claims);
      page(res, 200, `Incident ${r.outcome.startsWith('already') ? 'unchanged' : VERB[action].done}`, `${incidentBlock(r.incident)}\n<p>${esc(OUTCOME[r.outcome])}</p>`);
    });
  }
  return router;
}

function incidentBlock(i: Incident): string {
  const rows: [string, string][] = [
    ['Incident', i.id],
    ['Class', i.class],
    ['Site', i.site],
    ['Level', String(i.level)],
    ['State', i.state],
    ['Opened', i.openedAt],
    ['Summary', i.summary],
  ];
  if (i.acknowledgedBy) rows.push(['Acknowledged by', i.acknowledgedBy]);
  if (i.resolvedBy) rows.push(['Resolved by', i.resolvedBy]);
  return `${i.drill ? '<p><strong>DRILL</strong></p>\n' : ''}<table>\n${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')}\n</table>`;
}

function invalidLink(res: Response): void {
  page(res, 404, 'Link not valid', '<p>This link is not valid or has expired. Use the API or answer the latest page.</p>');
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .set('X-Robots-Tag', 'noindex')
    .type('html')
    .send(
      `<!doctype html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${esc(title)}</title></head>\n<body>\n<h1>${esc(title)}</h1>\n${body}\n</body></html>\n`,
    );
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
