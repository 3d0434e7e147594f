/** The paging e-mail: subject, plain text and HTML with the incident, its timeline and the answer links. */
import type { Page } from '../../domain/ports.js';
import type { MessageLocale, MessagesConfig } from '../../config/messages-schema.js';
import { fillTemplate, tidy } from './fill-template.js';
import { timelineLines, timelineOmitted } from './format-timeline.js';
import { pageContext, pickTemplate } from './page-context.js';

export interface RenderedEmail {
  readonly channel: 'email';
  readonly locale: MessageLocale;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export function renderEmail(messages: MessagesConfig, page: Page): RenderedEmail {
  const ctx = pageContext(messages, page);
  const w = ctx.words;
  const L = w.email.labels;
  const inc = page.incident;
  const tpl = pickTemplate(w, page, 'email');
  const subjectCore = fillTemplate(tpl.subject, ctx.vars).replace(/\s+/g, ' ');
  const subject = tidy(inc.drill ? `${w.drill} ${subjectCore}` : subjectCore);
  const intro = fillTemplate(tpl.body, ctx.vars);
  const advice = String(ctx.vars.advice ?? '');
  const note = String(ctx.vars.note ?? '');
  const bundle = String(ctx.vars.bundle ?? '');

  const extra: Array<[string, string]> = [];
  if (advice !== '' && !intro.includes(advice)) extra.push([L.advice, advice]);
  if (note !== '' && !intro.includes(note)) extra.push([L.note, note]);

  const facts: Array<[string, string]> = [
    [L.incident, inc.id],
    [L.class, ctx.className],
    [L.site, inc.site],
    [L.level, `${inc.level} (${String(ctx.vars.level_name)})`],
    [L.state, String(ctx.vars.state)],
    [L.opened, String(ctx.vars.opened)],
    [L.summary, inc.summary],
  ];
  const lines = timelineLines(inc.timeline, page.recipient.timezone, ctx.locale);
  const omitted = timelineOmitted(inc.timeline);
  const links: Array<[string, string]> = ctx.actionable
    ? [
        [L.acknowledge, page.links.ack],
        [L.resolve, page.links.resolve],
      ]
    : [];

  const text = [
    inc.drill ? w.drill : '',
    intro,
    ...extra.map(([k, v]) => `${k}: ${v}`),
    bundle,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `${L.timeline}:`,
    ...(omitted > 0 ? [`  (… ${omitted})`] : []),
    ...lines.map((l) => `  ${l.at}  ${l.what}${l.detail ? `  ${l.detail}` : ''}`),
    ...(links.length > 0 ? ['', L.linksIntro, ...links.map(([k, v]) => `${k}: ${v}`)] : []),
    '',
    '-- ',
    w.email.footer,
  ]
    .filter((l, i, all) => !(l === '' && (i === 0 || all[i - 1] === '')))
    .join('\n');

  const esc = escapeHtml;
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><title>' + esc(subject) + '</title></head>',
    '<body style="font-family:sans-serif;font-size:14px;line-height:1.4">',
    inc.drill ? `<p style="background:#ffe08a;padding:6px 10px;font-weight:bold">${esc(w.drill)}</p>` : '',
    `<p style="font-size:16px"><strong>${esc(intro)}</strong></p>`,
    ...extra.map(([k, v]) => `<p style="background:#fff3cd;padding:6px 10px"><strong>${esc(k)}:</strong> ${esc(v)}</p>`),
    bundle ? `<p>${esc(bundle)}</p>` : '',
    links.length > 0
      ? `<p>${esc(L.linksIntro)} ${links
          .map(([k, v]) => `<a href="${esc(v)}" style="display:inline-block;padding:8px 14px;margin:4px;border:1px solid #333;border-radius:4px;text-decoration:none">${esc(k)}</a>`)
          .join(' ')}</p>`
      : '',
    '<table cellpadding="4" style="border-collapse:collapse">',
    ...facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`),
    '</table>',
    `<h3>${esc(L.timeline)}</h3>`,
    '<table cellpadding="3" style="border-collapse:collapse">',
    ...(omitted > 0 ? [`<tr><td colspan="3">… ${omitted}</td></tr>`] : []),
    ...lines.map((l) => `<tr><td>${esc(l.at)}</td><td>${esc(l.what)}</td><td>${esc(l.detail)}</td></tr>`),
    '</table>',
    `<p style="color:#666;font-size:12px">${esc(w.email.footer)}</p>`,
    '</body></html>',
  ]
    .filter((s) => s !== '')
    .join('\n');

  return { channel: 'email', locale: ctx.locale, subject, text, html };
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
