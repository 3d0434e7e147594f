/**
 * config/messages.yaml: the words of every page, per locale, class, channel and phase.
 * Validated against a closed schema (placeholders included), then frozen.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './load-config.js';
import { deepFreeze } from './deep-freeze.js';

export const MESSAGE_LOCALES = ['en', 'zh-CN'] as const;
export const MESSAGE_PHASES = ['page', 'escalation', 'level_raised', 'update', 'all_clear', 'reminder'] as const;

/** Placeholders a page template may use (`{name}`). */
export const PAGE_PLACEHOLDERS = [
  'tag',
  'class',
  'site',
  'level',
  'level_name',
  'summary',
  'advice',
  'note',
  'bundle',
  'code',
  'role',
  'tier',
  'recipient',
  'incident_id',
  'opened',
  'state',
  'reason',
] as const;
const REPLY_PLACEHOLDERS = ['code', 'class', 'site', 'summary'] as const;
const BUNDLE_PLACEHOLDERS = ['count', 'list'] as const;
/** Placeholders of the shift-handover notices. */
export const HANDOVER_PLACEHOLDERS = ['tag', 'role', 'time', 'from', 'to'] as const;
const NO_PLACEHOLDERS = [] as const;

function template(allowed: readonly string[]) {
  return z
    .string()
    .min(1)
    .superRefine((s, ctx) => {
      for (const m of s.matchAll(/\{([^{}]*)\}/g)) {
        const name = m[1] ?? '';
        if (!allowed.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown placeholder {${name}}${allowed.length > 0 ? ` (use ${allowed.map((a) => `{${a}}`).join(' ')})` : ' (no placeholders here)'}`,
          });
        }
      }
    });
}

const pageText = template(PAGE_PLACEHOLDERS);
/** How the page templates' descriptions name their placeholders. */
const PAGE_VARS = 'placeholders such as {tag} {class} {site} {level} {level_name} {summary} {advice} {note} {bundle} {reason} (see the top of messages.yaml)';
const emailTemplate = z.strictObject({
  subject: pageText.describe(`E-mail subject template; ${PAGE_VARS}.`),
  body: pageText.describe(`E-mail body template (tocsin adds the facts, the timeline and the links); ${PAGE_VARS}.`),
});

/** One template per channel; all three required for a class. */
const channelTemplates = z.strictObject({
  sms: pageText.describe(`SMS template; ${PAGE_VARS}.`),
  voice: pageText.describe(`What the call speaks; ${PAGE_VARS}.`),
  email: emailTemplate.describe('E-mail subject and body templates.'),
});
/** Overrides: any subset of channels. */
const partialChannelTemplates = z.strictObject({
  sms: pageText.optional().describe(`SMS template for this phase; ${PAGE_VARS}.`),
  voice: pageText.optional().describe(`What the call speaks in this phase; ${PAGE_VARS}.`),
  email: emailTemplate.optional().describe('E-mail subject and body templates for this phase.'),
});

const phaseEntry = partialChannelTemplates.extend({
  tag: template(NO_PLACEHOLDERS).describe("The phase's tag, the {tag} placeholder (e.g. ALERT, ESCALATED)."),
  bundle: template(BUNDLE_PLACEHOLDERS)
    .optional()
    .describe('The {bundle} line of a message of this phase carrying several incidents ("3 incidents over: …"), instead of the locale\'s `bundle`; placeholders {count} {list}.'),
});

/** What each phase's entry under `phases` is for. */
const PHASE_TEXT: Record<(typeof MESSAGE_PHASES)[number], string> = {
  page: "Pages of the class's first tier and of every tier due at the incident's start (after: 0).",
  escalation: 'Pages of the later tiers (and of a tier a level climb brought), repeats and acknowledged incidents left unresolved.',
  level_raised: 'Messages to the roles of a level the incident climbed to (severity.yaml).',
  update: "Status updates at the level's updateEvery (severity.yaml).",
  all_clear: 'The all-clear to everyone paged when the incident is resolved.',
  reminder: 'Reminders after the resolution and the written-report reminder.',
};
const phaseWords = (p: (typeof MESSAGE_PHASES)[number]) =>
  phaseEntry.describe(`${PHASE_TEXT[p]} Its tag, and templates used instead of the classes' own in this phase.`);

const classEntry = channelTemplates.extend({
  name: z.string().min(1).describe('The class as messages name it, the {class} placeholder.'),
  /** Shorter name for SMS (one segment is 160 Latin or 70 Chinese characters). */
  short: z.string().min(1).optional().describe('Shorter name for {class} in SMS (one segment is 160 Latin or 70 Chinese characters).'),
  phases: z
    .partialRecord(z.enum(MESSAGE_PHASES), partialChannelTemplates)
    .optional()
    .describe("Templates for single phases of this class (page, escalation, level_raised, update, all_clear, reminder); they win over `phases` and the class's own."),
});

const levelName = (n: number) => z.string().min(1).describe(`Name of level ${n}, the {level_name} placeholder.`);
const levelNames = z.strictObject({ 1: levelName(1), 2: levelName(2), 3: levelName(3), 4: levelName(4), 5: levelName(5) });

const voiceWords = (when: string) => template(NO_PLACEHOLDERS).describe(`Spoken on a paging call ${when}.`);
const emailLabel = (what: string) => z.string().min(1).describe(`E-mail label of ${what}.`);
const linkTitle = (what: string) => template(NO_PLACEHOLDERS).describe(`Title of the e-mail link page ${what}.`);
const linkOutcome = (what: string) => template(NO_PLACEHOLDERS).describe(`Said on the e-mail link page after the button, ${what}.`);

/** The page an e-mail's acknowledge / resolve link opens. */
const linkPage = z
  .strictObject({
    titles: z
      .strictObject({
        ack: linkTitle('of an acknowledge link'),
        resolve: linkTitle('of a resolve link'),
        acknowledged: linkTitle('once the button acknowledged the incident'),
        resolved: linkTitle('once the button resolved the incident'),
        unchanged: linkTitle('when the button found nothing to change'),
        invalid: linkTitle('of a link not valid or expired'),
      })
      .describe('Titles of the e-mail link page.'),
    buttons: z
      .strictObject({
        ack: template(['name']).describe('The acknowledge button; placeholder {name}, the person the mail went to (without one: email.labels.acknowledge).'),
        resolve: template(['name']).describe('The resolve button; placeholder {name}, the person the mail went to (without one: email.labels.resolve).'),
      })
      .describe('The button of the e-mail link page (it acts as the person the mail went to).'),
    outcomes: z
      .strictObject({
        acknowledged: linkOutcome('when it acknowledged the incident'),
        resolved: linkOutcome('when it resolved the incident'),
        alreadyAcknowledged: linkOutcome('when the incident was already acknowledged (also shown instead of the button)'),
        alreadyResolved: linkOutcome('when the incident was already resolved (also shown instead of the button)'),
      })
      .describe('What the e-mail link page says the button did.'),
    labels: z
      .strictObject({
        acknowledgedBy: emailLabel('who acknowledged the incident (link page)'),
        resolvedBy: emailLabel('who resolved the incident (link page)'),
      })
      .describe('Labels of the link page besides those of email.labels.'),
    invalid: template(NO_PLACEHOLDERS).describe('The e-mail link page of a link not valid or expired.'),
  })
  .describe("The page an e-mail's acknowledge / resolve link opens, in the person's language.");
const replyWords = (when: string) => template(REPLY_PLACEHOLDERS).describe(`Answer to an SMS reply ${when}; placeholders {code} {class} {site} {summary}.`);

const locale = z.strictObject({
  /** Twilio `<Say language>` for this locale (e.g. en-US, zh-CN). */
  sayLanguage: z.string().min(2).describe('Twilio <Say language> for this locale (e.g. en-US, zh-CN).'),
  /** Optional Twilio `<Say voice>`. */
  sayVoice: z.string().min(1).optional().describe('Twilio <Say voice> (optional, e.g. alice).'),
  /** Marks every drill page (e-mail subject and body, SMS) and the SMS answers to its replies; calls say `drillSpoken`. */
  drill: template(NO_PLACEHOLDERS).describe('Marks every drill page (e-mail subject and body, SMS) and the SMS answers to its replies.'),
  /** Spoken at the start of a drill call and of every answer to its keys. */
  drillSpoken: template(NO_PLACEHOLDERS).describe('Spoken at the start of a drill call and of every answer to its keys.'),
  levels: levelNames.describe('Names of the five levels (the {level_name} placeholder).'),
  states: z
    .strictObject({
      open: z.string().min(1).describe('The {state} of an open incident.'),
      acknowledged: z.string().min(1).describe('The {state} of an acknowledged incident.'),
      resolved: z.string().min(1).describe('The {state} of a resolved incident.'),
    })
    .describe('Names of the incident states (the {state} placeholder).'),
  phases: z
    .strictObject(Object.fromEntries(MESSAGE_PHASES.map((p) => [p, phaseWords(p)])) as Record<(typeof MESSAGE_PHASES)[number], typeof phaseEntry>)
    .describe("Per phase: its tag and templates that win over every class's own (but not over classes.<class>.phases)."),
  /** An all-clear's reason, the {reason} placeholder, when time rather than a report ended the incident. */
  reasons: z
    .strictObject({
      hours_ended: template(NO_PLACEHOLDERS).describe('A source watched during business hours was silent when they ended (its silence incident resolves then).'),
      closed: template(NO_PLACEHOLDERS).describe("An ACD queue's agents collapse ended at closing time (the agents check stands down)."),
    })
    .optional()
    .describe("The {reason} of an all-clear when time rather than a report ended the incident; empty for every other message. Default none (the all-clear gives no reason)."),
  /** "3 incidents open: …" */
  bundle: template(BUNDLE_PLACEHOLDERS).describe('The {bundle} line of a message carrying several incidents ("3 incidents open: …"); placeholders {count} {list}.'),
  /** Shift-handover notices (SMS or e-mail, never a call). */
  handover: z
    .strictObject({
      tag: template(NO_PLACEHOLDERS).describe("The notices' tag, the {tag} placeholder."),
      /** To whoever takes the role over. */
      incoming: template(HANDOVER_PLACEHOLDERS).describe('To whoever takes the role over; placeholders {tag} {role} {time} {from} {to}.'),
      /** To whoever hands it over. */
      outgoing: template(HANDOVER_PLACEHOLDERS).describe('To whoever hands it over; placeholders {tag} {role} {time} {from} {to}.'),
      /** E-mail subject. */
      subject: template(HANDOVER_PLACEHOLDERS).describe('E-mail subject; placeholders {tag} {role} {time} {from} {to}.'),
      /** Ends the incoming person's notice when incidents the role was paged for are still open. */
      open: template(BUNDLE_PLACEHOLDERS).describe("Ends the incoming person's notice when incidents the role was paged for are still open; placeholders {count} {list}."),
      /** The same, when more are open than roster.yaml `handover.list` names. */
      openMore: template(BUNDLE_PLACEHOLDERS).describe('The same, when more are open than roster.yaml `handover.list` names; placeholders {count} {list}.'),
      /** {from} / {to} when no one holds the role on that side. */
      nobody: z.string().min(1).describe('{from} / {to} when no one holds the role on that side.'),
    })
    .describe('Shift-handover notices (SMS or e-mail, never a call).'),
  sms: z
    .strictObject({
      /** Ends every paging SMS. */
      reply: template(['code']).describe('Ends every paging SMS that asks for an answer; placeholder {code}.'),
    })
    .describe('Words tocsin adds to SMS.'),
  voice: z
    .strictObject({
      menu: voiceWords('after the page: the key menu'),
      noInput: voiceWords('when no key is pressed, before hanging up'),
      acknowledged: voiceWords('after the acknowledge key (4)'),
      resolved: voiceWords('after the resolve key (6)'),
      escalated: voiceWords('after the escalate-now key (5), when it paged the next tier'),
      noFurtherTier: voiceWords('after the escalate-now key (5) when no tier is left to page: the incident stays with the person. Optional (a messages.yaml written before it still loads): without it the call says "There is no further tier to page; the incident stays with you. Goodbye."').optional(),
      alreadyResolved: voiceWords('when a key is pressed for an incident already resolved'),
      notActive: voiceWords('when a key is pressed for a page no longer active'),
      invalidKey: voiceWords('when the key pressed is not on the menu (the menu follows)'),
    })
    .describe('Words of the paging call besides the page itself.'),
  email: z
    .strictObject({
      labels: z
        .strictObject({
          incident: emailLabel('the incident id'),
          class: emailLabel('the class'),
          site: emailLabel('the site'),
          level: emailLabel('the level'),
          state: emailLabel('the state'),
          opened: emailLabel('when the incident opened'),
          summary: emailLabel('the summary'),
          advice: emailLabel("the class's advice"),
          note: emailLabel("the tier's note"),
          timeline: emailLabel('the timeline (its heading)'),
          acknowledge: emailLabel('the acknowledge link'),
          resolve: emailLabel('the resolve link'),
          linksIntro: emailLabel('the acknowledge / resolve links (the words before them)'),
        })
        .describe('Labels of the facts, the timeline and the links tocsin adds to every e-mail.'),
      footer: template(NO_PLACEHOLDERS).describe('Ends every e-mail.'),
      linkPage,
    })
    .describe('Words tocsin adds to e-mails.'),
  /** Answers to SMS replies. */
  replies: z
    .strictObject({
      acknowledged: replyWords('that acknowledged an incident'),
      resolved: replyWords('that resolved an incident'),
      alreadyResolved: replyWords('for an incident already resolved'),
      unknownCode: replyWords('whose code is unknown or no longer active'),
      notUnderstood: replyWords('that was not understood'),
    })
    .describe('Answers to SMS replies.'),
  /** Translations of free text from playbooks.yaml (advice, tier notes), keyed by the exact English text. */
  phrases: z
    .record(z.string().min(1), z.string().min(1))
    .default({})
    .describe('Translations of free text from playbooks.yaml (advice, tier notes) and role names, keyed by the exact English text. Default none.'),
  /** Used for a class that has no entry below: a page is never dropped for want of words. */
  fallback: channelTemplates.describe('Used for a class that has no entry in `classes`: a page is never dropped for want of words.'),
  classes: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a snake_case class id'), classEntry)
    .describe('Per class id of playbooks.yaml: its name and its templates per channel.'),
});

export const messagesSchema = z.strictObject({
  version: z
    .union([z.string(), z.number()])
    .transform(String)
    .describe('Version of this file (a string or a number).'),
  defaultLocale: z
    .enum(MESSAGE_LOCALES)
    .default('en')
    .describe("Locale used when the person's own is not known (e.g. an SMS from a number not in the roster). Default en."),
  locales: z
    .strictObject({
      en: locale.describe('The words in English.'),
      'zh-CN': locale.describe('The words in Simplified Chinese.'),
    })
    .describe("The words per locale; a person's `locale` in roster.yaml picks one."),
});

export type MessagesConfig = z.output<typeof messagesSchema>;
export type LocaleMessages = MessagesConfig['locales']['en'];
export type MessageLocale = (typeof MESSAGE_LOCALES)[number];
export type MessagePhase = (typeof MESSAGE_PHASES)[number];
export type ClassMessages = LocaleMessages['classes'][string];
export type EmailTemplate = z.output<typeof emailTemplate>;

export const MESSAGES_FILE = 'messages.yaml';

/**
 * Reads and validates `<dir>/messages.yaml`. With `classes` (the ids of playbooks.yaml), also reports
 * every class that lacks its own templates in a locale. Throws ConfigError naming file and path.
 */
export function loadMessages(dir: string, options: { classes?: readonly string[] } = {}): MessagesConfig {
  const file = join(resolve(dir), MESSAGES_FILE);
  const problems: ConfigProblem[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ file, path: '', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((err) => ({ file, path: '', message: `YAML: ${err.message.split('\n')[0] ?? ''}` })));
  }
  const result = messagesSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    for (const issue of result.error.issues) problems.push({ file, path: issue.path.map(String).join('.'), message: issue.message });
    throw new ConfigError(problems);
  }
  if (options.classes) problems.push(...checkMessagesCoverage(result.data, options.classes, file));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data);
}

/** Every class of the playbooks has its own templates in every locale. */
export function checkMessagesCoverage(messages: MessagesConfig, classes: readonly string[], file = MESSAGES_FILE): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const loc of MESSAGE_LOCALES) {
    for (const c of classes) {
      if (!Object.hasOwn(messages.locales[loc].classes, c)) out.push({ file, path: `locales.${loc}.classes.${c}`, message: `class "${c}" of playbooks.yaml has no messages` });
    }
  }
  return out;
}
