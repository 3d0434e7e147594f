/** nodemailer over SMTP_URL into a real in-process SMTP server. */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmailChannel, EmailChannel } from '../../src/channels/email/email-channel.js';
import { createSmtpTransport, type MailTransport } from '../../src/channels/email/smtp-transport.js';
import { loadMessages, type MessagesConfig } from '../../src/config/messages-schema.js';
import { TocsinError } from '../../src/domain/errors.js';
import { captureLogger } from '../support/log-capture.js';
import { makeIncident, makePage, makeRecipient } from '../support/page-fixture.js';
import { SmtpSink } from '../support/smtp-sink.js';

const sink = new SmtpSink();
let messages: MessagesConfig;
let transport: MailTransport;

beforeAll(async () => {
  await sink.start();
  messages = loadMessages(join(import.meta.dirname, '../../config'));
  transport = createSmtpTransport(sink.url, { connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 });
});
afterAll(async () => {
  transport.close();
  await sink.stop();
});
beforeEach(() => {
  sink.received.length = 0;
});

function channel() {
  const { logger, lines } = captureLogger();
  return { email: new EmailChannel({ transport, from: '"tocsin" <tocsin@alerts.example.test>', messages, logger }), lines };
}

async function failure(p: Promise<unknown>): Promise<TocsinError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TocsinError);
  return e as TocsinError;
}

describe('EmailChannel', () => {
  it('delivers subject, text and HTML with the incident, its timeline and the answer links', async () => {
    const { email } = channel();
    const page = makePage({
      channel: 'email',
      notificationId: 'inc1:0:omar:email:1',
      advice: 'Shed load now - switch off hall air-conditioning and every non-essential device to stretch UPS runtime.',
      incident: makeIncident({ level: 4 }),
    });
    const result = await email.send(page);
    expect(result).toEqual({ status: 'sent', providerId: '<inc1_0_omar_email_1@alerts.example.test>' });

    const [got] = await sink.waitFor(1);
    expect(got?.envelope).toEqual({ from: 'tocsin@alerts.example.test', to: ['omar.haddad@example.com'] });
    const mail = got!.mail;
    expect(mail.subject).toBe('[ALERT] Power failure at hq - level 4 serious: UPS ups1 on battery');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('"Omar Haddad" <omar.haddad@example.com>');
    expect(mail.text).toContain('Mains power is lost or the power line failed at site hq: UPS ups1 on battery.');
    expect(mail.text).toContain('Advice: Shed load now');
    expect(mail.text).toContain('Timeline so far:');
    expect(mail.text).toContain('2026-11-23 18:00  opened  source=ups, level=3');
    expect(mail.text).toContain(`Acknowledge: ${page.links.ack}`);
    expect(mail.text).toContain(`Resolve: ${page.links.resolve}`);
    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(html).toContain(`href="${page.links.ack}"`);
    expect(html).toContain(`href="${page.links.resolve}"`);
    expect(html).toContain('<td>notified</td>');
    expect(mail.messageId).toBe('<inc1_0_omar_email_1@alerts.example.test>');
    expect(mail.headers.get('x-tocsin-incident')).toBe(page.incident.id);
    expect(mail.headers.get('x-tocsin-notification')).toBe('inc1:0:omar:email:1');
  });

  it('marks a drill and writes Chinese for a zh-CN reader', async () => {
    const { email } = channel();
    await email.send(makePage({ channel: 'email', recipient: makeRecipient({ locale: 'zh-CN' }), incident: makeIncident({ drill: true }) }));
    const [got] = await sink.waitFor(1);
    expect(got?.mail.subject).toBe('[DRILL 演练] [告警] hq电力故障（3级重大事件）：UPS ups1 on battery');
    expect(got?.mail.text).toContain('处理经过');
    expect(got?.mail.headers.get('x-tocsin-drill')).toBe('true');
  });

  it('a recipient the server refuses (550) is a permanent failure', async () => {
    const { email } = channel();
    sink.rejectNext(1, { code: 550, at: 'rcpt' });
    const e = await failure(email.send(makePage({ channel: 'email' })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(e.details?.providerCode).toBe(550);
    expect(sink.received).toHaveLength(0);
  });

  it('a message refused after DATA with 554 is permanent', async () => {
    const { email } = channel();
    sink.rejectNext(1, { code: 554, at: 'data' });
    const e = await failure(email.send(makePage({ channel: 'email' })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
    expect(e.details?.providerCode).toBe(554);
  });

  it('"try again later" (451) is temporary', async () => {
    const { email, lines } = channel();
    sink.rejectNext(1, { code: 451, at: 'rcpt' });
    const e = await failure(email.send(makePage({ channel: 'email' })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
    expect(e.details?.providerCode).toBe(451);
    expect(lines.find((l) => l.msg === 'page not sent')).toMatchObject({ channel: 'email', providerCode: 451 });
  });

  it('a mail server that is down is temporary; the next try after it is back delivers', async () => {
    const { email } = channel();
    await sink.stop();
    try {
      const e = await failure(email.send(makePage({ channel: 'email' })));
      expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
      expect(e.details?.providerCode).toMatch(/^E(SOCKET|CONNECTION)$/);
    } finally {
      await sink.start();
    }
    await email.send(makePage({ channel: 'email' }));
    expect(await sink.waitFor(1)).toHaveLength(1);
  });

  it('createEmailChannel sends over SMTP_URL', async () => {
    const { logger } = captureLogger();
    const ch = createEmailChannel({ smtpUrl: sink.url, from: 'tocsin@localhost', messages, logger });
    try {
      expect([ch.kind, ch.live]).toEqual(['email', true]);
      await ch.send(makePage({ channel: 'email', phase: 'all_clear', incident: makeIncident({ state: 'resolved' }) }));
      const [got] = await sink.waitFor(1);
      expect(got?.mail.subject).toBe('[ALL CLEAR] Power failure at hq is over: UPS ups1 on battery');
      expect(got?.mail.text).not.toContain('Acknowledge:');
    } finally {
      ch.close();
    }
  });

  it('a person without an e-mail address is a permanent failure', async () => {
    const e = await failure(channel().email.send(makePage({ channel: 'email', recipient: makeRecipient({ email: undefined }) })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
  });
});
