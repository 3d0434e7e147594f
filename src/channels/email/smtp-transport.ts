/** The nodemailer SMTP transport for SMTP_URL, with timeouts so a dead mail server fails fast. */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export type MailTransport = Transporter<SMTPTransport.SentMessageInfo>;

/** From daemon.yaml channels.email; the whole send's limit (sendTimeout) is the channel's. */
export interface SmtpOptions {
  /** Setting the session up: DNS, TCP, TLS, the greeting and a STARTTLS handshake (connectTimeout). */
  readonly connectionTimeoutMs: number;
  /** The server's greeting once connected, within the above (greetingTimeout). */
  readonly greetingTimeoutMs: number;
  /** Socket inactivity: the server silent this long mid-session (socketTimeout). */
  readonly socketTimeoutMs: number;
}

/** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (implicit TLS). */
export function createSmtpTransport(smtpUrl: string, options: SmtpOptions): MailTransport {
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: options.connectionTimeoutMs,
    greetingTimeout: options.greetingTimeoutMs,
    socketTimeout: options.socketTimeoutMs,
  } as SMTPTransport.Options);
}
