import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheckConfig } from '../cli/check-config.js';
import { ConfigError, loadConfig } from './load-config.js';

const dirs: string[] = [];
function copyOfShipped(): string {
  const d = mkdtempSync(join(tmpdir(), 'tocsin-config-'));
  cpSync('config', d, { recursive: true });
  dirs.push(d);
  return d;
}
function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const p = join(dir, file);
  const before = readFileSync(p, 'utf8');
  const after = before.replace(from, to);
  expect(after, `edit of ${file} changed nothing`).not.toBe(before);
  writeFileSync(p, after);
}
function problems(dir: string): string[] {
  try {
    loadConfig(dir);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.file.split('/').pop()}: ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const shippedConfig = () => loadConfig('config');

describe('the shipped config', () => {
  const c = loadConfig('config');

  it('is valid and frozen', () => {
    expect(Object.isFrozen(c.playbooks.classes)).toBe(true);
    expect(() => {
      (c.daemon.incidents as { reopenWindow: number }).reopenWindow = 1;
    }).toThrow();
  });

  it('encodes the ten playbook classes (class 9 is four human-reported classes)', () => {
    expect(Object.keys(c.playbooks.classes).sort()).toEqual(
      ['abnormal_call', 'app_network_acd', 'complaint_escalation', 'hvac', 'inbound_surge', 'machine_room', 'media', 'network_infosys', 'personal_accident', 'power', 'security', 'seat_equipment', 'urgent_work_order'].sort(),
    );
  });

  it('ships the PLAYBOOKS.md timings', () => {
    const acd = c.playbooks.classes.app_network_acd!;
    expect(acd.tiers.map((t) => [t.after / 60_000, t.roles])).toEqual([
      [0, ['shift_lead', 'it_ops']],
      [5, ['supervisor']],
      [10, ['ops_manager', 'center_manager']],
      [60, ['vendor']],
    ]);
    // daytime stoppage 5 / 30 / 120 min → 3 / 4 / 5; expected outage over 30 min / 1 h / 4 h → 3 / 4 / 5 at any hour
    expect(acd.climb.map((s) => [s.after / 60_000, s.level, s.hours])).toEqual([
      [5, 3, 'business'],
      [30, 4, 'business'],
      [120, 5, 'business'],
      [30, 3, 'any'],
      [60, 4, 'any'],
      [240, 5, 'any'],
    ]);
    const surge = c.playbooks.classes.inbound_surge!;
    expect(surge.tiers.map((t) => [t.after / 60_000, t.when, t.roles])).toEqual([
      [0, 'uncontrolled', ['shift_lead', 'supervisor']],
      [30, 'uncontrolled', ['standby_staff']],
      [60, 'uncontrolled', ['functional_staff', 'center_manager']],
    ]);
    const fire = c.playbooks.classes.security!.tiers.filter((t) => t.note?.startsWith('Fire'));
    expect(fire.map((t) => [t.after / 60_000, t.when, t.roles])).toEqual([
      [0, 'unresolved', ['supervisor', 'center_manager']],
      [2, 'unacknowledged', ['director']],
    ]);
    expect(c.sources.ups.generator.chargeBelow).toBe(60);
    expect(c.playbooks.classes.machine_room!.reportDue).toBe(3 * 86_400_000);
    expect(c.severity.levels.map((l) => l.level)).toEqual([1, 2, 3, 4, 5]);
    expect(c.severity.levels[0]!.updateEvery).toBe(30 * 60_000);
    expect(c.severity.levels[1]!.raiseAfter).toBe(30 * 60_000);
    expect(c.severity.levels[4]!.within).toBe(10 * 60_000);
  });

  it('divides waits, not facts, by the clock speed', () => {
    const fast = loadConfig('config', { clockSpeed: 60 });
    expect(fast.playbooks.classes.app_network_acd!.tiers[1]!.after).toBe(5_000);
    expect(fast.sources.ups.critical.generatorStartTime).toBe(c.sources.ups.critical.generatorStartTime);
    // the claim lease detects a dead claimer: real time, longer than a send may take
    expect(fast.daemon.escalation.lease).toBe(30_000);
  });
});

describe('invalid config', () => {
  it("refuses ACD opening and closing windows that leave none of business hours to the agents check", () => {
    const d = copyOfShipped();
    edit(d, 'sources.yaml', /closingWindow: 15m/, 'closingWindow: 12h');
    expect(problems(d)).toEqual([
      'sources.yaml: acd.agentsCollapse: openingWindow (15m) and closingWindow (720m) together cover the whole of business hours (daemon.yaml 08:00–20:00): the agents check would never run',
    ]);
    edit(d, 'sources.yaml', /closingWindow: 12h/, 'closingWindow: 11h');
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /end: "20:00"/, 'end: "08:00"'); // around the clock: no closing, nothing to check
    edit(d, 'sources.yaml', /closingWindow: 11h/, 'closingWindow: 12h');
    expect(problems(d)).toEqual([]);
  });

  it('refuses a bundle window longer than the shortest gap between two tiers of a class whose pages it holds', () => {
    const d = copyOfShipped();
    // the fire plan's director, 2 minutes after the first call, is of a critical class: its pages never
    // wait the bundle window, so a 3-minute window is fine
    edit(d, 'daemon.yaml', /bundleWindow: 2m/, 'bundleWindow: 3m');
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /bundleWindow: 3m/, 'bundleWindow: 5m1s');
    expect(problems(d)).toEqual([
      'daemon.yaml: throttle.bundleWindow: 5m1s is longer than the 5m between tiers 0 and 1 of class app_network_acd (playbooks.yaml classes.app_network_acd.tiers): a page held for the bundle window could reach its person after the next tier is paged',
    ]);
    // with security no longer critical, its 2-minute gap is the one the window must fit
    edit(d, 'daemon.yaml', /criticalClasses: \[security, power\]   #/, 'criticalClasses: [power]   #');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: throttle\.bundleWindow: 5m1s is longer than the 2m between tiers 0 and 1 of class security /)]);
    // tiers due at the same minute are no gap
    edit(d, 'playbooks.yaml', /\{ after: 2m, (when: unacknowledged, match: \{ kind: '\(\?!)/, '{ after: 0, $1');
    edit(d, 'playbooks.yaml', /\{ after: 2m, (when: unresolved, match: \{ kind: '\\s)/, '{ after: 0, $1');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: throttle\.bundleWindow: 5m1s is longer than the 5m between tiers 0 and 1 of class app_network_acd /)]);
    // told in the config's own minutes when the clock runs faster
    edit(d, 'daemon.yaml', /bundleWindow: 5m1s/, 'bundleWindow: 6m');
    expect(() => loadConfig(d, { clockSpeed: 60 })).toThrow(/bundleWindow: 6m is longer than the 5m between/);
  });

  it("refuses a channel's minGap longer than the shortest gap between two tiers of any class: a critical page waits it", () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', /voice: \{ per15m: 3,  perHour: 6,  minGap: 2m \}/, 'voice: { per15m: 3,  perHour: 6,  minGap: 3m }');
    expect(problems(d)).toEqual([
      'daemon.yaml: throttle.perChannel.voice.minGap: 3m is longer than the 2m between tiers 0 and 1 of class security (playbooks.yaml classes.security.tiers): a page held for the voice minGap could reach its person after the next tier is paged',
    ]);
  });

  it('refuses two reminders of a class that would share a key, and two that name one id', () => {
    const d = copyOfShipped();
    // the power playbook's 24 h reminder, its `unless` dropped: the deep one still has its `match`
    edit(d, 'playbooks.yaml', '\n          unless: { discharge: deep }', '');
    expect(problems(d)).toEqual([]);
    edit(d, 'playbooks.yaml', '\n          match: { discharge: deep }', '');
    expect(problems(d)).toEqual(['playbooks.yaml: classes.power.onResolve.reminders.1: same after, roles, match and unless as reminders.0: give each an id']);
    edit(d, 'playbooks.yaml', '          note: Mains is back. Equalise', '          id: float\n          note: Mains is back. Equalise');
    expect(problems(d)).toEqual([]);
    edit(d, 'playbooks.yaml', '          note: Mains is back. This outage', '          id: float\n          note: Mains is back. This outage');
    expect(problems(d)).toEqual(['playbooks.yaml: classes.power.onResolve.reminders.1.id: "float" is reminders.0\'s id too: each reminder needs its own']);
  });

  it('names the file and the path of every problem', () => {
    const d = copyOfShipped();
    edit(d, 'playbooks.yaml', '{ after: 5m, when: unacknowledged, roles: [supervisor]', '{ after: 5 minutes, when: unacknowledged, roles: [superviser]');
    edit(d, 'daemon.yaml', 'reopenWindow: 10m', 'reopenWindow: soon\n  colour: red');
    expect(problems(d)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^playbooks\.yaml: classes\.app_network_acd\.tiers\.1\.after: "5 minutes" is not a duration/),
        expect.stringMatching(/^daemon\.yaml: incidents\.reopenWindow: "soon" is not a duration/),
        expect.stringMatching(/^daemon\.yaml: incidents: Unrecognized key: "colour"/),
      ]),
    );
  });

  it('reads a bare number as seconds, quoted or not, as daemon.yaml says', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', 'reopenWindow: 10m', 'reopenWindow: "600"');
    expect(loadConfig(d).daemon.incidents.reopenWindow).toBe(600_000);
    edit(d, 'daemon.yaml', 'reopenWindow: "600"', 'reopenWindow: 600');
    expect(loadConfig(d).daemon.incidents.reopenWindow).toBe(600_000);
  });

  it('refuses a split-body retry window under a second (a Redis expiry must be positive)', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', 'retryWindow: 1h', 'retryWindow: 0');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: incidents\.retryWindow: must be at least 1s/)]);
  });

  it('refuses a stale firing window over 5m (it would swallow a genuine refire of the same alert); takes 0 (off)', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.incidents.staleFiringWindow).toBe(60_000);
    edit(d, 'daemon.yaml', 'staleFiringWindow: 1m', 'staleFiringWindow: 6m');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: incidents\.staleFiringWindow: must be at most 5m/)]);
    edit(d, 'daemon.yaml', 'staleFiringWindow: 6m', 'staleFiringWindow: 0');
    expect(loadConfig(d).daemon.incidents.staleFiringWindow).toBe(0);
  });

  it("takes an idempotency window from 1s to 30d, or 0 (off); the shipped one is 24h", () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.incidents.idempotencyWindow).toBe(86_400_000);
    edit(d, 'daemon.yaml', 'idempotencyWindow: 24h', 'idempotencyWindow: 31d');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: incidents\.idempotencyWindow: must be at most 30d/)]);
    edit(d, 'daemon.yaml', 'idempotencyWindow: 31d', 'idempotencyWindow: 500ms');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: incidents\.idempotencyWindow: must be at least 1s \(0: off\)/)]);
    edit(d, 'daemon.yaml', 'idempotencyWindow: 500ms', 'idempotencyWindow: 0');
    expect(loadConfig(d).daemon.incidents.idempotencyWindow).toBe(0);
  });

  it('refuses a rotation step under 15 minutes, naming the file and the field (a step of 1ms made on-call lookups hang)', () => {
    const d = copyOfShipped();
    edit(d, 'roster.yaml', 'people: [omar_haddad, zhang_min], every: 7d', 'people: [omar_haddad, zhang_min], every: 1ms');
    edit(d, 'roster.yaml', 'people: [grace_okafor, li_qiang], every: 1d', 'people: [grace_okafor, li_qiang], every: 14m');
    expect(problems(d)).toEqual([
      'roster.yaml: schedules.it_ops.shifts.0.rotation.every: must be at least 15m: a rotation hands over every `every` (shifts of hours, days or weeks)',
      'roster.yaml: schedules.supervisor.shifts.0.rotation.every: must be at least 15m: a rotation hands over every `every` (shifts of hours, days or weeks)',
    ]);
    edit(d, 'roster.yaml', 'every: 1ms', 'every: 15m');
    edit(d, 'roster.yaml', 'every: 14m', 'every: 0');
    expect(problems(d)).toEqual([expect.stringMatching(/^roster\.yaml: schedules\.supervisor\.shifts\.0\.rotation\.every: must be at least 15m/)]);
  });

  it('refuses engine and watch cadences that would spin (0 burned a core while idle), naming the file and the field', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', 'tick: 1s', 'tick: 0s');
    edit(d, 'daemon.yaml', 'audit: 1m', 'audit: 0s');
    edit(d, 'sources.yaml', 'recheck: 10s', 'recheck: 500ms');
    edit(d, 'sources.yaml', 'agentsPoll: 1m', 'agentsPoll: 1s');
    edit(d, 'sources.yaml', 'check: 30s', 'check: 0');
    expect(problems(d)).toEqual([
      'daemon.yaml: escalation.tick: must be at least 100ms: a shorter tick claims steps in a busy loop, burning CPU while nothing is due',
      'daemon.yaml: escalation.audit: must be at least 1s: each audit reads every open incident, so a shorter cadence reads Redis in a loop',
      'sources.yaml: taskrouter.recheck: must be at least 1s: each re-check reads and judges every queue with tasks waiting, so a shorter cadence runs in a loop',
      "sources.yaml: taskrouter.agentsPoll: must be 0 (off) or at least 10s: each round asks Twilio's API once per queue of every workspace",
      'sources.yaml: heartbeats.check: must be at least 1s: each check reads the last beat of every watched source, so a shorter cadence runs in a loop',
    ]);
  });

  it('holds the cadence minimums to what is written: a fast clock still divides them', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', 'tick: 1s', 'tick: 100ms');
    edit(d, 'daemon.yaml', 'audit: 1m', 'audit: 1s');
    edit(d, 'sources.yaml', 'agentsPoll: 1m', 'agentsPoll: 0');
    const c = loadConfig(d, { clockSpeed: 10 });
    expect([c.daemon.escalation.tick, c.daemon.escalation.audit, c.sources.taskrouter.agentsPoll]).toEqual([10, 100, 0]);
  });

  it('takes proxy addresses, CIDR ranges, range names or a hop count as http.trustProxy, and nothing else', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', 'trustProxy: [loopback]', 'trustProxy: [loopback, uniquelocal, 10.0.0.7, 172.18.0.0/16, "fd00::/8"]');
    expect(problems(d)).toEqual([]);
    expect(loadConfig(d).daemon.http.trustProxy).toEqual(['loopback', 'uniquelocal', '10.0.0.7', '172.18.0.0/16', 'fd00::/8']);
    // what passes here, express takes when the daemon starts (it throws on what it cannot read)
    expect(() => express().set('trust proxy', loadConfig(d).daemon.http.trustProxy)).not.toThrow();
    for (const all of ['0.0.0.0/0', '"::/0"', '10.0.0.0/0']) {
      edit(d, 'daemon.yaml', /trustProxy: \[[^\]]*\]/, `trustProxy: [loopback, ${all}]`);
      expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: http\.trustProxy\.1: must be an IP address, a CIDR range .*prefix \/1 or longer/)]);
      expect(() => express().set('trust proxy', ['loopback', all.replace(/"/g, '')])).toThrow(/invalid range/);
    }
    edit(d, 'daemon.yaml', /trustProxy: \[[^\]]*\]/, 'trustProxy: 1');
    expect(loadConfig(d).daemon.http.trustProxy).toBe(1);
    edit(d, 'daemon.yaml', 'trustProxy: 1', 'trustProxy: [loopback, 10.0.0.0/33, proxy.example]');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: http\.trustProxy\.1: must be an IP address, a CIDR range/),
      expect.stringMatching(/^daemon\.yaml: http\.trustProxy\.2: must be an IP address, a CIDR range/),
    ]);
    edit(d, 'daemon.yaml', /trustProxy: \[[^\]]*\]/, 'trustProxy: true');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: http\.trustProxy: /)]);
  });

  it('refuses a Twilio timeout as long as the claim lease: a page still waiting for Twilio would be taken over and sent twice', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.channels.twilio.timeout).toBe(15_000);
    expect(loadConfig(d).sources.taskrouter.timeout).toBe(15_000);
    edit(d, 'daemon.yaml', /timeout: 15s /, 'timeout: 30s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: channels\.twilio\.timeout: 30s is not shorter than escalation\.lease \(30s\)/)]);
    edit(d, 'daemon.yaml', /timeout: 30s /, 'timeout: 500ms ');
    edit(d, 'sources.yaml', /timeout: 15s /, 'timeout: 0 ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: channels\.twilio\.timeout: /),
      expect.stringMatching(/^sources\.yaml: taskrouter\.timeout: must be at least 1s/),
    ]);
  });

  it('refuses a send whose record could be written after its claim lapsed: the provider timeout plus one Redis command must fit in the lease', () => {
    const d = copyOfShipped();
    // as shipped: 15s + 5s and 25s + 5s within the 30s lease
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /timeout: 15s /, 'timeout: 26s ');
    edit(d, 'daemon.yaml', /sendTimeout: 25s /, 'sendTimeout: 26s ');
    expect(problems(d)).toEqual([
      expect.stringMatching(
        /^daemon\.yaml: channels\.twilio\.timeout: 26s plus redis\.commandTimeout \(5s\) is longer than escalation\.lease \(30s\): the record of a page Twilio took at the last moment could be written after its claim lapsed, and another process take the page over and send it again/,
      ),
      expect.stringMatching(
        /^daemon\.yaml: channels\.email\.sendTimeout: 26s plus redis\.commandTimeout \(5s\) is longer than escalation\.lease \(30s\): the record of a mail the server took at the last moment could be written after its claim lapsed, and another process take the page over and send it again/,
      ),
    ]);
    // a shorter command timeout makes room for them (and for the question to Twilio after an unanswered send)
    edit(d, 'daemon.yaml', /commandTimeout: 5s /, 'commandTimeout: 3s ');
    edit(d, 'daemon.yaml', /lookupTimeout: 5s /, 'lookupTimeout: 1s ');
    expect(problems(d)).toEqual([]);
  });

  it('refuses a question to Twilio after an unanswered send that, with the send and its record, does not fit in the lease', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.channels.twilio.lookupTimeout).toBe(5_000);
    // as shipped: 15s + 5s + 5s within the 30s lease
    edit(d, 'daemon.yaml', /lookupTimeout: 5s /, 'lookupTimeout: 11s ');
    expect(problems(d)).toEqual([
      expect.stringMatching(
        /^daemon\.yaml: channels\.twilio\.lookupTimeout: 11s plus channels\.twilio\.timeout \(15s\) plus redis\.commandTimeout \(5s\) is longer than escalation\.lease \(30s\): a page Twilio took without answering, found when asked, could be recorded after its claim lapsed/,
      ),
    ]);
    edit(d, 'daemon.yaml', /lookupTimeout: 11s /, 'lookupTimeout: 10s ');
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /lookupTimeout: 10s /, 'lookupTimeout: 0 ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: channels\.twilio\.lookupTimeout: must be at least 100ms/)]);
  });

  it("refuses a lease a claim taken over could lapse in before its send: longer than the takeover grace (redis.reconnect.max plus redis.commandTimeout) and one more command", () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', /max: 2s /, 'max: 20s ');
    expect(problems(d)).toEqual([
      expect.stringMatching(
        /^daemon\.yaml: escalation\.lease: 30s is not longer than the grace a claim taken over waits before its send \(redis\.reconnect\.max 20s plus redis\.commandTimeout 5s\) plus one more redis\.commandTimeout for the checks before the send \(30s in all\): such a claim would lapse before its send and be taken over again by another process, and the page could go unsent however often it is taken over/,
      ),
    ]);
    edit(d, 'daemon.yaml', /max: 20s /, 'max: 19s ');
    expect(problems(d)).toEqual([]);
    // the lease shortened under the grace, the sends fitted in it
    edit(d, 'daemon.yaml', /max: 19s /, 'max: 2s ');
    edit(d, 'daemon.yaml', /lease: 30s /, 'lease: 12s ');
    edit(d, 'daemon.yaml', /timeout: 15s /, 'timeout: 5s ');
    edit(d, 'daemon.yaml', /lookupTimeout: 5s /, 'lookupTimeout: 1s ');
    edit(d, 'daemon.yaml', /sendTimeout: 25s /, 'sendTimeout: 5s ');
    edit(d, 'daemon.yaml', /socketTimeout: 20s /, 'socketTimeout: 5s ');
    edit(d, 'daemon.yaml', /connectTimeout: 10s /, 'connectTimeout: 5s ');
    edit(d, 'daemon.yaml', /greetingTimeout: 10s /, 'greetingTimeout: 5s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.lease: 12s is not longer than the grace a claim taken over waits before its send \(redis\.reconnect\.max 2s plus redis\.commandTimeout 5s\) plus one more redis\.commandTimeout for the checks before the send \(12s in all\)/)]);
    edit(d, 'daemon.yaml', /lease: 12s /, 'lease: 13s ');
    expect(problems(d)).toEqual([]);
  });

  it('checks the class the TaskRouter poll gone blind opens', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).sources.taskrouter.blind).toEqual({ after: 300_000, class: 'network_infosys', level: 2, during: 'business_hours' });
    edit(d, 'sources.yaml', 'blind: { after: 5m, class: network_infosys', 'blind: { after: 5m, class: network_infosis');
    expect(problems(d)).toEqual([expect.stringMatching(/^sources\.yaml: taskrouter\.blind\.class: unknown class "network_infosis"/)]);
    const hours = copyOfShipped();
    edit(hours, 'sources.yaml', 'during: business_hours }', 'during: office_hours }');
    expect(problems(hours)).toEqual([expect.stringMatching(/^sources\.yaml: taskrouter\.blind\.during: /)]);
  });

  it('refuses an e-mail send that could outlast the claim lease, and per-step SMTP timeouts that could never apply', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.channels.email).toEqual({ connectTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, sendTimeout: 25_000 });
    edit(d, 'daemon.yaml', /sendTimeout: 25s /, 'sendTimeout: 30s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: channels\.email\.sendTimeout: 30s is not shorter than escalation\.lease \(30s\): a page still being handed to the mail server would be taken over and sent twice/)]);
    edit(d, 'daemon.yaml', /sendTimeout: 30s /, 'sendTimeout: 25s ');
    edit(d, 'daemon.yaml', /socketTimeout: 20s /, 'socketTimeout: 30s ');
    edit(d, 'daemon.yaml', /greetingTimeout: 10s /, 'greetingTimeout: 15s ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: channels\.email\.socketTimeout: 30s is longer than channels\.email\.sendTimeout \(25s\), so it could never apply/),
      expect.stringMatching(/^daemon\.yaml: channels\.email\.greetingTimeout: 15s is longer than channels\.email\.connectTimeout \(10s\)/),
    ]);
    edit(d, 'daemon.yaml', /socketTimeout: 30s /, 'socketTimeout: 0 ');
    edit(d, 'daemon.yaml', /greetingTimeout: 15s /, 'greetingTimeout: 10s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: channels\.email\.socketTimeout: must be at least 1s/)]);
  });

  it('reads the Redis timeouts, and refuses a command timeout that could outlast a claim or a wait for replicas', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.redis).toMatchObject({ connectTimeout: 2_000, commandTimeout: 5_000, startupWait: 5_000 });
    edit(d, 'daemon.yaml', /commandTimeout: 5s /, 'commandTimeout: 30s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: redis\.commandTimeout: 30s is not shorter than escalation\.lease \(30s\): a claim could lapse while its command still waits/)]);
    edit(d, 'daemon.yaml', /commandTimeout: 30s /, 'commandTimeout: 1s ');
    edit(d, 'daemon.yaml', /replicas: 0 /, 'replicas: 1 ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: redis\.commandTimeout: 1s is not longer than incidents\.replicaWait \(1s\): the wait for replicas would fail as a timed-out command/)]);
    edit(d, 'daemon.yaml', /replicas: 1 /, 'replicas: 0 ');
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /connectTimeout: 2s /, 'connectTimeout: 10s ');
    edit(d, 'daemon.yaml', /startupWait: 5s /, 'startupWait: 500ms ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: redis\.startupWait: must be at least 1s/),
      expect.stringMatching(/^daemon\.yaml: redis\.connectTimeout: 10s is longer than redis\.startupWait \(500ms\)/),
    ]);
    edit(d, 'daemon.yaml', /startupWait: 500ms /, 'startupWait: 5s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: redis\.connectTimeout: 10s is longer than redis\.startupWait \(5s\), so it could never apply at start-up/)]);
  });

  it('reads the Redis reconnect pauses, and refuses a pause that would spin, one over a minute, or a longest pause shorter than the first', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.redis.reconnect).toEqual({ first: 100, max: 2_000 });
    edit(d, 'daemon.yaml', /first: 100ms /, 'first: 5ms ');
    edit(d, 'daemon.yaml', /max: 2s /, 'max: 2m ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: redis\.reconnect\.first: must be at least 10ms/),
      expect.stringMatching(/^daemon\.yaml: redis\.reconnect\.max: must be at most 1m/),
      expect.stringMatching(/^daemon\.yaml: escalation\.lease: 30s is not longer than the grace a claim taken over waits before its send \(redis\.reconnect\.max 2m /),
    ]);
    edit(d, 'daemon.yaml', /first: 5ms /, 'first: 3s ');
    edit(d, 'daemon.yaml', /max: 2m /, 'max: 2s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: redis\.reconnect\.max: 2s is shorter than redis\.reconnect\.first \(3s\)/)]);
    edit(d, 'daemon.yaml', /first: 3s /, 'first: 50ms ');
    edit(d, 'daemon.yaml', /max: 2s /, 'max: 500ms ');
    expect(loadConfig(d).daemon.redis.reconnect).toEqual({ first: 50, max: 500 });
  });

  it('reads the HTTP keep-alive and Retry-After, whole seconds for Retry-After', () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.http).toMatchObject({ keepAlive: 65_000, retryAfter: 5_000 });
    edit(d, 'daemon.yaml', /retryAfter: 5s /, 'retryAfter: 2500ms ');
    edit(d, 'daemon.yaml', /keepAlive: 65s /, 'keepAlive: 0 ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: http\.keepAlive: must be at least 1s/),
      expect.stringMatching(/^daemon\.yaml: http\.retryAfter: must be whole seconds \(Retry-After counts seconds\)/),
    ]);
  });

  it('reads the level from which every page also goes by e-mail (escalation.emailFromLevel): 4 as shipped, 0 to 5, a whole number', () => {
    expect(shippedConfig().daemon.escalation.emailFromLevel).toBe(4);
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', /emailFromLevel: 4 /, 'emailFromLevel: 0 ');
    expect(loadConfig(d).daemon.escalation.emailFromLevel).toBe(0);
    edit(d, 'daemon.yaml', /emailFromLevel: 0 /, 'emailFromLevel: 6 ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.emailFromLevel: .*5/)]);
    edit(d, 'daemon.yaml', /emailFromLevel: 6 /, 'emailFromLevel: 4.5 ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.emailFromLevel: /)]);
  });

  it("holds the paging call's settings to what Twilio takes", () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.channels.twilio.voice).toEqual({ ringTimeout: 30_000, machineDetection: 'Enable', keyTimeout: 8_000 });
    edit(d, 'daemon.yaml', /ringTimeout: 30s /, 'ringTimeout: 11m ');
    edit(d, 'daemon.yaml', /machineDetection: Enable /, 'machineDetection: true ');
    edit(d, 'daemon.yaml', /keyTimeout: 8s /, 'keyTimeout: 1500ms ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: channels\.twilio\.voice\.ringTimeout: must be whole seconds from 5s to 600s/),
      expect.stringMatching(/^daemon\.yaml: channels\.twilio\.voice\.machineDetection: .*Enable.*DetectMessageEnd/),
      expect.stringMatching(/^daemon\.yaml: channels\.twilio\.voice\.keyTimeout: must be whole seconds from 1s to 60s/),
    ]);
    edit(d, 'daemon.yaml', /ringTimeout: 11m /, 'ringTimeout: 4s ');
    edit(d, 'daemon.yaml', /machineDetection: true /, 'machineDetection: DetectMessageEnd ');
    edit(d, 'daemon.yaml', /keyTimeout: 1500ms /, 'keyTimeout: 0 ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: channels\.twilio\.voice\.ringTimeout: must be whole seconds from 5s to 600s/),
      expect.stringMatching(/^daemon\.yaml: channels\.twilio\.voice\.keyTimeout: must be whole seconds from 1s to 60s/),
    ]);
    edit(d, 'daemon.yaml', /ringTimeout: 4s /, 'ringTimeout: 10m ');
    edit(d, 'daemon.yaml', /keyTimeout: 0 /, 'keyTimeout: 1m ');
    expect(loadConfig(d).daemon.channels.twilio.voice).toEqual({ ringTimeout: 600_000, machineDetection: 'DetectMessageEnd', keyTimeout: 60_000 });
  });

  it("reads the engine workers' restart pauses and stop timeout, and refuses a longest pause shorter than the first", () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.escalation).toMatchObject({ workerRestart: { first: 1_000, max: 30_000, steady: 60_000 }, workerStop: 40_000 });
    edit(d, 'daemon.yaml', /max: 30s /, 'max: 500ms ');
    edit(d, 'daemon.yaml', /workerStop: 40s /, 'workerStop: 0 ');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^daemon\.yaml: escalation\.workerRestart\.max: 500ms is shorter than escalation\.workerRestart\.first \(1s\)/),
      expect.stringMatching(/^daemon\.yaml: escalation\.workerStop: must be at least 1s/),
    ]);
    edit(d, 'daemon.yaml', /max: 500ms /, 'max: 30s ');
    edit(d, 'daemon.yaml', /workerStop: 0 /, 'workerStop: 40s ');
    edit(d, 'daemon.yaml', /first: 1s /, 'first: 0 ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerRestart\.first: must be at least 100ms/)]);
  });

  it("refuses, with engine workers, a workerStop that could kill a worker before a page it is sending is recorded; the shipped one holds a page's longest attempt", () => {
    const d = copyOfShipped();
    // as shipped: the takeover grace (2s + 5s), the longest send (the mail's 25s) and its record (5s) take 37s at most
    const shipped = loadConfig(d).daemon;
    expect(shipped.escalation.workerStop).toBeGreaterThanOrEqual(shipped.redis.reconnect.max + shipped.redis.commandTimeout + shipped.channels.email.sendTimeout + shipped.redis.commandTimeout);
    edit(d, 'daemon.yaml', /workers: 1 /, 'workers: 2 ');
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /workerStop: 40s /, 'workerStop: 15s ');
    expect(problems(d)).toEqual([
      expect.stringMatching(
        /^daemon\.yaml: escalation\.workerStop: 15s is shorter than a page's longest attempt in an engine worker \(37s: the takeover grace, redis\.reconnect\.max plus redis\.commandTimeout, then the longest send, channels\.twilio\.timeout plus lookupTimeout or channels\.email\.sendTimeout, then the write of its record, redis\.commandTimeout\): a worker stopped mid-send would be killed before its page is recorded, and the page sent again after the lease/,
      ),
    ]);
    edit(d, 'daemon.yaml', /workerStop: 15s /, 'workerStop: 37s ');
    expect(problems(d)).toEqual([]);
    // each wait counts: the Twilio timeout and the question after it when they are the longer send,
    // the grace, the command
    edit(d, 'daemon.yaml', /sendTimeout: 25s /, 'sendTimeout: 10s ');
    edit(d, 'daemon.yaml', /socketTimeout: 20s /, 'socketTimeout: 10s ');
    edit(d, 'daemon.yaml', /workerStop: 37s /, 'workerStop: 32s ');
    expect(problems(d)).toEqual([]);
    edit(d, 'daemon.yaml', /timeout: 15s /, 'timeout: 18s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerStop: 32s is shorter than a page's longest attempt in an engine worker \(35s: /)]);
    edit(d, 'daemon.yaml', /timeout: 18s /, 'timeout: 15s ');
    edit(d, 'daemon.yaml', /lookupTimeout: 5s /, 'lookupTimeout: 7s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerStop: 32s is shorter than a page's longest attempt in an engine worker \(34s: /)]);
    edit(d, 'daemon.yaml', /lookupTimeout: 7s /, 'lookupTimeout: 5s ');
    edit(d, 'daemon.yaml', /max: 2s /, 'max: 3s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerStop: 32s is shorter than a page's longest attempt in an engine worker \(33s: /)]);
    edit(d, 'daemon.yaml', /max: 3s /, 'max: 2s ');
    edit(d, 'daemon.yaml', /commandTimeout: 5s /, 'commandTimeout: 6s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerStop: 32s is shorter than a page's longest attempt in an engine worker \(34s: /)]);
    // one process, no worker to kill: not checked
    edit(d, 'daemon.yaml', /workers: 2 /, 'workers: 1 ');
    edit(d, 'daemon.yaml', /workerStop: 32s /, 'workerStop: 1s ');
    expect(problems(d)).toEqual([]);
  });

  it("reads how long a scrape waits for an engine worker's metrics, from 100ms to 5s", () => {
    const d = copyOfShipped();
    expect(loadConfig(d).daemon.escalation.workerMetricsWait).toBe(2_000);
    edit(d, 'daemon.yaml', /workerMetricsWait: 2s /, 'workerMetricsWait: 50ms ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerMetricsWait: must be from 100ms to 5s/)]);
    edit(d, 'daemon.yaml', /workerMetricsWait: 50ms /, 'workerMetricsWait: 10s ');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: escalation\.workerMetricsWait: must be from 100ms to 5s/)]);
    edit(d, 'daemon.yaml', /workerMetricsWait: 10s /, 'workerMetricsWait: 300ms ');
    expect(loadConfig(d).daemon.escalation.workerMetricsWait).toBe(300);
  });

  it('validates the ACD abandon-rate minimum (a whole number of calls, at least 1)', () => {
    const d = copyOfShipped();
    edit(d, 'sources.yaml', 'abandonMinOffered: 20 ', 'abandonMinOffered: 0.5 ');
    expect(problems(d)).toEqual([expect.stringMatching(/^sources\.yaml: acd\.surge\.abandonMinOffered: /)]);
  });

  it('refuses a maintenance window that names no scope, unless it says "all"', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', /^maintenance: \[\]/m, 'maintenance:\n  - { name: power test, from: "2026-12-01T09:00:00Z", until: "2026-12-01T11:00:00Z" }\n  - { name: all, from: "2026-12-02T09:00:00Z", until: "2026-12-02T11:00:00Z", all: true }');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: maintenance\.0\.all: name what the window covers \(sites, classes or labels\), or set "all": true/)]);
  });

  it('refuses a phase both throttled and gathered', () => {
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', 'gather: [all_clear, reminder]', 'gather: [all_clear, update]');
    expect(problems(d)).toEqual([expect.stringMatching(/^daemon\.yaml: throttle\.gather\.1: update is also in throttle\.phases: a phase is either throttled or gathered/)]);
  });

  it('cross-checks roles, classes and people', () => {
    const d = copyOfShipped();
    edit(d, 'playbooks.yaml', 'roles: [supervisor], note: The shift lead', 'roles: [superviser], note: The shift lead');
    edit(d, 'sources.yaml', 'class: power }\n', 'class: powr }\n');
    edit(d, 'roster.yaml', 'people: [maria_rossi]', 'people: [maria_rosi]');
    expect(problems(d)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^playbooks\.yaml: classes\.app_network_acd\.tiers\.1\.roles\.0: unknown role "superviser"/),
        expect.stringMatching(/^sources\.yaml: alertmanager\.rules\.0\.class: unknown class "powr"/),
        expect.stringMatching(/^roster\.yaml: schedules\.center_manager\.shifts\.0\.rotation\.people\.0: unknown person "maria_rosi"/),
      ]),
    );
  });

  it('checks the label patterns of tiers and of Alertmanager rules', () => {
    const d = copyOfShipped();
    edit(d, 'playbooks.yaml', /match: \{ kind: '\\s\*\[Tt\]\[Hh\]\[Ee\]\[Ff\]\[Tt\]\\s\*' \}/, 'match: { kind: "theft(" }');
    edit(d, 'sources.yaml', /match: \{ ([a-z_]+): ("?)([^"}\s]+)/, 'match: { $1: $2($3');
    expect(problems(d)).toEqual([
      expect.stringMatching(/^playbooks\.yaml: classes\.security\.tiers\.\d+\.match\.kind: not a valid regular expression: theft\($/),
      expect.stringMatching(/^sources\.yaml: alertmanager\.rules\.0\.match\.[a-z_]+: not a valid regular expression: \(/),
    ]);
  });

  it("gives people without a time zone the centre's (daemon.yaml timezone)", () => {
    expect(shippedConfig().roster.people.sara_lund?.timezone).toBe('Asia/Shanghai');
    const d = copyOfShipped();
    edit(d, 'daemon.yaml', /^timezone: \S+/m, 'timezone: Europe/Lisbon');
    const c = loadConfig(d);
    expect(c.roster.people.sara_lund?.timezone).toBe('Europe/Lisbon');
    expect(c.roster.people.lin_wei?.timezone).toBe('Asia/Shanghai'); // her own
  });

  it('reports YAML syntax errors and missing files', () => {
    const d = copyOfShipped();
    writeFileSync(join(d, 'roles.yaml'), 'roles: [unclosed');
    rmSync(join(d, 'severity.yaml'));
    const p = problems(d);
    expect(p.some((x) => x.startsWith('roles.yaml: : YAML'))).toBe(true);
    expect(p.some((x) => x.startsWith('severity.yaml: : cannot read: ENOENT'))).toBe(true);
  });

  it('check-config exits 0 when valid and 78 with one problem a line otherwise', () => {
    const out = new PassThrough();
    const err = new PassThrough();
    expect(runCheckConfig(['config'], out, err)).toBe(0);
    expect(String(out.read())).toMatch(/valid/);
    const d = copyOfShipped();
    edit(d, 'severity.yaml', 'raiseTo: 3', 'raiseTo: 9');
    const err2 = new PassThrough();
    expect(runCheckConfig([d], new PassThrough(), err2)).toBe(78);
    const lines = String(err2.read()).trim().split('\n');
    expect(lines[0]).toMatch(/severity\.yaml: levels\.1\.raiseTo: .*5/);
    expect(lines.at(-1)).toMatch(/1 problem\(s\)/);
  });
});
