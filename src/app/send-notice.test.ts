import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TocsinError } from '../domain/errors.js';
import type { ChannelKind } from '../domain/incident.js';
import type { Channel, Notice, Recipient } from '../domain/ports.js';
import { createMetrics } from '../telemetry/metrics.js';
import { sendNotice } from './send-notice.js';

function channel(kind: ChannelKind, log: string[], fail = false): Channel {
  return {
    kind,
    live: true,
    send: async () => ({ status: 'sent' }),
    notice: async (n: Notice) => {
      log.push(`${kind}:${n.recipient.id}`);
      if (fail) throw new TocsinError('TOCSIN_ERR_CHANNEL_TEMPORARY', 'provider busy');
      return { status: 'sent', providerId: `${kind}-1` };
    },
  };
}

const person = (r: Partial<Recipient>): Recipient => ({ id: 'p', name: 'P', locale: 'en', timezone: 'UTC', phone: '+15555550100', email: 'p@example.com', ...r });
const notice = (recipient: Recipient): Notice => ({ id: 'n1', recipient, subject: 's', text: 't', sms: 't' });

function setup(failing: ChannelKind[] = [], roleChannels: ChannelKind[] = ['voice', 'sms']) {
  const log: string[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const deps = {
    channels: { sms: channel('sms', log, failing.includes('sms')), voice: channel('voice', log), email: channel('email', log, failing.includes('email')) },
    channelsFor: () => roleChannels,
    metrics,
    logger: pino({ level: 'silent' }),
  };
  return { deps, log, metrics };
}

describe('sendNotice', () => {
  it("goes by the person's first text channel, never a call", async () => {
    const { deps, log } = setup();
    expect(await sendNotice(deps, notice(person({ channels: ['voice', 'email', 'sms'] })), 'r')).toEqual({ channel: 'email', status: 'sent' });
    expect(log).toEqual(['email:p']);
  });

  it("falls back to the role's channels, then to any text channel that reaches the person", async () => {
    const a = setup();
    expect(await sendNotice(a.deps, notice(person({})), 'r')).toEqual({ channel: 'sms', status: 'sent' });
    const b = setup([], ['voice']);
    expect(await sendNotice(b.deps, notice(person({ phone: undefined })), 'r')).toEqual({ channel: 'email', status: 'sent' });
  });

  it('a failing channel is counted and the next one tried; when all fail, nothing is claimed sent', async () => {
    const { deps, log, metrics } = setup(['sms']);
    expect(await sendNotice(deps, notice(person({ channels: ['sms'] })), 'r')).toEqual({ channel: 'email', status: 'sent' });
    expect(log).toEqual(['sms:p', 'email:p']);
    const all = setup(['sms', 'email']);
    expect(await sendNotice(all.deps, notice(person({})), 'r')).toBeUndefined();
    const text = await all.metrics.registry.metrics();
    expect(text).toContain('tocsin_handover_notices_total{channel="sms",result="failed"} 1');
    expect(text).toContain('tocsin_handover_notices_total{channel="none",result="failed"} 1');
    expect(await metrics.registry.metrics()).toContain('tocsin_handover_notices_total{channel="email",result="sent"} 1');
  });

  it("counts the notice toward the person's throttles before each channel is asked, and takes it back where the channel failed; a store that fails does not fail the notice", async () => {
    const { deps, log } = setup(['sms']);
    let asked = log;
    const events: string[] = [];
    const history = new Set<string>();
    const count = async (person: string, channel: ChannelKind, id: string) => {
      events.push(`count ${person}:${channel}:${id} (${asked.length} asked)`);
      const key = `${person}:${channel}:${id}`;
      return !history.has(key) && Boolean(history.add(key));
    };
    const uncount = async (person: string, channel: ChannelKind, id: string) => {
      events.push(`uncount ${person}:${channel}:${id}`);
      history.delete(`${person}:${channel}:${id}`);
    };
    expect(await sendNotice({ ...deps, count, uncount }, notice(person({ channels: ['sms'] })), 'r')).toEqual({ channel: 'email', status: 'sent' });
    // counted before the provider was asked; the failed SMS's count taken back before the e-mail
    expect(events).toEqual(['count p:sms:n1 (0 asked)', 'uncount p:sms:n1', 'count p:email:n1 (1 asked)']);
    expect([...history]).toEqual(['p:email:n1']);

    // a notice that reached nobody counts nowhere
    history.clear();
    const none = setup(['sms', 'email']);
    expect(await sendNotice({ ...none.deps, count, uncount }, notice(person({})), 'r')).toBeUndefined();
    expect([...history]).toEqual([]);

    // counted already (a send of it that went, its claim then lost): a failing channel leaves that count be
    history.add('p:sms:n1');
    events.length = 0;
    const again = setup(['sms']);
    asked = again.log;
    expect(await sendNotice({ ...again.deps, count, uncount }, notice(person({})), 'r')).toEqual({ channel: 'email', status: 'sent' });
    expect(events).toEqual(['count p:sms:n1 (0 asked)', 'count p:email:n1 (1 asked)']);
    expect([...history].sort()).toEqual(['p:email:n1', 'p:sms:n1']);

    const broken = async (): Promise<never> => {
      throw new Error('redis down');
    };
    expect(await sendNotice({ ...setup().deps, count: broken, uncount: broken }, notice(person({})), 'r')).toEqual({ channel: 'sms', status: 'sent' });
    expect(await sendNotice({ ...setup(['sms']).deps, count: async () => true, uncount: broken }, notice(person({})), 'r')).toEqual({ channel: 'email', status: 'sent' });
  });

  it('renews its claim right before each channel is asked: once lost (or not renewable), no channel is asked any more, and nothing counts as failed', async () => {
    const { deps, log, metrics } = setup(['sms']);
    const renewals: string[] = [];
    let held = true;
    const claim = async () => {
      renewals.push(`renew (${log.length} asked)`);
      const still = held;
      held = false; // taken over by another replica while the SMS was failing
      return still;
    };
    const counted: string[] = [];
    const count = async (_p: string, channel: ChannelKind) => Boolean(counted.push(channel));
    expect(await sendNotice({ ...deps, count }, notice(person({ channels: ['sms'] })), 'r', claim)).toBe('lost');
    expect(renewals).toEqual(['renew (0 asked)', 'renew (1 asked)']);
    expect(log).toEqual(['sms:p']);
    expect(counted).toEqual(['sms']);
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('channel="none"');
    expect(text).not.toContain('channel="email"');

    // a claim that cannot be renewed (Redis down): nothing goes
    const down = setup();
    const broken = async (): Promise<boolean> => {
      throw new Error('redis down');
    };
    expect(await sendNotice(down.deps, notice(person({})), 'r', broken)).toBe('lost');
    expect(down.log).toEqual([]);

    // renewed each time: as before
    const ok = setup(['sms']);
    expect(await sendNotice(ok.deps, notice(person({})), 'r', async () => true)).toEqual({ channel: 'email', status: 'sent' });
    expect(ok.log).toEqual(['sms:p', 'email:p']);
  });

  it('a person with neither phone nor e-mail gets nothing, and it is counted', async () => {
    const { deps, log } = setup();
    expect(await sendNotice(deps, notice(person({ phone: undefined, email: undefined })), 'r')).toBeUndefined();
    expect(log).toEqual([]);
  });
});
