/** What a call says: the spoken page and, when it asks for an answer, the key menu. */
import type { Page } from '../../domain/ports.js';
import type { MessageLocale, MessagesConfig } from '../../config/messages-schema.js';
import { drillMarked } from './drill-mark.js';
import { fillTemplate, shorten } from './fill-template.js';
import { pageContext, pickTemplate } from './page-context.js';

export interface VoiceScript {
  readonly channel: 'voice';
  readonly locale: MessageLocale;
  /** Twilio `<Say language>`. */
  readonly language: string;
  readonly voice?: string | undefined;
  /** Class, site, level and summary (DRILL first on drills). */
  readonly say: string;
  /** "Press 4 to acknowledge, 6 to resolve, 5 to escalate now, or star to repeat." — absent when nothing is asked. */
  readonly menu?: string | undefined;
  readonly noInput: string;
}

/** Inline TwiML is capped near 4 000 characters; the summary is shortened to keep the speech well under. */
const MAX_SUMMARY = 400;

export function renderVoice(messages: MessagesConfig, page: Page): VoiceScript {
  const ctx = pageContext(messages, page, { summaryMax: MAX_SUMMARY, shortenSummary: (s, max) => shorten(s, max, '') });
  const w = ctx.words;
  const body = fillTemplate(pickTemplate(w, page, 'voice'), ctx.vars);
  const say = drillMarked(page.incident.drill, w.drillSpoken, body);
  return {
    channel: 'voice',
    locale: ctx.locale,
    language: w.sayLanguage,
    voice: w.sayVoice,
    say,
    menu: ctx.actionable ? w.voice.menu : undefined,
    noInput: w.voice.noInput,
  };
}
