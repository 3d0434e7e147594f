/** Shift-handover notices with the shipped roster and messages, real Redis for overrides and the once-only claims (taken, renewed before each provider call, settled). */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RosterOnCall } from '../../src/app/roster-on-call.js';
import { sendNotice } from '../../src/app/send-notice.js';
import { loadConfig } from '../../src/config/load-config.js';
import { renderHandover } from '../../src/channels/render/render-handover.js';
import { loadMessages } from '../../src/config/messages-schema.js';
import { TocsinError } from '../../src/domain/errors.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Channel, Notice } from '../../src/domain/ports.js';
import { createHandoverNotices } from '../../src/jobs/handover.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeKeys } from '../../src/store/keys.js';
import { RedisOnceMarker } from '../../src/store/once-marker.js';
import { RedisOverrideRepository } from '../../src/store/override-repository.js';
import { registerScripts } from '../../src/store/scripts.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../support/redis.js';

const config = loadConfig('config');
const messages = loadMessages('config');
const t = (s: string) => Date.parse(s);

describe('shift handover notices', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    prefix = randomPrefix();
    redis = new Redis(TEST_REDIS_URL);
    registerScripts(redis);
  });
  afterEach(async () => {
    redis.disconnect();
    await deleteByPrefix(prefix);
  });

  function replica(
    metrics = createMetrics({ defaultMetrics: false }),
    held: () => Promise<readonly Incident[]> = async () => [],
    takes: (to: string) => boolean = () => true,
    leaseMs = 30_000,
    clock = new ManualClock(),
  ) {
    const keys = makeKeys(prefix, 'live');
    const overrides = new RedisOverrideRepository(redis, keys);
    const sent: { to: string; role: string; text: string; id: string }[] = [];
    const notices = createHandoverNotices({
      roster: config.roster,
      oncall: new RosterOnCall(config.roster, overrides),
      overrides,
      clock,
      logger: pino({ level: 'silent' }),
      metrics,
      roleNames: { shift_lead: 'Duty team lead', supervisor: 'Call-centre supervisor' },
      claims: { store: new RedisOnceMarker(redis, keys, 'handover'), leaseMs },
      held: async (role) => (role === 'shift_lead' ? held() : []),
      deliver: async (facts, role, id) => {
        if (!takes(facts.recipient.id)) return false; // no channel took it
        sent.push({ to: facts.recipient.id, role, text: renderHandover(messages, facts, config.roster.handover.list).text, id });
        return true;
      },
    });
    return { notices, sent, overrides, metrics, clock };
  }

  it('15 minutes before 20:00 in Shanghai the night lead is told she takes over, and the day lead who to hand to', async () => {
    const { notices, sent } = replica();
    expect(await notices.tick(t('2026-11-23T11:44:00Z'))).toBe(0); // 19:44: too early
    expect(await notices.tick(t('2026-11-23T11:45:00Z'))).toBe(2); // 19:45
    const at = '2026-11-23T12:00:00.000Z';
    expect(sent).toEqual([
      { to: 'ana_costa', role: 'shift_lead', text: 'HANDOVER: you hold Duty team lead from Mon 23 Nov, 20:00, taking over from Lin Wei.', id: `handover:shift_lead:${at}:ana_costa` },
      // Lin Wei reads Chinese (roster locale), the role's name translated through messages.yaml phrases
      { to: 'lin_wei', role: 'shift_lead', text: '交接：值班组长将于11月23日周一 20:00由您交给Ana Costa。', id: `handover:shift_lead:${at}:lin_wei` },
    ]);
    expect(await notices.tick(t('2026-11-23T11:50:00Z'))).toBe(0); // once only
  });

  it('two replicas send each notice once between them', async () => {
    const a = replica();
    const b = replica();
    const at = t('2026-11-23T11:46:00Z');
    const counts = await Promise.all([a.notices.tick(at), b.notices.tick(at)]);
    expect(counts[0] + counts[1]).toBe(2);
    expect([...a.sent, ...b.sent].map((m) => m.to).sort()).toEqual(['ana_costa', 'lin_wei']);
    expect(await Promise.all([a.notices.tick(at + 60_000), b.notices.tick(at + 60_000)])).toEqual([0, 0]);
  });

  it('the incoming lead is told which incidents the role was paged for are still open; the outgoing is not', async () => {
    const open = [{ id: 'i1', class: 'app_network_acd', site: 'hq' }, { id: 'i2', class: 'power', site: 'branch' }] as unknown as Incident[];
    const { notices, sent } = replica(undefined, async () => open);
    await notices.tick(t('2026-11-23T11:50:00Z'));
    expect(sent.map((m) => m.text)).toEqual([
      'HANDOVER: you hold Duty team lead from Mon 23 Nov, 20:00, taking over from Lin Wei. Still open: Application, network or ACD outage (hq); Power failure (branch).',
      '交接：值班组长将于11月23日周一 20:00由您交给Ana Costa。',
    ]);
  });

  it('overrides count: the person covering the night is the one told', async () => {
    const { notices, sent, overrides } = replica();
    await overrides.put(
      { id: 'o1', role: 'shift_lead', person: 'sara_lund', from: '2026-11-23T12:00:00Z', until: '2026-11-23T16:00:00Z', createdAt: '2026-11-23T09:00:00Z' },
      t('2026-11-23T11:00:00Z'),
    );
    await notices.tick(t('2026-11-23T11:50:00Z'));
    expect(sent.map((m) => m.to)).toEqual(['sara_lund', 'lin_wei']);
    expect(sent[1]?.text).toContain('交给Sara Lund');
  });

  it('when the open incidents cannot be read nothing is claimed, and the next check sends the notices', async () => {
    let fail = true;
    const { notices, sent } = replica(undefined, async () => {
      if (fail) throw new Error('store down');
      return [];
    });
    expect(await notices.tick(t('2026-11-23T11:45:00Z'))).toBe(0);
    expect(sent).toEqual([]);
    fail = false;
    expect(await notices.tick(t('2026-11-23T11:45:30Z'))).toBe(2);
    expect(sent.map((m) => m.to)).toEqual(['ana_costa', 'lin_wei']);
  });

  it('someone who takes the night over by an override made during the window is told too, once', async () => {
    const { notices, sent, overrides } = replica();
    expect(await notices.tick(t('2026-11-23T11:45:00Z'))).toBe(2); // Ana Costa and Lin Wei
    await overrides.put(
      { id: 'o2', role: 'shift_lead', person: 'sara_lund', from: '2026-11-23T12:00:00Z', until: '2026-11-23T16:00:00Z', createdAt: '2026-11-23T11:50:00Z' },
      t('2026-11-23T11:50:00Z'),
    );
    expect(await notices.tick(t('2026-11-23T11:50:30Z'))).toBe(1);
    expect(await notices.tick(t('2026-11-23T11:51:00Z'))).toBe(0);
    expect(sent.map((m) => m.to)).toEqual(['ana_costa', 'lin_wei', 'sara_lund']);
    // Sara Lund gives no time zone in the roster: hers is the centre's (daemon.yaml timezone)
    expect(sent[2]?.text).toBe('HANDOVER: you hold Duty team lead from Mon 23 Nov, 20:00, taking over from Lin Wei.');
  });

  describe('an override that takes hold as it is made', () => {
    // 18:00 in Shanghai: Lin Wei leads the day shift until 20:00; Sara Lund covers from now on
    const made = t('2026-11-23T10:00:00Z');
    const atOnce = { id: 'o3', role: 'shift_lead', person: 'sara_lund', until: '2026-11-23T14:00:00Z', createdAt: '2026-11-23T10:00:00.000Z' };
    const told = [
      'HANDOVER: you hold Duty team lead from Mon 23 Nov, 18:00, taking over from Lin Wei.',
      '交接：值班组长将于11月23日周一 18:00由您交给Sara Lund。',
    ];

    it('tells both sides at the next check, once: the start is when it was made', async () => {
      const { notices, sent, overrides } = replica();
      await overrides.put({ ...atOnce, from: atOnce.createdAt }, made);
      expect(await notices.tick(made + 10_000)).toBe(2);
      expect(sent.map((m) => [m.to, m.text, m.id])).toEqual([
        ['sara_lund', told[0], 'handover:shift_lead:2026-11-23T10:00:00.000Z:sara_lund'],
        ['lin_wei', told[1], 'handover:shift_lead:2026-11-23T10:00:00.000Z:lin_wei'],
      ]);
      expect(await notices.tick(made + 40_000)).toBe(0);
    });

    it('a `from` already past changes nothing before it was made: the one it relieves is told', async () => {
      const { notices, sent, overrides } = replica();
      await overrides.put({ ...atOnce, from: '2026-11-23T09:00:00Z' }, made);
      expect(await notices.tick(made + 10_000)).toBe(2);
      expect(sent.map((m) => m.text)).toEqual(told);
    });

    it('two replicas tell each side once between them', async () => {
      const a = replica();
      const b = replica();
      await a.overrides.put({ ...atOnce, from: atOnce.createdAt }, made);
      const counts = await Promise.all([a.notices.tick(made + 1_000), b.notices.tick(made + 1_000)]);
      expect(counts[0] + counts[1]).toBe(2);
      expect([...a.sent, ...b.sent].map((m) => m.to).sort()).toEqual(['lin_wei', 'sara_lund']);
      expect(await Promise.all([a.notices.tick(made + 30_000), b.notices.tick(made + 31_000)])).toEqual([0, 0]);
    });

    it('kick: a check at once, not at the next one', async () => {
      const { notices, sent, overrides } = replica(undefined, undefined, undefined, undefined, new ManualClock(made));
      await overrides.put({ ...atOnce, from: atOnce.createdAt }, made);
      notices.kick();
      notices.kick(); // while one runs: one more after it, which finds nothing left to tell
      await notices.idle();
      expect(sent.map((m) => m.to)).toEqual(['sara_lund', 'lin_wei']);
    });

    it('is told for `before` after it was made at most (a notice no channel took is tried until then)', async () => {
      let up = false;
      const { notices, sent, overrides } = replica(undefined, undefined, (to) => to !== 'lin_wei' || up);
      await overrides.put({ ...atOnce, from: atOnce.createdAt }, made);
      expect(await notices.tick(made + 10_000)).toBe(1);
      up = true;
      expect(await notices.tick(made + 14 * 60_000)).toBe(1);
      const late = replica();
      await late.overrides.put({ ...atOnce, id: 'o4', person: 'tom_baker', from: '2026-11-23T10:00:00Z', createdAt: '2026-11-23T10:00:00Z' }, made);
      expect(await late.notices.tick(made + 15 * 60_000)).toBe(0);
      expect(sent.map((m) => m.to)).toEqual(['sara_lund', 'lin_wei']);
    });
  });

  it('a notice no channel took is tried again at the next check, and sent once', async () => {
    let up = false;
    const { notices, sent } = replica(undefined, undefined, (to) => to !== 'lin_wei' || up);
    expect(await notices.tick(t('2026-11-23T11:45:00Z'))).toBe(1); // Ana Costa; SMS and e-mail both refused Lin Wei
    expect(await notices.tick(t('2026-11-23T11:45:30Z'))).toBe(0);
    up = true;
    expect(await notices.tick(t('2026-11-23T11:46:00Z'))).toBe(1);
    expect(await notices.tick(t('2026-11-23T11:46:30Z'))).toBe(0);
    expect(sent.map((m) => m.to)).toEqual(['ana_costa', 'lin_wei']);
  });

  it('a replica that died holding a claim keeps it only for the lease: then the next check sends the notice', async () => {
    const keys = makeKeys(prefix, 'live');
    const dead = new RedisOnceMarker(redis, keys, 'handover');
    // the dying replica took Lin Wei's notice and never settled it
    expect(await dead.take(`shift_lead:${t('2026-11-23T12:00:00Z')}:lin_wei`, 1_500)).toBeTypeOf('string');
    const { notices, sent } = replica(undefined, undefined, undefined, 1_500);
    expect(await notices.tick(t('2026-11-23T11:45:00Z'))).toBe(1);
    expect(sent.map((m) => m.to)).toEqual(['ana_costa']);
    await new Promise((r) => setTimeout(r, 1_700));
    expect(await notices.tick(t('2026-11-23T11:45:30Z'))).toBe(1);
    expect(sent.map((m) => m.to)).toEqual(['ana_costa', 'lin_wei']);
    // settled: long after the lease it stays sent
    await new Promise((r) => setTimeout(r, 1_700));
    expect(await notices.tick(t('2026-11-23T11:46:00Z'))).toBe(0);
  });

  it('a late settle does not free a claim someone else took after the lease ran out', async () => {
    const a = new RedisOnceMarker(redis, makeKeys(prefix, 'live'), 'handover');
    const mine = await a.take('k', 50);
    await new Promise((r) => setTimeout(r, 80));
    const theirs = await a.take('k', 30_000);
    expect(mine).toBeTypeOf('string');
    expect(theirs).toBeTypeOf('string');
    await a.release('k', mine ?? '');
    expect(await a.taken('k')).toBe(true);
    await a.release('k', theirs ?? '');
    expect(await a.taken('k')).toBe(false);
  });

  /**
   * A replica whose notices go through sendNotice (renewing the claim before each provider call), to
   * text channels scripted per person: `sms`/`email` run in place of the provider's answer.
   */
  function sendingReplica(leaseMs: number, script: { sms?: (to: string) => Promise<void>; email?: (to: string) => Promise<void> }) {
    const keys = makeKeys(prefix, 'live');
    const overrides = new RedisOverrideRepository(redis, keys);
    const got: string[] = [];
    const text = (kind: 'sms' | 'email'): Channel => ({
      kind,
      live: true,
      send: async () => ({ status: 'sent' }),
      notice: async (n: Notice) => {
        await script[kind]?.(n.recipient.id);
        got.push(`${kind}:${n.recipient.id}`);
        return { status: 'sent' };
      },
    });
    const deps = { channels: { sms: text('sms'), email: text('email') }, channelsFor: () => [] as const, metrics: createMetrics({ defaultMetrics: false }), logger: pino({ level: 'silent' }) };
    const notices = createHandoverNotices({
      roster: config.roster,
      oncall: new RosterOnCall(config.roster, overrides),
      overrides,
      clock: new ManualClock(),
      logger: pino({ level: 'silent' }),
      roleNames: { shift_lead: 'Duty team lead' },
      claims: { store: new RedisOnceMarker(redis, keys, 'handover'), leaseMs },
      deliver: async (facts, role, id, claim) => {
        const words = renderHandover(messages, facts, config.roster.handover.list);
        const sent = await sendNotice(deps, { id, recipient: facts.recipient, subject: words.subject, text: words.text, sms: words.sms }, role, claim);
        return sent !== undefined && sent !== 'lost';
      },
    });
    return { notices, got };
  }

  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const failing = (): never => {
    throw new TocsinError('TOCSIN_ERR_CHANNEL_TEMPORARY', 'provider timed out');
  };

  it('a notice whose claim was taken over while its SMS failed slowly is not sent by e-mail too: the replica that took it over sent it', async () => {
    const lease = 1_500;
    let smsTried!: () => void;
    const trying = new Promise<void>((r) => (smsTried = r));
    let giveUp!: () => void;
    const timedOut = new Promise<void>((r) => (giveUp = r));
    // replica A: Lin Wei's SMS hangs until the provider's timeout, then fails (the e-mail would take it)
    const a = sendingReplica(lease, {
      sms: async (to) => {
        if (to !== 'lin_wei') return;
        smsTried();
        await timedOut;
        failing();
      },
    });
    const b = sendingReplica(lease, {});
    const first = a.notices.tick(t('2026-11-23T11:45:00Z'));
    await trying;
    // A's lease runs out while the SMS hangs; B's check takes Lin Wei's notice over and sends it
    await pause(lease + 200);
    expect(await b.notices.tick(t('2026-11-23T11:45:30Z'))).toBe(1);
    giveUp();
    expect(await first).toBe(1); // Ana Costa only
    expect(a.got).toEqual(['sms:ana_costa']);
    expect(b.got).toEqual(['sms:lin_wei']);
  });

  it("a notice's claim starts again right before each provider call: a slow fall-over to e-mail is not taken over by a second replica", async () => {
    const lease = 1_500;
    let mailing!: () => void;
    const onMail = new Promise<void>((r) => (mailing = r));
    let accept!: () => void;
    const accepted = new Promise<void>((r) => (accept = r));
    // replica A: Lin Wei's SMS fails after 1 s of the lease, then the mail server takes its time
    const a = sendingReplica(lease, {
      sms: async (to) => {
        if (to !== 'lin_wei') return;
        await pause(1_000);
        failing();
      },
      email: async (to) => {
        if (to !== 'lin_wei') return;
        mailing();
        await accepted;
      },
    });
    const b = sendingReplica(lease, {});
    const first = a.notices.tick(t('2026-11-23T11:45:00Z'));
    await onMail;
    // past the lease counted from the claim, within the one renewed before the e-mail
    await pause(700);
    expect(await b.notices.tick(t('2026-11-23T11:45:30Z'))).toBe(0);
    accept();
    expect(await first).toBe(2);
    expect(a.got).toEqual(['sms:ana_costa', 'email:lin_wei']);
    expect(b.got).toEqual([]);
  });

  it('keeps the on-call gauges current: people per role, and coverage gaps', async () => {
    const { notices, metrics } = replica();
    await notices.tick(t('2026-11-23T10:00:00Z'));
    const text = await metrics.registry.metrics();
    expect(text).toContain('tocsin_oncall_people{role="shift_lead"} 1');
    expect(text).toContain('tocsin_oncall_coverage_gaps{role="shift_lead"} 0');
  });
});
