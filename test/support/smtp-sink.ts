/**
 * An in-process SMTP server (smtp-server, plaintext, AUTH optional) collecting parsed mails (mailparser).
 * It can reject the next mails (451 temporary / 550 permanent) and be stopped and started on the same
 * port to play "mail server down".
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  readonly mail: ParsedMail;
}

export interface Rejection {
  /** SMTP reply code, e.g. 451 (try later) or 550 (mailbox unavailable). */
  readonly code: number;
  /** When to answer it: at RCPT TO (recipient rejected) or after DATA. */
  readonly at?: 'rcpt' | 'data' | undefined;
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private readonly rejections: Rejection[] = [];
  private server: SMTPServer | undefined;
  private boundPort = 0;
  private waiters: Array<() => void> = [];

  get port(): number {
    return this.boundPort;
  }

  /** smtp://127.0.0.1:<port> (no TLS, no AUTH). */
  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  /** Starts listening: on port 0 the first time, on the same port after stop(). */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, cb) => cb(null, { user: auth.username }),
      onRcptTo: (_addr, _session, cb) => {
        const r = this.rejections[0];
        if (r && (r.at ?? 'rcpt') === 'rcpt') {
          this.rejections.shift();
          return cb(smtpError(r.code));
        }
        cb();
      },
      onData: (stream, session: SMTPServerSession, cb) => {
        const r = this.rejections[0];
        if (r && r.at === 'data') {
          this.rejections.shift();
          stream.resume();
          stream.on('end', () => cb(smtpError(r.code)));
          return;
        }
        simpleParser(stream).then(
          (mail) => {
            const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
            this.received.push({ envelope: { from, to: session.envelope.rcptTo.map((a) => a.address) }, mail });
            const w = this.waiters;
            this.waiters = [];
            for (const f of w) f();
            cb();
          },
          (e: Error) => cb(e),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => resolve());
    });
    this.boundPort = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the listener (clients then get connection refused). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `n` mails are refused with this reply. */
  rejectNext(n: number, rejection: Rejection): void {
    for (let i = 0; i < n; i++) this.rejections.push(rejection);
  }

  /** Resolves once at least `count` mails have arrived. */
  async waitFor(count: number, timeoutMs = 5000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`smtp sink: ${this.received.length} of ${count} mails after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }
}

function smtpError(code: number): Error {
  return Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code });
}
