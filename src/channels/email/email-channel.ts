/** E-mail over SMTP (nodemailer): pages (text + HTML, the incident, its timeline, answer links) and notices (plain text). */
import type { Channel, Notice, Page, Recipient, SendResult } from '../../domain/ports.js';
import { TocsinError } from '../../domain/errors.js';
import type { MessagesConfig } from '../../config/messages-schema.js';
import type { SendMailOptions } from 'nodemailer';
import type { Logger } from '../../telemetry/logger.js';
import { renderEmail } from '../render/render-email.js';
import { toEmailError } from './errors.js';
import { createSmtpTransport, type MailTransport, type SmtpOptions } from './smtp-transport.js';

export interface EmailChannelDeps {
  readonly transport: MailTransport;
  /** MAIL_FROM. */
  readonly from: string;
  readonly messages: MessagesConfig;
  readonly logger: Logger;
  /**
   * The longest one mail may take, connecting included (daemon.yaml channels.email.sendTimeout): the
   * connection is closed then. The per-step timeouts alone do not bound a send (a server answering
   * each command just inside socketTimeout), and a send outlasting the claim's lease is sent twice.
   */
  readonly sendTimeoutMs: number;
}

export class EmailChannel implements Channel {
  readonly kind = 'email' as const;
  readonly live = true;
  private readonly deps: EmailChannelDeps;

  constructor(deps: EmailChannelDeps) {
    this.deps = deps;
  }

  /** Closes the SMTP transport (on shutdown). */
  close(): void {
    this.deps.transport.close();
  }

  async send(page: Page): Promise<SendResult> {
    const { from, messages } = this.deps;
    const to = page.recipient.email;
    if (!to) throw noAddress(page.recipient);
    const mail = renderEmail(messages, page);
    const domain = mailDomain(from);
    return this.deliver(
      {
        to: { name: page.recipient.name, address: to },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // One Message-ID per notification: a resend after a timeout is recognisably the same mail.
        messageId: `<${safeId(page.notificationId)}@${domain}>`,
        // Mails about one incident thread together.
        references: [`<incident-${safeId(page.incident.id)}@${domain}>`],
        headers: { 'X-Tocsin-Incident': page.incident.id, 'X-Tocsin-Notification': page.notificationId, ...(page.incident.drill ? { 'X-Tocsin-Drill': 'true' } : {}) },
      },
      { notificationId: page.notificationId, incidentId: page.incident.id },
      'page',
    );
  }

  /** A message about no incident (a shift handover): plain text, its own Message-ID. */
  async notice(notice: Notice): Promise<SendResult> {
    const to = notice.recipient.email;
    if (!to) throw noAddress(notice.recipient);
    return this.deliver(
      {
        to: { name: notice.recipient.name, address: to },
        subject: notice.subject,
        text: notice.text,
        messageId: `<${safeId(notice.id)}@${mailDomain(this.deps.from)}>`,
        headers: { 'X-Tocsin-Notice': notice.id },
      },
      { noticeId: notice.id },
      'notice',
    );
  }

  /** Hands one mail to SMTP: a refused recipient is a failure; every failure becomes a channel error. */
  private async deliver(mail: Omit<SendMailOptions, 'from'>, ids: Record<string, string>, what: 'page' | 'notice'): Promise<SendResult> {
    const { transport, from, logger, sendTimeoutMs } = this.deps;
    try {
      // nodemailer closes the connection on abort: a mail cut off mid-DATA is never accepted
      const info = await transport.sendMail({ from, ...mail, signal: AbortSignal.timeout(sendTimeoutMs) } as SendMailOptions);
      if (info.rejected.length > 0) {
        throw Object.assign(new Error('recipient rejected'), { code: 'EENVELOPE', responseCode: 550 });
      }
      const providerId = messageIdLocalPart(info.messageId);
      logger.info({ ...ids, channel: 'email', providerId }, `${what} sent`);
      return { status: 'sent', providerId };
    } catch (e) {
      const err = toEmailError(e);
      logger.warn({ ...ids, channel: 'email', code: err.code, providerCode: err.details?.providerCode }, `${what} not sent`);
      throw err;
    }
  }
}

function noAddress(recipient: Recipient): TocsinError {
  return new TocsinError('TOCSIN_ERR_CHANNEL_PERMANENT', `${recipient.id} has no e-mail address`, {
    details: { provider: 'smtp', channel: 'email', providerCode: 'no_email_address' },
  });
}

function mailDomain(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'tocsin.local';
}

/**
 * A sent mail's provider id: its Message-ID's part before the `@` (`<01K…_t3_wang_fang_email_1@alerts.example.org>`
 * → `01K…_t3_wang_fang_email_1`), tocsin's own notification id, unique to the mail. A whole Message-ID
 * reads as an address, and the logs mask addresses, so it could not be traced from a log line; the
 * part before the `@` finds the mail in the mail server's log all the same.
 */
export function messageIdLocalPart(messageId: string): string {
  const m = /^<?([^<>@\s]+)@[^<>@\s]+>?$/.exec(messageId.trim());
  return m?.[1] ?? messageId;
}

function safeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

export interface EmailChannelOptions {
  /** SMTP_URL (Env.smtpUrl). */
  readonly smtpUrl: string;
  /** MAIL_FROM (Env.mailFrom). */
  readonly from: string;
  readonly messages: MessagesConfig;
  readonly logger: Logger;
  /** daemon.yaml channels.email. */
  readonly smtp: SmtpOptions & { readonly sendTimeoutMs: number };
}

/** The e-mail channel over SMTP_URL, with its own transport (close it with `channel.close()`). */
export function createEmailChannel(options: EmailChannelOptions): EmailChannel {
  const { sendTimeoutMs, ...smtp } = options.smtp;
  return new EmailChannel({ transport: createSmtpTransport(options.smtpUrl, smtp), from: options.from, messages: options.messages, logger: options.logger, sendTimeoutMs });
}
