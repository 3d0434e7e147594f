/** DispatchNotification against real Redis with channel doubles: retries, failover, parallel e-mail, cancel, replay, codes and links. */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionLinks } from '../../src/app/action-links.js';
import { DispatchNotification, type DispatchRequest } from '../../src/app/dispatch-notification.js';
import { TocsinError } from '../../src/domain/errors.js';
import type { ChannelKind, Incident } from '../../src/domain/incident.js';
import type { Channel, Page, Recipient, SendResult } from '../../src/domain/ports.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisNotificationRepository } from '../../src/store/notification-repository.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { startTestApp, type TestApp } from '../support/app.js';

type Outcome = 'ok' | 'temporary' | 'permanent';

class ScriptedChannel implements Channel {
  readonly live = true;
  readonly pages: Page[] = [];
  constructor(
    readonly kind: ChannelKind,
    private readonly script: Outcome[] = [],
  ) {}
  async send(page: Page): Promise<SendResult> {
    this.pages.push(page);
    const next = this.script.shift() ?? 'ok';
    if (next === 'temporary') throw new TocsinError('TOCSIN_ERR_CHANNEL_TEMPORARY', 'provider busy', { details: { providerCode: 20429 } });
    if (next === 'permanent') throw new TocsinError('TOCSIN_ERR_CHANNEL_PERMANENT', 'not a mobile number', { details: { providerCode: 21614 } });
    return { status: 'sent', providerId: `${this.kind}-${this.pages.length}` };
  }
}

const grace: Recipient = { id: 'grace_okafor', name: 'Grace Okafor', phone: '+15555550105', email: 'grace.okafor@example.com', locale: 'en', timezone: 'Asia/Shanghai', channels: ['voice', 'sms'] };
const links = new ActionLinks('test-secret', 'https://tocsin.example', 60_000);

let app: TestApp;
let incident: Incident;
let slept: number[];

beforeEach(async () => {
  app = await startTestApp();
  const r = await app.request('POST', '/api/incidents', { class: 'app_network_acd', site: 'hq', summary: 'ACD down' });
  incident = (await app.request('GET', `/api/incidents/${r.body.id}`)).body as Incident;
  slept = [];
});
afterEach(async () => {
  await app.stop();
});

function dispatcher(channels: Partial<Record<ChannelKind, Channel>>, o: { sleep?: (ms: number) => Promise<void>; metrics?: ReturnType<typeof createMetrics>; emailFromLevel?: number; owner?: string } = {}): DispatchNotification {
  return new DispatchNotification({
    channels,
    channelsFor: () => ['voice', 'sms', 'email'],
    emailFromLevel: o.emailFromLevel ?? 4,
    retry: { attempts: 3, backoff: [2_000, 10_000] },
    leaseMs: 30_000,
    codeTtlMs: 60_000,
    links,
    now: () => app.clock.now(),
    sleep:
      o.sleep ??
      (async (ms) => {
        slept.push(ms);
      }),
    storeRetry: () => 0,
    metrics: o.metrics ?? createMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    owner: o.owner ?? 'test-owner',
  });
}

function request(o: Partial<DispatchRequest> = {}): DispatchRequest {
  return {
    incident,
    recipient: grace,
    role: 'supervisor',
    step: { key: 't1', tier: 1, phase: 'escalation', condition: 'unacknowledged', at: app.clock.now(), note: 'The shift lead has not reported within 5 minutes.' },
    advice: 'Agents fall back to paper records.',
    stillWanted: async () => true,
    notifications: new RedisNotificationRepository(app.container.redis, makeKeys(app.prefix, 'live')),
    incidents: app.container.stores.live,
    ...o,
  };
}

async function shown(): Promise<any> {
  return (await app.request('GET', `/api/incidents/${incident.id}`)).body;
}

