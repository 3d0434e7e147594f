/**
 * config/messages.yaml: the words of every page, per locale, class, channel and phase.
 * Validated against a closed schema (placeholders included), then frozen.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './load-config.js';

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
const emailTemplate = z.strictObject({ subject: pageText, body: pageText });

/** One template per channel; all three required for a class. */
const channelTemplates = z.strictObject({ sms: pageText, voice: pageText, email: emailTemplate });
/** Overrides: any subset of channels. */
const partialChannelTemplates = z.strictObject({ sms: pageText.optional(), voice: pageText.optional(), email: emailTemplate.optional() });

const phaseEntry = partialChannelTemplates.extend({ tag: template(NO_PLACEHOLDERS) });

const classEntry = channelTemplates.extend({
  name: z.string().min(1),
  /** Shorter name for SMS (one segment is 160 Latin or 70 Chinese characters). */
  short: z.string().min(1).optional(),
  phases: z.partialRecord(z.enum(MESSAGE_PHASES), partialChannelTemplates).optional(),
});

const levelNames = z.strictObject({ 1: z.string().min(1), 2: z.string().min(1), 3: z.string().min(1), 4: z.string().min(1), 5: z.string().min(1) });

const locale = z.strictObject({
  /** Twilio `<Say language>` for this locale (e.g. en-US, zh-CN). */
  sayLanguage: z.string().min(2),
  /** Optional Twilio `<Say voice>`. */
  sayVoice: z.string().min(1).optional(),
  /** Marks every drill page (subject, SMS, spoken). */
  drill: template(NO_PLACEHOLDERS),
  /** Spoken at the start of a drill call. */
  drillSpoken: template(NO_PLACEHOLDERS),
  levels: levelNames,
  states: z.strictObject({ open: z.string().min(1), acknowledged: z.string().min(1), resolved: z.string().min(1) }),
  phases: z.strictObject(Object.fromEntries(MESSAGE_PHASES.map((p) => [p, phaseEntry])) as Record<(typeof MESSAGE_PHASES)[number], typeof phaseEntry>),
  /** "3 incidents open: …" */
  bundle: template(BUNDLE_PLACEHOLDERS),
  /** Shift-handover notices (SMS or e-mail, never a call). */
  handover: z.strictObject({
    tag: template(NO_PLACEHOLDERS),
    /** To whoever takes the role over. */
    incoming: template(HANDOVER_PLACEHOLDERS),
    /** To whoever hands it over. */
    outgoing: template(HANDOVER_PLACEHOLDERS),
    /** E-mail subject. */
    subject: template(HANDOVER_PLACEHOLDERS),
    /** Ends the incoming person's notice when incidents the role was paged for are still open. */
    open: template(BUNDLE_PLACEHOLDERS),
    /** The same, when more are open than roster.yaml `handover.list` names. */
    openMore: template(BUNDLE_PLACEHOLDERS),
    /** {from} / {to} when no one holds the role on that side. */
    nobody: z.string().min(1),
  }),
  sms: z.strictObject({
    /** Ends every paging SMS. */
    reply: template(['code']),
  }),
  voice: z.strictObject({
    menu: template(NO_PLACEHOLDERS),
    noInput: template(NO_PLACEHOLDERS),
    acknowledged: template(NO_PLACEHOLDERS),
    resolved: template(NO_PLACEHOLDERS),
    escalated: template(NO_PLACEHOLDERS),
    alreadyResolved: template(NO_PLACEHOLDERS),
    notActive: template(NO_PLACEHOLDERS),
    invalidKey: template(NO_PLACEHOLDERS),
  }),
  email: z.strictObject({
    labels: z.strictObject({
      incident: z.string().min(1),
      class: z.string().min(1),
      site: z.string().min(1),
      level: z.string().min(1),
      state: z.string().min(1),
      opened: z.string().min(1),
      summary: z.string().min(1),
      advice: z.string().min(1),
      note: z.string().min(1),
      timeline: z.string().min(1),
      acknowledge: z.string().min(1),
      resolve: z.string().min(1),
      linksIntro: z.string().min(1),
    }),
    footer: template(NO_PLACEHOLDERS),
  }),
  /** Answers to SMS replies. */
  replies: z.strictObject({
    acknowledged: template(REPLY_PLACEHOLDERS),
    resolved: template(REPLY_PLACEHOLDERS),
    alreadyResolved: template(REPLY_PLACEHOLDERS),
    unknownCode: template(REPLY_PLACEHOLDERS),
    notUnderstood: template(REPLY_PLACEHOLDERS),
  }),
  /** Translations of free text from playbooks.yaml (advice, tier notes), keyed by the exact English text. */
  phrases: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Used for a class that has no entry below: a page is never dropped for want of words. */
  fallback: channelTemplates,
  classes: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a snake_case class id'), classEntry),
});

export const messagesSchema = z.strictObject({
  version: z.union([z.string(), z.number()]).transform(String),
  defaultLocale: z.enum(MESSAGE_LOCALES).default('en'),
  locales: z.strictObject({ en: locale, 'zh-CN': locale }),
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

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
