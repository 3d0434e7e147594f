/** The environment that sends a test daemon's calls and SMS to a FakeTwilio and its e-mail to an SmtpSink. */
import type { FakeTwilio } from './fake-twilio.js';
import type { SmtpSink } from './smtp-sink.js';

export const TEST_PUBLIC_URL = 'https://tocsin.example.test';

export interface ChannelEnvOptions {
  readonly twilio: FakeTwilio;
  readonly sid: string;
  readonly token: string;
  readonly from: string;
  /** E-mail goes here when given; otherwise the e-mail channel stays in log mode. */
  readonly smtp?: SmtpSink;
  readonly publicUrl?: string;
}

export function channelEnv(o: ChannelEnvOptions): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: o.sid,
    TWILIO_AUTH_TOKEN: o.token,
    TWILIO_FROM: o.from,
    TWILIO_API_URL: o.twilio.url,
    PUBLIC_URL: o.publicUrl ?? TEST_PUBLIC_URL,
    ...(o.smtp ? { SMTP_URL: o.smtp.url, MAIL_FROM: 'tocsin@example.test' } : {}),
  };
}
