import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMessagesCoverage, loadMessages, MESSAGE_LOCALES, MESSAGE_PHASES, type MessagesConfig } from '../../config/messages-schema.js';
import { makeIncident, makePage, makeRecipient } from '../../../test/support/page-fixture.js';
import { loadConfig } from '../../config/load-config.js';
import { severityNotes, UNMATCHED_NOTE } from '../../domain/escalation.js';
import { renderPage } from './messages.js';
import { smsLength } from './sms-encoding.js';

const CONFIG = join(import.meta.dirname, '../../../config');
const playbooks = parse(readFileSync(join(CONFIG, 'playbooks.yaml'), 'utf8')) as {
  classes: Record<string, { advice?: string; tiers: Array<{ note?: string }>; unmatched?: { note?: string }; onResolve?: { reminders?: Array<{ note?: string }> } }>;
};
const CLASSES = Object.keys(playbooks.classes);
const CHANNELS = ['sms', 'voice', 'email'] as const;
const POWER_ADVICE = playbooks.classes.power?.advice ?? '';
const PAPER_ADVICE = playbooks.classes.network_infosys?.advice ?? '';
const REPLY_EN = 'Reply 12a to acknowledge, 12c to resolve';
const REPLY_ZH = '回复12a确认，12c解决';

let messages: MessagesConfig;
beforeAll(() => {
  messages = loadMessages(CONFIG);
});

describe('shipped messages.yaml', () => {
  it('has its own templates for every class of playbooks.yaml in both locales', () => {
    expect(CLASSES.length).toBeGreaterThanOrEqual(13);
    expect(checkMessagesCoverage(messages, CLASSES)).toEqual([]);
  });

  it('translates every advice, tier note, unmatched note and reminder of playbooks.yaml into Chinese, and the default unmatched note', () => {
    const texts = Object.values(playbooks.classes)
      .flatMap((c) => [c.advice, ...c.tiers.map((t) => t.note), c.unmatched?.note, ...(c.onResolve?.reminders ?? []).map((r) => r.note)])
      .filter((t): t is string => !!t);
    texts.push(UNMATCHED_NOTE);
    expect(texts.length).toBeGreaterThan(10);
    const missing = texts.filter((t) => !Object.hasOwn(messages.locales['zh-CN'].phrases, t));
    expect(missing).toEqual([]);
  });

  it("translates the severity table's notes (reached, within, overdue) and every role name into Chinese", () => {
    const config = loadConfig(CONFIG);
    const texts = [...config.severity.levels.flatMap((row) => Object.values(severityNotes(row))), ...Object.values(config.roles.roles).map((r) => r.name)];
    expect(texts.length).toBeGreaterThan(15);
    expect(texts.filter((t) => !Object.hasOwn(messages.locales['zh-CN'].phrases, t))).toEqual([]);
  });
});

describe.each(MESSAGE_LOCALES)('every class × channel renders (%s)', (locale) => {
  const reply = locale === 'en' ? REPLY_EN : REPLY_ZH;
  it.each(CLASSES.flatMap((c) => CHANNELS.map((ch) => [c, ch] as const)))('%s / %s', (cls, channel) => {
    const words = messages.locales[locale];
    const name = words.classes[cls]?.name ?? '';
    const page = makePage({ channel, recipient: makeRecipient({ locale }), incident: makeIncident({ class: cls, site: 'hq', level: 4, summary: 'CRM down' }) });
    const out = renderPage(messages, page, channel);
    expect(out.locale).toBe(locale);
    if (out.channel === 'sms') {
      expect(out.body.endsWith(reply)).toBe(true);
      expect(out.body).toContain('hq');
      expect(out.body).toContain(words.classes[cls]?.short ?? name);
    } else if (out.channel === 'voice') {
      expect(out.say).toContain(name);
      expect(out.say).toContain('hq');
      expect(out.say).toContain('4');
      expect(out.say).toContain('CRM down');
      expect(out.menu).toBe(words.voice.menu);
      expect(out.language).toBe(locale === 'en' ? 'en-US' : 'zh-CN');
    } else {
      expect(out.subject).toContain(name);
      expect(out.text).toContain(page.links.ack);
      expect(out.html).toContain(`href="${page.links.resolve}"`);
    }
  });
});

