/**
 * A playbook with a gap: every tier due at a class's start carries a `match`, and an incident fits
 * none of them. The whole daemon on real Redis with a manual clock: the incident must not page nobody.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UNMATCHED_NOTE } from '../../src/domain/escalation.js';
import { channelEnv } from '../support/channel-env.js';
import { FakeTwilio } from '../support/fake-twilio.js';
import { captureLogger } from '../support/log-capture.js';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

const SID = `AC${'9'.repeat(32)}`;
const TOKEN = 'playbook_gap_auth_token';
const dirs: string[] = [];
let s: Scenario | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The shipped config with the security plans as they once were: fire for an empty kind or exactly "fire", theft for exactly "theft". */
function gappedConfig(unmatched = ''): string {
  const d = mkdtempSync(join(tmpdir(), 'tocsin-gap-'));
  dirs.push(d);
  cpSync('config', d, { recursive: true });
  const file = join(d, 'playbooks.yaml');
  const text = readFileSync(file, 'utf8');
  const fire = "'(?!\\s*[Tt][Hh][Ee][Ff][Tt]\\s*$)[\\s\\S]*'";
  const theft = "'\\s*[Tt][Hh][Ee][Ff][Tt]\\s*'";
  expect(text).toContain(fire);
  expect(text).toContain(theft);
  const edited = text
    .replaceAll(fire, '"(fire)?"')
    .replaceAll(theft, 'theft')
    .replace(/^ {4}unmatched: .*\n/m, unmatched);
  expect(edited).not.toMatch(/^ {4}unmatched: .*No plan fits/m);
  writeFileSync(file, edited);
  return d;
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await fetch(`${s?.app.baseUrl}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('an incident no tier due at its start fits', () => {
  it('pages the roles of those tiers, once, and says so: timeline, error log, metric', async () => {
    const { logger, lines } = captureLogger('info');
    s = await startScenario({ configDir: gappedConfig(), logger });
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'burglary' }, summary: 'hall B door forced' });
    await s.at(0);
    const pages = await s.pages(id);
    const firstCall = [`center_manager/${await s.onDuty('center_manager')}/voice`, `supervisor/${await s.onDuty('supervisor')}/voice`];
    expect(who(pages, { tier: 0, phase: 'page' }).filter((w) => !w.endsWith('/email'))).toEqual(firstCall);
    const inc = await s.incident(id);
    expect(inc.timeline.filter((e: any) => e.type === 'no_tier_fits')).toEqual([
      expect.objectContaining({ roles: ['supervisor', 'center_manager'], people: expect.arrayContaining([await s.onDuty('supervisor')]), labels: { kind: 'burglary' } }),
    ]);
    const errors = lines.filter((l) => l.level === 'error' && l.msg === 'no tier of the playbook fits the incident; the roles of its start were paged instead');
    expect(errors).toEqual([expect.objectContaining({ incident: id, class: 'security', labels: { kind: 'burglary' } })]);
    expect(await metric('tocsin_incidents_unmatched_total', 'class="security"')).toBe(1);
    // nothing more comes of it, nor is it paged again
    await s.at(2 * MIN);
    await s.at(10 * MIN);
    expect((await s.pages(id)).filter((p) => p.phase === 'page')).toHaveLength(pages.filter((p) => p.phase === 'page').length);
    expect(await metric('tocsin_incidents_unmatched_total', 'class="security"')).toBe(1);
  });

  it("pages the class's `unmatched` roles with its note when playbooks.yaml gives them", async () => {
    s = await startScenario({ configDir: gappedConfig('    unmatched: { roles: [director], note: "Unknown security report." }\n') });
    const id = await s.open({ class: 'security', level: 4, details: { kind: 'smoke' } });
    await s.at(0);
    expect(who(await s.pages(id), { tier: 0 })).toEqual([`director/${await s.onDuty('director')}/email`, `director/${await s.onDuty('director')}/voice`]);
    const notified = (await s.incident(id)).timeline.find((e: any) => e.type === 'no_tier_fits');
    expect(notified).toMatchObject({ roles: ['director'], labels: { kind: 'smoke' } });
  });

  it('the call says that no tier of the plan fits, and what was reported', async () => {
    const fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
    try {
      s = await startScenario({ configDir: gappedConfig(), env: channelEnv({ twilio: fake, sid: SID, token: TOKEN, from: '+15005550001' }) });
      await s.open({ class: 'security', level: 4, details: { kind: 'Fire' }, summary: 'smoke in hall B' });
      await s.at(0);
      const calls = fake.calls();
      expect(calls.length).toBe(2);
      for (const call of calls) {
        expect(String(call.form.Twiml)).toContain(UNMATCHED_NOTE);
        expect(String(call.form.Twiml)).toContain('smoke in hall B');
      }
    } finally {
      await s?.stop();
      s = undefined;
      await fake.stop();
    }
  });
});
