/** The nodemailer SMTP transport for SMTP_URL, with timeouts so a dead mail server fails fast. */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export type MailTransport = Transporter<SMTPTransport.SentMessageInfo>;

export interface SmtpOptions {
  /** TCP connect (default 10 s). */
  readonly connectionTimeoutMs?: number | undefined;
  /** Server greeting after connect (default 10 s). */
  readonly greetingTimeoutMs?: number | undefined;
  /** Socket inactivity (default 30 s). */
  readonly socketTimeoutMs?: number | undefined;
}

/** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (implicit TLS). */
export function createSmtpTransport(smtpUrl: string, options: SmtpOptions = {}): MailTransport {
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
  } as SMTPTransport.Options);
}
