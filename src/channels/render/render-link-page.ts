/**
 * The page an e-mail's acknowledge / resolve link opens, in the language of the person the mail went
 * to (messages.yaml `email.linkPage`): the incident and the button, what the button did, or why the
 * link is not valid. The incident's facts read as in the mail (class name, level name, state, the
 * opening time in the person's time zone).
 */
import type { Incident } from '../../domain/incident.js';
import type { LinkPages, LinkReader } from '../../app/link-pages.js';
import type { LinkOutcome } from '../../app/phone-actions.js';
import { MESSAGE_LOCALES, type LocaleMessages, type MessageLocale, type MessagesConfig } from '../../config/messages-schema.js';
import { fillTemplate } from './fill-template.js';
import { className, formatTime } from './page-context.js';
import { escapeHtml as esc } from './render-email.js';

const OUTCOME_KEY = {
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  already_acknowledged: 'alreadyAcknowledged',
  already_resolved: 'alreadyResolved',
} as const satisfies Record<LinkOutcome, string>;

/**
 * `centreTimezone`: the opening time's zone for a reader who is not in the roster; `nameOf`: the
 * name of a person of the roster by id (who acknowledged or resolved), undefined for anyone else.
 */
export function linkPageRenderer(messages: MessagesConfig, centreTimezone: string, nameOf: (id: string) => string | undefined = () => undefined): LinkPages {
  const localeOf = (r: LinkReader): MessageLocale => {
    const wanted = r.person?.locale ?? r.wanted;
    return (MESSAGE_LOCALES as readonly string[]).includes(wanted ?? '') ? (wanted as MessageLocale) : messages.defaultLocale;
  };

  const facts = (w: LocaleMessages, locale: MessageLocale, r: LinkReader, i: Incident): string => {
    const L = w.email.labels;
    const rows: [string, string][] = [
      [L.incident, i.id],
      [L.class, className(w, i.class)],
      [L.site, i.site],
      [L.level, `${i.level} (${w.levels[i.level]})`],
      [L.state, w.states[i.state]],
      [L.opened, formatTime(i.openedAt, r.person?.timezone ?? centreTimezone, locale)],
      [L.summary, i.summary],
    ];
    if (i.acknowledgedBy) rows.push([w.email.linkPage.labels.acknowledgedBy, nameOf(i.acknowledgedBy) ?? i.acknowledgedBy]);
    if (i.resolvedBy) rows.push([w.email.linkPage.labels.resolvedBy, nameOf(i.resolvedBy) ?? i.resolvedBy]);
    const drill = i.drill ? `<p><strong>${esc(w.drill)}</strong></p>\n` : '';
    return `${drill}<table>\n${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')}\n</table>`;
  };

  const page = (locale: MessageLocale, title: string, body: string): string =>
    `<!doctype html>\n<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${esc(title)}</title></head>\n<body>\n<h1>${esc(title)}</h1>\n${body}\n</body></html>\n`;

  return {
    locales: MESSAGE_LOCALES,
    confirm(reader, action, incident) {
      const locale = localeOf(reader);
      const w = messages.locales[locale];
      const P = w.email.linkPage;
      const closed = incident.state === 'resolved' || (action === 'ack' && incident.state === 'acknowledged');
      const name = reader.person?.name;
      const button = name === undefined ? (action === 'ack' ? w.email.labels.acknowledge : w.email.labels.resolve) : fillTemplate(P.buttons[action], { name });
      const tail = closed
        ? `<p>${esc(incident.state === 'resolved' ? P.outcomes.alreadyResolved : P.outcomes.alreadyAcknowledged)}</p>`
        : `<form method="post"><button type="submit">${esc(button)}</button></form>`;
      return page(locale, P.titles[action], `${facts(w, locale, reader, incident)}\n${tail}`);
    },
    outcome(reader, action, outcome, incident) {
      const locale = localeOf(reader);
      const w = messages.locales[locale];
      const P = w.email.linkPage;
      const title = outcome.startsWith('already') ? P.titles.unchanged : action === 'ack' ? P.titles.acknowledged : P.titles.resolved;
      return page(locale, title, `${facts(w, locale, reader, incident)}\n<p>${esc(P.outcomes[OUTCOME_KEY[outcome]])}</p>`);
    },
    invalid(reader) {
      const locale = localeOf(reader);
      const P = messages.locales[locale].email.linkPage;
      return page(locale, P.titles.invalid, `<p>${esc(P.invalid)}</p>`);
    },
  };
}
