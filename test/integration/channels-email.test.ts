/** nodemailer over SMTP_URL into a real in-process SMTP server. */
import { createServer, type AddressInfo, type Socket } from 'node:net';
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
  return { email: new EmailChannel({ transport, from: '"tocsin" <tocsin@alerts.example.test>', messages, logger, sendTimeoutMs: 10_000 }), lines };
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
    const { email, lines } = channel();
    const page = makePage({
      channel: 'email',
      notificationId: 'inc1:0:omar:email:1',
      advice: 'Shed load now - switch off hall air-conditioning and every non-essential device to stretch UPS runtime.',
      incident: makeIncident({ level: 4 }),
    });
    const result = await email.send(page);
    // the provider id is the Message-ID's part before the @: a whole Message-ID reads as an address, masked in the logs
    expect(result).toEqual({ status: 'sent', providerId: 'inc1_0_omar_email_1' });
    expect(lines.find((l) => l.msg === 'page sent')).toMatchObject({ channel: 'email', notificationId: 'inc1:0:omar:email:1', providerId: 'inc1_0_omar_email_1' });
    expect(JSON.stringify(lines)).not.toContain('omar.haddad');

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
    const ch = createEmailChannel({
      smtpUrl: sink.url,
      from: 'tocsin@localhost',
      messages,
      logger,
      smtp: { connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 2000, sendTimeoutMs: 5000 },
    });
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

  it('sendTimeout cuts off a server that answers every command, each just inside socketTimeout: temporary, nothing accepted', async () => {
    // a plain net server on loopback: greets, then answers each line 400 ms later (never idle for 1 s)
    let accepted = false;
    const sockets = new Set<Socket>();
    const slow = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.write('220 slow.example.test ESMTP\r\n');
      let data = false;
      let buf = '';
      socket.on('data', (chunk) => {
        buf += chunk.toString('latin1');
        let nl: number;
        while ((nl = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 2);
          if (data && line !== '.') continue;
          const reply = data ? '250 accepted' : /^DATA/i.test(line) ? '354 go on' : /^EHLO/i.test(line) ? '250 slow.example.test' : '250 ok';
          if (data) accepted = true;
          data = /^DATA/i.test(line);
          setTimeout(() => socket.writable && socket.write(`${reply}\r\n`), 400);
        }
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const { logger } = captureLogger();
    const ch = createEmailChannel({
      smtpUrl: `smtp://127.0.0.1:${(slow.address() as AddressInfo).port}`,
      from: 'tocsin@localhost',
      messages,
      logger,
      smtp: { connectionTimeoutMs: 1000, greetingTimeoutMs: 1000, socketTimeoutMs: 1000, sendTimeoutMs: 1500 },
    });
    try {
      const started = Date.now();
      const e = await failure(ch.send(makePage({ channel: 'email' })));
      const took = Date.now() - started;
      expect(e.code).toBe('TOCSIN_ERR_CHANNEL_TEMPORARY');
      // EHLO, MAIL, RCPT, DATA and the mail at 400 ms each would take 2 s: cut off at 1.5 s
      expect(took).toBeGreaterThanOrEqual(1_400);
      expect(took).toBeLessThan(1_900);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(accepted).toBe(false);
    } finally {
      ch.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => slow.close(r));
    }
  });

  it('a person without an e-mail address is a permanent failure', async () => {
    const e = await failure(channel().email.send(makePage({ channel: 'email', recipient: makeRecipient({ email: undefined }) })));
    expect(e.code).toBe('TOCSIN_ERR_CHANNEL_PERMANENT');
  });
});