describe('DispatchNotification', () => {
  it('retries a temporary failure with the configured backoff, each attempt on the record and the timeline', async () => {
    const voice = new ScriptedChannel('voice', ['temporary', 'temporary', 'ok']);
    expect(await dispatcher({ voice, sms: new ScriptedChannel('sms') }).dispatch(request())).toBe('sent');
    expect(voice.pages).toHaveLength(3);
    expect(slept).toEqual([2_000, 10_000]);
    // the step looked at again at once: its attempts are on record, none is waited for again
    slept = [];
    expect(await dispatcher({ voice, sms: new ScriptedChannel('sms') }).dispatch(request({ incident: await shown() }))).toBe('sent');
    expect(slept).toEqual([]);
    expect(voice.pages).toHaveLength(3);
    const inc = await shown();
    const mine = (inc.notifications as any[]).filter((n) => n.tier === 1);
    expect(mine.map((n) => [n.channel, n.attempt, n.status])).toEqual([
      ['voice', 1, 'failed'],
      ['voice', 2, 'failed'],
      ['voice', 3, 'sent'],
    ]);
    expect(new Set(voice.pages.map((p) => p.notificationId)).size).toBe(3);
    expect((inc.timeline as any[]).filter((e) => e.type === 'notification_failed' && e.providerCode === 20429)).toHaveLength(2);
  });

  it('run again, a page waits no backoff for attempts made before, and only what is left of it before its next one', async () => {
    /** Counts of retried attempts in a metrics registry. */
    const retried = async (m: ReturnType<typeof createMetrics>) => (await m.notifications.get()).values.filter((v) => v.labels.result === 'retried').reduce((a, v) => a + v.value, 0);
    // the first run: two calls fail, and its process dies 4 s into the 10 s wait before the third
    const first = createMetrics({ defaultMetrics: false });
    const busy = new ScriptedChannel('voice', ['temporary', 'temporary']);
    const dying = async (ms: number) => {
      slept.push(ms);
      if (slept.length === 1) app.clock.advance(ms);
      else {
        app.clock.advance(4_000);
        throw new Error('process died');
      }
    };
    await expect(dispatcher({ voice: busy, sms: new ScriptedChannel('sms') }, { sleep: dying, metrics: first }).dispatch(request())).rejects.toThrow('process died');
    expect(slept).toEqual([2_000, 10_000]);
    expect(await retried(first)).toBe(1); // the second call; the third was never made

    // run again at once (another replica): the third call waits the 6 s left, not 2 s + 10 s again
    slept = [];
    const again = createMetrics({ defaultMetrics: false });
    const voice = new ScriptedChannel('voice', ['temporary']);
    const advancing = async (ms: number) => {
      slept.push(ms);
      app.clock.advance(ms);
    };
    expect(await dispatcher({ voice, sms: new ScriptedChannel('sms') }, { sleep: advancing, metrics: again }).dispatch(request())).toBe('sent');
    expect(slept).toEqual([6_000]);
    // the third call failed too: the SMS goes at once, the calls before are not retried again
    expect(voice.pages.map((p) => p.notificationId.split(':').slice(-2).join(':'))).toEqual(['voice:3']);
    expect(await retried(again)).toBe(1);

    // run again long after: nothing to wait, nothing sent twice, no retry counted
    slept = [];
    app.clock.advance(10 * 60_000);
    const late = createMetrics({ defaultMetrics: false });
    const sms = new ScriptedChannel('sms');
    expect(await dispatcher({ voice: new ScriptedChannel('voice'), sms }, { sleep: advancing, metrics: late }).dispatch(request())).toBe('sent');
    expect(slept).toEqual([]);
    expect(sms.pages).toHaveLength(0);
    expect(await retried(late)).toBe(0);
  });

  it('fails over to the next channel on a permanent failure, and after retries are used up', async () => {
    const voice = new ScriptedChannel('voice', ['permanent']);
    const sms = new ScriptedChannel('sms', ['temporary', 'temporary', 'temporary']);
    const email = new ScriptedChannel('email');
    expect(await dispatcher({ voice, sms, email }).dispatch(request({ recipient: { ...grace, channels: undefined } }))).toBe('sent');
    expect([voice.pages.length, sms.pages.length, email.pages.length]).toEqual([1, 3, 1]);
    const statuses = ((await shown()).notifications as any[]).filter((n) => n.tier === 1).map((n) => `${n.channel}:${n.attempt}:${n.status}`);
    expect(statuses.sort()).toEqual(['email:1:sent', 'sms:1:failed', 'sms:2:failed', 'sms:3:failed', 'voice:1:failed']);
  });

  it('a page reported not delivered after it went is not sent again when its step is dispatched again (the follow-ups carry it on)', async () => {
    // how delivery callbacks leave a record: an SMS undelivered (30003: worth another try; 30005: not), a call nobody answered
    const reports: { first: 'sms' | 'voice'; patch: Record<string, string> }[] = [
      { first: 'sms', patch: { deliveryFailure: 'undelivered', failure: 'temporary', providerStatus: 'undelivered' } },
      { first: 'sms', patch: { deliveryFailure: 'undelivered', failure: 'permanent', providerStatus: 'undelivered' } },
      { first: 'voice', patch: { deliveryFailure: 'no_answer', providerStatus: 'no-answer' } },
    ];
    for (const [i, { first, patch }] of reports.entries()) {
      const voice = new ScriptedChannel('voice');
      const sms = new ScriptedChannel('sms');
      const recipient: Recipient = { ...grace, channels: first === 'voice' ? ['voice', 'sms'] : ['sms', 'voice'] };
      const step = { key: `t${i + 1}`, tier: i + 1, phase: 'escalation' as const, condition: 'unacknowledged' as const, at: app.clock.now() };
      expect(await dispatcher({ voice, sms }).dispatch(request({ recipient, step }))).toBe('sent');
      const id = `${incident.id}:${step.key}:grace_okafor:${first}:1`;
      expect(await app.container.engine.updateNotification(incident.id, id, { status: 'failed', settled: true, ...patch })).toBe(true);
      // the step looked at again (another page of its tier still waits), by this process and by another
      for (const d of [dispatcher({ voice, sms }), dispatcher({ voice, sms }, { owner: 'other-replica' })]) {
        expect(await d.dispatch(request({ incident: await shown(), recipient, step }))).toBe('sent');
      }
      expect([voice.pages.length, sms.pages.length]).toEqual(first === 'voice' ? [1, 0] : [0, 1]);
      const mine = ((await shown()).notifications as any[]).filter((n) => n.tier === step.tier).map((n) => `${n.channel}:${n.attempt}:${n.status}`);
      expect(mine).toEqual([`${first}:1:failed`]);
    }
    expect(slept).toEqual([]);
  });

  it('sends e-mail in parallel for level 4 and above', async () => {
    const voice = new ScriptedChannel('voice');
    const email = new ScriptedChannel('email');
    await dispatcher({ voice, email, sms: new ScriptedChannel('sms') }).dispatch(request({ incident: { ...incident, level: 4 } }));
    expect(voice.pages).toHaveLength(1);
    expect(email.pages).toHaveLength(1);
    const low = new ScriptedChannel('email');
    await dispatcher({ voice: new ScriptedChannel('voice'), email: low }).dispatch(request({ step: { key: 't2', tier: 2, phase: 'escalation', condition: 'unresolved', at: 0 } }));
    expect(low.pages).toHaveLength(0);
  });

  it('the level of the parallel e-mail is escalation.emailFromLevel (0: never), and a step naming its channels gets only those', async () => {
    const sent = async (level: number, emailFromLevel: number, channels?: ChannelKind[]) => {
      const voice = new ScriptedChannel('voice');
      const email = new ScriptedChannel('email');
      const step = { key: `t${level}${emailFromLevel}${channels ? 'c' : ''}`, tier: 1, phase: 'escalation' as const, condition: 'unacknowledged' as const, at: 0, channels };
      await dispatcher({ voice, email, sms: new ScriptedChannel('sms') }, { emailFromLevel }).dispatch(request({ incident: { ...incident, level: level as Incident['level'] }, step }));
      return [voice.pages.length, email.pages.length];
    };
    expect(await sent(4, 5)).toEqual([1, 0]);
    expect(await sent(5, 5)).toEqual([1, 1]);
    expect(await sent(5, 0)).toEqual([1, 0]);
    expect(await sent(2, 2)).toEqual([1, 1]);
    // the playbook's "by phone": a tier with channels [voice] is a call, at level 4 and 5 too
    expect(await sent(5, 4, ['voice'])).toEqual([1, 0]);
  });

  it('cancels a page whose condition no longer holds right before sending', async () => {
    const voice = new ScriptedChannel('voice');
    expect(await dispatcher({ voice }).dispatch(request({ stillWanted: async () => false }))).toBe('cancelled');
    expect(voice.pages).toHaveLength(0);
    const inc = await shown();
    expect((inc.notifications as any[]).find((n) => n.tier === 1)).toMatchObject({ status: 'cancelled', reason: 'no longer unacknowledged' });
    expect((inc.timeline as any[]).some((e) => e.type === 'notification_cancelled')).toBe(true);
  });

  it('never sends the same notification twice, however often it is dispatched', async () => {
    const voice = new ScriptedChannel('voice');
    const d = dispatcher({ voice });
    const out = await Promise.all([d.dispatch(request()), d.dispatch(request()), dispatcher({ voice }).dispatch(request())]);
    expect(voice.pages).toHaveLength(1);
    expect(out.filter((o) => o === 'sent').length + out.filter((o) => o === 'held').length).toBe(3);
    expect(await d.dispatch(request())).toBe('sent');
    expect(voice.pages).toHaveLength(1);
  });

  it('gives each page a reply code that maps back, and signed acknowledge / resolve links', async () => {
    const sms = new ScriptedChannel('sms');
    await dispatcher({ sms }).dispatch(request({ recipient: { ...grace, channels: ['sms'] } }));
    const page = sms.pages[0] as Page;
    expect(page.code).toMatch(/^[2-9B-Z]{4}$/);
    expect(page.note).toMatch(/5 minutes/);
    expect(page.advice).toMatch(/paper/);
    expect(page.incident.drill).toBe(false);
    const ref = await app.container.engine.lookupCode(page.code.toLowerCase());
    expect(ref).toEqual({ incidentId: incident.id, notificationId: page.notificationId, person: 'grace_okafor' });
    expect(((await shown()).notifications as any[]).find((n) => n.tier === 1)?.code).toBe(page.code);
    const token = page.links.ack.replace('https://tocsin.example/ack/', '');
    expect(links.verify(token, app.clock.now(), 'ack')).toMatchObject({ incidentId: incident.id, person: 'grace_okafor', action: 'ack' });
    expect(links.verify(token, app.clock.now(), 'resolve')).toBeUndefined();
    expect(links.verify(token, app.clock.now() + 60_000)).toBeUndefined();
    const i = token.length - 5; // a character of the signature, changed for another
    expect(links.verify(`${token.slice(0, i)}${token.charAt(i) === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`, app.clock.now())).toBeUndefined();
    expect(page.links.resolve).toMatch(/^https:\/\/tocsin\.example\/resolve\//);
  });
});
