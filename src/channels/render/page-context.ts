/** What every channel's rendering shares: the locale, the chosen template, the placeholder values. */
import type { ChannelKind, Incident } from '../../domain/incident.js';
import type { Page } from '../../domain/ports.js';
import type { ClassMessages, EmailTemplate, LocaleMessages, MessageLocale, MessagesConfig } from '../../config/messages-schema.js';
import { fillTemplate, stripEnd } from './fill-template.js';

export interface PageContext {
  readonly locale: MessageLocale;
  readonly words: LocaleMessages;
  readonly className: string;
  /** Values of the placeholders (advice and note already translated). */
  readonly vars: Readonly<Record<string, string | number>>;
  /** True when the message asks for an answer (acknowledge / resolve). */
  readonly actionable: boolean;
}

export function localeOf(messages: MessagesConfig, to: Pick<Page, 'recipient'>): MessageLocale {
  const wanted = to.recipient.locale as string;
  return wanted === 'en' || wanted === 'zh-CN' ? wanted : messages.defaultLocale;
}

/** Phases that only inform: no "reply to acknowledge", no key menu, no links. */
export function asksForAnswer(page: Page): boolean {
  return page.phase !== 'all_clear' && page.phase !== 'reminder' && page.incident.state !== 'resolved';
}

export function classMessages(words: LocaleMessages, classId: string): ClassMessages | undefined {
  return Object.hasOwn(words.classes, classId) ? words.classes[classId] : undefined;
}

export function className(words: LocaleMessages, classId: string, short = false): string {
  const c = classMessages(words, classId);
  return (short ? c?.short : undefined) ?? c?.name ?? classId.replace(/_/g, ' ');
}

/** First match: class phase override → phase default → class template → fallback. */
export function pickTemplate<C extends ChannelKind>(words: LocaleMessages, page: Page, channel: C): C extends 'email' ? EmailTemplate : string {
  const cls = classMessages(words, page.incident.class);
  const found = cls?.phases?.[page.phase]?.[channel] ?? words.phases[page.phase][channel] ?? (cls ?? words.fallback)[channel];
  return found as C extends 'email' ? EmailTemplate : string;
}

export function translate(words: LocaleMessages, text: string | undefined): string {
  if (text === undefined || text.trim() === '') return '';
  const t = text.trim();
  return Object.hasOwn(words.phrases, t) ? (words.phrases[t] ?? t) : t;
}

export function formatTime(iso: string, timeZone: string, locale: MessageLocale): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const fmt = (tz: string) =>
    new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  let tz = timeZone;
  let s: string;
  try {
    s = fmt(tz);
  } catch {
    tz = 'UTC';
    s = fmt(tz);
  }
  return locale === 'zh-CN' ? `${s}（${tz}）` : `${s} (${tz})`;
}

export interface BundleOptions {
  /** false: say only how many are open. */
  readonly list: boolean;
  /** Use the classes' short names (SMS). */
  readonly short?: boolean | undefined;
}

/**
 * "3 incidents open: Power failure (hq); …" (in the phase's own words when it has them: "3 incidents
 * over: …" for an all-clear), empty when the page carries no other incident.
 */
export function bundleLine(words: LocaleMessages, page: Page, options: BundleOptions = { list: true }): string {
  const others = (page.bundle ?? []).filter((i) => i.id !== page.incident.id);
  if (others.length === 0) return '';
  const all: Incident[] = [page.incident, ...others];
  return fillTemplate(words.phases[page.phase].bundle ?? words.bundle, { count: all.length, list: options.list ? incidentList(words, all, options.short) : '' });
}

/** "Power failure (hq); Network or information-system failure (hq)". */
export function incidentList(words: LocaleMessages, incidents: readonly Incident[], short = false): string {
  return incidents.map((i) => `${className(words, i.class, short)} (${i.site})`).join('; ');
}

export interface VarsOptions {
  readonly summaryMax?: number | undefined;
  readonly bundle?: BundleOptions | undefined;
  readonly shortenSummary?: ((s: string, max: number) => string) | undefined;
  /** Use the class's short name for {class} (SMS). */
  readonly shortNames?: boolean | undefined;
}

export function pageContext(messages: MessagesConfig, page: Page, options: VarsOptions = {}): PageContext {
  const locale = localeOf(messages, page);
  const words = messages.locales[locale];
  const inc = page.incident;
  const name = className(words, inc.class, options.shortNames);
  let summary = stripEnd(inc.summary);
  if (options.summaryMax !== undefined && options.shortenSummary) summary = options.shortenSummary(summary, options.summaryMax);
  const vars: Record<string, string | number> = {
    tag: words.phases[page.phase].tag,
    class: name,
    site: inc.site,
    level: inc.level,
    level_name: words.levels[inc.level],
    summary,
    advice: translate(words, page.advice),
    note: translate(words, page.note),
    bundle: bundleLine(words, page, { list: true, short: options.shortNames, ...options.bundle }),
    code: page.code,
    role: page.role,
    tier: page.tier,
    recipient: page.recipient.name,
    incident_id: inc.id,
    opened: formatTime(inc.openedAt, page.recipient.timezone, locale),
    state: words.states[inc.state],
    reason: page.reason ? (words.reasons?.[page.reason] ?? '') : '',
  };
  return { locale, words, className: name, vars, actionable: asksForAnswer(page) };
}
