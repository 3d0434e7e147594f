/**
 * The shift-handover notice (messages.yaml `handover`): who holds a role from when, and for the
 * incoming person the incidents still open that the role was paged for ("Still open: …").
 */
import type { MessageLocale, MessagesConfig } from '../../config/messages-schema.js';
import type { HandoverFacts, Recipient } from '../../domain/ports.js';
import { fillTemplate, tidy } from './fill-template.js';
import { incidentList, localeOf, translate } from './page-context.js';
import { gsmFriendly } from './sms-encoding.js';

export interface RenderedHandover {
  readonly locale: MessageLocale;
  readonly subject: string;
  /** For e-mail: the classes' full names. */
  readonly text: string;
  /** For SMS: short class names, GSM-7 where the words allow. */
  readonly sms: string;
}

/** "Mon 23 Nov, 20:00" / "11月23日周一 20:00" in the person's time zone (UTC when it is unknown). */
export function handoverTime(at: number, timeZone: string, locale: MessageLocale): string {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short', day: 'numeric', month: 'short' };
  const fmt = (tz: string) => new Intl.DateTimeFormat(locale === 'zh-CN' ? 'zh-CN' : 'en-GB', { ...options, timeZone: tz }).format(at);
  try {
    return fmt(timeZone);
  } catch {
    return fmt('UTC');
  }
}

/** `listMax`: open incidents named at most (roster.yaml `handover.list`); past it their number leads. */
export function renderHandover(messages: MessagesConfig, f: HandoverFacts, listMax: number): RenderedHandover {
  const locale = localeOf(messages, f);
  const words = messages.locales[locale];
  const w = words.handover;
  const names = (people: readonly Recipient[]) => (people.length > 0 ? people.map((p) => p.name).join(locale === 'zh-CN' ? '、' : ', ') : w.nobody);
  const vars = { tag: w.tag, role: translate(words, f.roleName), time: handoverTime(f.at, f.recipient.timezone, locale), from: names(f.from), to: names(f.to) };
  const head = fillTemplate(f.side === 'incoming' ? w.incoming : w.outgoing, vars);
  const open = (short: boolean) => {
    if (f.side !== 'incoming' || f.open.length === 0) return '';
    const named = f.open.slice(0, Math.max(1, listMax));
    return fillTemplate(named.length < f.open.length ? w.openMore : w.open, { count: f.open.length, list: incidentList(words, named, short) });
  };
  return {
    locale,
    subject: fillTemplate(w.subject, vars),
    text: tidy(`${head} ${open(false)}`),
    sms: gsmFriendly(tidy(`${head} ${open(true)}`)),
  };
}
