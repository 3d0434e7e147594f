import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../test/support/log-capture.js';
import { makeIncident, makePage } from '../../test/support/page-fixture.js';
import { LogChannel } from './log-channel.js';

describe('LogChannel (log mode)', () => {
  it.each(['sms', 'voice', 'email'] as const)('%s: records the page as logged and says it was not sent, redacted', async (kind) => {
    const { logger, lines } = captureLogger();
    const ch = new LogChannel(kind, logger);
    expect(ch.kind).toBe(kind);
    expect(ch.live).toBe(false);
    const page = makePage({ channel: kind, incident: makeIncident({ drill: true }) });
    await expect(ch.send(page)).resolves.toEqual({ status: 'logged' });
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? {};
    expect(line).toMatchObject({ msg: 'page not sent (channel not configured)', notificationId: page.notificationId, incidentId: page.incident.id, channel: kind, person: 'omar_haddad', drill: true });
    const raw = JSON.stringify(line);
    expect(raw).not.toContain('+15555550103');
    expect(raw).not.toContain('omar.haddad');
    // the domain too (one's own domain can name its owner): only the top-level domain is left
    expect(raw).not.toContain('example.com');
    expect(line.to).toBe(kind === 'email' ? '***@***.com' : '***03');
  });
});
