/** The paging SMS: one segment where possible, always ending with the reply line when it asks for one. */
import type { Page } from '../../domain/ports.js';
import type { MessageLocale, MessagesConfig } from '../../config/messages-schema.js';
import { drillMarked } from './drill-mark.js';
import { fillTemplate, shorten } from './fill-template.js';
import { pageContext, pickTemplate, type VarsOptions } from './page-context.js';
import { gsmFriendly, smsLength, type SmsEncoding } from './sms-encoding.js';

export interface RenderedSms {
  readonly channel: 'sms';
  readonly locale: MessageLocale;
  readonly body: string;
  readonly encoding: SmsEncoding;
  readonly segments: number;
}

/** A summary is never cut shorter than this many characters to save a segment. */
const MIN_SUMMARY = 16;

export function renderSms(messages: MessagesConfig, page: Page): RenderedSms {
  const attempt = (options: VarsOptions): RenderedSms => {
    const ctx = pageContext(messages, page, { ...options, shortNames: true, shortenSummary: (s, max) => shorten(s, max, ellipsisFor(s)) });
    const words = ctx.words;
    let text = drillMarked(page.incident.drill, words.drill, fillTemplate(pickTemplate(words, page, 'sms'), ctx.vars));
    if (ctx.actionable) text = `${text}\n${fillTemplate(words.sms.reply, { code: page.code })}`;
    const body = gsmFriendly(text);
    const len = smsLength(body);
    return { channel: 'sms', locale: ctx.locale, body, encoding: len.encoding, segments: len.segments };
  };

  const full = attempt({});
  if (full.segments === 1) return full;

  // To reach one segment: 1. shorten the summary, 2. say only how many incidents are open.
  // Advice and notes always stay; when one segment is out of reach the full text goes (multi-part).
  for (const bundle of [{ list: true }, { list: false }]) {
    let max = [...page.incident.summary.trim()].length;
    let candidate = attempt({ bundle });
    while (candidate.segments > 1 && max > MIN_SUMMARY) {
      const len = smsLength(candidate.body);
      max = Math.max(MIN_SUMMARY, max - Math.max(1, len.units - len.singleLimit));
      candidate = attempt({ bundle, summaryMax: max });
    }
    if (candidate.segments === 1) return candidate;
  }
  return full;
}

function ellipsisFor(s: string): string {
  return /[\u3400-\u9fff]/u.test(s) ? '…' : '...';
}
