/** Log mode (CONTRACT): without Twilio / SMTP settings a page is recorded and logged, never dropped silently. */
import type { ChannelKind } from '../domain/incident.js';
import type { Channel, Notice, Page, Recipient, SendResult } from '../domain/ports.js';
import type { Logger } from '../telemetry/logger.js';
import { redactText } from '../telemetry/logger.js';

export class LogChannel implements Channel {
  readonly kind: ChannelKind;
  readonly live = false;
  private readonly logger: Logger;

  constructor(kind: ChannelKind, logger: Logger) {
    this.kind = kind;
    this.logger = logger;
  }

  async send(page: Page): Promise<SendResult> {
    const to = this.address(page.recipient);
    this.logger.warn(
      {
        notificationId: page.notificationId,
        incidentId: page.incident.id,
        class: page.incident.class,
        level: page.incident.level,
        drill: page.incident.drill,
        phase: page.phase,
        tier: page.tier,
        role: page.role,
        person: page.recipient.id,
        channel: this.kind,
        to: to === undefined ? undefined : redactText(to),
      },
      'page not sent (channel not configured)',
    );
    return { status: 'logged' };
  }

  /** A message about no incident (a shift handover), recorded with its words. */
  async notice(notice: Notice): Promise<SendResult> {
    const to = this.address(notice.recipient);
    this.logger.warn({ noticeId: notice.id, person: notice.recipient.id, channel: this.kind, to: to === undefined ? undefined : redactText(to), text: notice.text }, 'notice not sent (channel not configured)');
    return { status: 'logged' };
  }

  private address(r: Recipient): string | undefined {
    return this.kind === 'email' ? r.email : r.phone;
  }
}