describe('SMS', () => {
  it('a short English page fits one GSM-7 segment and ends with the reply line', () => {
    const sms = renderPage(messages, makePage({ incident: makeIncident({ class: 'hvac', summary: 'Hall B temperature 31C' }) }), 'sms');
    expect(sms.body).toBe(`ALERT A/C failure @hq L3: Hall B temperature 31C.\n${REPLY_EN}`);
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('a short Chinese page fits one UCS-2 segment (70 characters) with the same codes', () => {
    const sms = renderPage(messages, makePage({ recipient: makeRecipient({ locale: 'zh-CN' }), incident: makeIncident({ class: 'hvac', summary: '大厅B温度31度' }) }), 'sms');
    expect(sms.body).toBe(`告警 hq空调故障（3级重大事件）：大厅B温度31度。\n${REPLY_ZH}`);
    expect(sms).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(sms.body.length).toBeLessThanOrEqual(70);
  });

  it('shortens a long summary to stay in one segment, keeping the reply line', () => {
    const summary = 'Alertmanager: CRM application servers crm-app-01 to crm-app-09 return HTTP 503 for every request since 09:58, agents cannot open customer records';
    const sms = renderPage(messages, makePage({ incident: makeIncident({ class: 'app_network_acd', summary }) }), 'sms');
    expect(sms.segments).toBe(1);
    expect(smsLength(sms.body).units).toBeLessThanOrEqual(160);
    expect(sms.body).toContain('Alertmanager: CRM');
    expect(sms.body).toContain('...');
    expect(sms.body.endsWith(REPLY_EN)).toBe(true);
  });

  it('power pages carry the load-shedding advice (translated for zh-CN) even when that takes two segments', () => {
    const en = renderPage(messages, makePage({ advice: POWER_ADVICE }), 'sms');
    expect(en.body).toContain(POWER_ADVICE);
    expect(en.body).toContain('UPS ups1 on battery');
    expect(en.body.endsWith(REPLY_EN)).toBe(true);
    const zh = renderPage(messages, makePage({ advice: POWER_ADVICE, recipient: makeRecipient({ locale: 'zh-CN' }) }), 'sms');
    expect(zh.body).toContain('立即减载');
    expect(zh.body.endsWith(REPLY_ZH)).toBe(true);
  });

  it('network_infosys pages remind agents to use paper records', () => {
    const page = makePage({ advice: PAPER_ADVICE, incident: makeIncident({ class: 'network_infosys', summary: 'CRM unreachable' }) });
    const sms = renderPage(messages, page, 'sms');
    expect(sms.body).toContain('paper records');
    expect(sms.segments).toBe(1);
    expect(renderPage(messages, { ...page, recipient: makeRecipient({ locale: 'zh-CN' }) }, 'sms').body).toContain('纸质记录');
  });

  it('replaces typographic characters so a Latin page stays GSM-7', () => {
    const sms = renderPage(messages, makePage({ incident: makeIncident({ class: 'hvac', summary: 'Hall B – “too hot”…' }) }), 'sms');
    expect(sms.encoding).toBe('GSM-7');
    expect(sms.body).toContain('Hall B - "too hot"');
  });

  it('the tier note is a line of its own in the page', () => {
    const sms = renderPage(messages, makePage({ note: 'Battery discharged below 60% and mains not back - start the generator.' }), 'sms');
    expect(sms.body).toContain('start the generator');
  });
});

describe('phases', () => {
  it.each(MESSAGE_PHASES)('%s: tagged, and only actionable phases ask for an answer', (phase) => {
    const page = makePage({ phase, note: 'Mains is back.' });
    const sms = renderPage(messages, page, 'sms');
    const voice = renderPage(messages, page, 'voice');
    const email = renderPage(messages, page, 'email');
    const tag = messages.locales.en.phases[phase].tag;
    expect(sms.body.startsWith(tag)).toBe(true);
    expect(email.subject).toContain(`[${tag}]`);
    const asks = phase !== 'all_clear' && phase !== 'reminder';
    expect(sms.body.endsWith(REPLY_EN)).toBe(asks);
    expect(voice.menu !== undefined).toBe(asks);
    expect(email.text.includes(page.links.ack)).toBe(asks);
  });

  it('a resolved incident is never asked to be acknowledged', () => {
    const page = makePage({ phase: 'update', incident: makeIncident({ state: 'resolved', resolvedAt: '2026-11-23T11:00:00.000Z' }) });
    expect(renderPage(messages, page, 'sms').body).not.toContain('Reply');
    expect(renderPage(messages, page, 'voice').menu).toBeUndefined();
  });

  it('all clear says it is over', () => {
    const page = makePage({ phase: 'all_clear', recipient: makeRecipient({ locale: 'zh-CN' }), incident: makeIncident({ state: 'resolved' }) });
    expect(renderPage(messages, page, 'sms').body).toBe('解除 hq电力故障已结束：UPS ups1 on battery。');
    expect(renderPage(messages, { ...page, recipient: makeRecipient() }, 'sms').body).toBe('ALL CLEAR Power failure at hq is over: UPS ups1 on battery.');
  });

  it('an all-clear that time gave says why, on every channel, in both locales; without a reason it says none', () => {
    const feed = makeIncident({ class: 'network_infosys', state: 'resolved', summary: 'ACD feed for queue main silent for 30m (hq)' });
    const page = makePage({ phase: 'all_clear', incident: feed, reason: 'hours_ended' });
    const sms = renderPage(messages, page, 'sms');
    expect(sms.body).toBe('ALL CLEAR Network/IS failure at hq is over: ACD feed for queue main silent for 30m (hq). Resolved: business hours ended.');
    expect(sms.segments).toBe(1);
    expect(renderPage(messages, { ...page, channel: 'voice' }, 'voice').say).toContain('silent for 30m (hq). Resolved: business hours ended.');
    expect(renderPage(messages, { ...page, channel: 'email' }, 'email').text).toContain('is over. Resolved: business hours ended.');
    const zh = { ...page, recipient: makeRecipient({ locale: 'zh-CN' }) };
    expect(renderPage(messages, zh, 'sms').body).toContain('。已解除：营业时间已结束。');
    expect(renderPage(messages, { ...zh, channel: 'voice' }, 'voice').say).toContain('已解除：营业时间已结束。');

    const queue = makePage({ phase: 'all_clear', incident: makeIncident({ class: 'app_network_acd', state: 'resolved', summary: 'Queue main: 1 agent logged in' }), reason: 'closed' });
    expect(renderPage(messages, queue, 'sms').body).toBe('ALL CLEAR App/network/ACD outage at hq is over: Queue main: 1 agent logged in. Closed: the queue closed for the day.');
    expect(renderPage(messages, { ...queue, channel: 'email' }, 'email').text).toContain('Closed: the queue closed for the day.');
    expect(renderPage(messages, { ...queue, recipient: makeRecipient({ locale: 'zh-CN' }) }, 'sms').body).toContain('已关闭：队列已下班。');

    expect(renderPage(messages, { ...page, reason: undefined }, 'sms').body).toBe('ALL CLEAR Network/IS failure at hq is over: ACD feed for queue main silent for 30m (hq).');
    // a messages.yaml without `reasons` (older than them) still renders, without one
    const old = structuredClone(messages) as MessagesConfig & { locales: { en: { reasons?: unknown } } };
    delete old.locales.en.reasons;
    expect(renderPage(old, page, 'sms').body).toBe('ALL CLEAR Network/IS failure at hq is over: ACD feed for queue main silent for 30m (hq).');
  });
});

describe('drills', () => {
  it.each(MESSAGE_LOCALES)('every channel marks a drill page DRILL (%s)', (locale) => {
    const page = makePage({ recipient: makeRecipient({ locale }), incident: makeIncident({ drill: true }) });
    const sms = renderPage(messages, page, 'sms');
    const voice = renderPage(messages, page, 'voice');
    const email = renderPage(messages, page, 'email');
    expect(sms.body.startsWith(messages.locales[locale].drill)).toBe(true);
    expect(sms.body).toContain('DRILL');
    expect(voice.say.startsWith(messages.locales[locale].drillSpoken)).toBe(true);
    expect(email.subject).toContain('DRILL');
    expect(email.text).toContain('DRILL');
    expect(email.html).toContain('DRILL');
  });

  it('a live page carries no DRILL mark', () => {
    const page = makePage();
    expect(renderPage(messages, page, 'sms').body).not.toContain('DRILL');
    expect(renderPage(messages, page, 'email').subject).not.toContain('DRILL');
    expect(renderPage(messages, page, 'voice').say).not.toContain('drill');
  });
});

describe('bundling', () => {
  const others = [makeIncident({ id: 'i2', class: 'hvac', site: 'hq' }), makeIncident({ id: 'i3', class: 'network_infosys', site: 'b2' })];

  it('says how many incidents are open and lists them', () => {
    const page = makePage({ bundle: others });
    expect(renderPage(messages, page, 'voice').say).toContain('3 incidents open: Power failure (hq); Air-conditioning failure (hq); Network or information-system failure (b2).');
    expect(renderPage(messages, page, 'email').text).toContain('3 incidents open:');
    const sms = renderPage(messages, page, 'sms');
    expect(sms.body).toContain('3 incidents open');
    expect(sms.body.endsWith(REPLY_EN)).toBe(true);
    expect(renderPage(messages, { ...page, recipient: makeRecipient({ locale: 'zh-CN' }) }, 'voice').say).toContain('共3起事件未结束');
  });

  it("an all-clear or a reminder says it in its phase's own words", () => {
    const clear = makePage({ phase: 'all_clear', incident: makeIncident({ state: 'resolved' }), bundle: others });
    expect(renderPage(messages, clear, 'voice').say).toContain('3 incidents over: Power failure (hq); Air-conditioning failure (hq); Network or information-system failure (b2).');
    expect(renderPage(messages, clear, 'sms').body).toContain('3 incidents over');
    expect(renderPage(messages, clear, 'voice').say).not.toContain('open');
    expect(renderPage(messages, { ...clear, recipient: makeRecipient({ locale: 'zh-CN' }) }, 'sms').body).toContain('共3起事件已结束');
    const reminder = makePage({ phase: 'reminder', note: 'Mains is back. Equalise the battery.', bundle: others });
    expect(renderPage(messages, reminder, 'voice').say).toContain('Equalise the battery. The same for 3 incidents: Power failure (hq);');
  });

  it('no bundle line when the page is alone (or the bundle holds only itself)', () => {
    const page = makePage({ bundle: [makeIncident()] });
    expect(renderPage(messages, page, 'sms').body).not.toContain('incidents open');
  });
});

describe('e-mail', () => {
  it('holds the incident, its timeline so far and escaped HTML', () => {
    const incident = makeIncident({
      summary: 'Breaker <B2> tripped & UPS on battery',
      timeline: [
        { at: '2026-11-23T10:00:00.000Z', type: 'opened', source: 'ups' },
        { at: '2026-11-23T10:05:00.000Z', type: 'level_raised', level: 4 },
      ],
    });
    const mail = renderPage(messages, makePage({ incident, advice: POWER_ADVICE }), 'email');
    expect(mail.subject).toBe('[ALERT] Power failure at hq - level 3 major: Breaker <B2> tripped & UPS on battery');
    expect(mail.text).toContain('Incident: 01JDQ7Z3K9X2V5T8N4M6P0R1AB');
    expect(mail.text).toContain(`Advice: ${POWER_ADVICE}`);
    expect(mail.text).toContain('2026-11-23 18:05  level raised  level=4');
    expect(mail.text).toContain('Opened: 2026-11-23 18:00 (Asia/Shanghai)');
    expect(mail.html).toContain('Breaker &lt;B2&gt; tripped &amp; UPS on battery');
    expect(mail.html).not.toContain('<B2>');
    expect(mail.html).toContain('<td>level raised</td>');
  });

  it('zh-CN mail uses Chinese labels', () => {
    const mail = renderPage(messages, makePage({ recipient: makeRecipient({ locale: 'zh-CN' }) }), 'email');
    expect(mail.subject).toBe('[告警] hq电力故障（3级重大事件）：UPS ups1 on battery');
    expect(mail.text).toContain('处理经过');
    expect(mail.text).toContain('确认: https://tocsin.example.test/a/');
  });
});

describe('fallbacks', () => {
  it('a class without messages still pages, with the fallback templates', () => {
    const page = makePage({ incident: makeIncident({ class: 'lift_failure', summary: 'Lift 2 stuck' }) });
    const sms = renderPage(messages, page, 'sms');
    expect(sms.body).toBe(`ALERT lift failure @hq L3: Lift 2 stuck.\n${REPLY_EN}`);
  });
});

describe('template lookup', () => {
  it('a class phase override wins over the phase default and the class template', () => {
    const custom = structuredClone(messages) as MessagesConfig & { locales: { en: { classes: Record<string, { phases?: unknown }> } } };
    const power = custom.locales.en.classes.power;
    if (!power) throw new Error('power missing');
    power.phases = { all_clear: { sms: 'Mains back at {site}. {note}' }, escalation: { voice: 'Still no mains at {site}.' } };
    const allClear = makePage({ phase: 'all_clear', note: 'Equalise the battery.', incident: makeIncident({ state: 'resolved' }) });
    expect(renderPage(custom, allClear, 'sms').body).toBe('Mains back at hq. Equalise the battery.');
    // channels without an override fall through to the phase default
    expect(renderPage(custom, allClear, 'voice').say).toBe('ALL CLEAR. Power failure at site hq is over. UPS ups1 on battery. Equalise the battery.');
    expect(renderPage(custom, makePage({ phase: 'escalation' }), 'voice').say).toBe('Still no mains at hq.');
    // and other classes are untouched
    expect(renderPage(custom, makePage({ phase: 'all_clear', incident: makeIncident({ class: 'hvac', state: 'resolved' }) }), 'sms').body).toBe(
      'ALL CLEAR A/C failure at hq is over: UPS ups1 on battery.',
    );
  });

  it('an unknown locale falls back to the default locale', () => {
    const page = makePage({ recipient: { ...makeRecipient(), locale: 'fr' as unknown as 'en' } });
    expect(renderPage(messages, page, 'sms').locale).toBe('en');
  });
});
