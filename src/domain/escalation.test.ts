import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { ClassConfig } from '../config/schema.js';
import { conditionHolds, matchLabelNames, matchLabelsOf, nextApplicableTier, planEscalation, tierMatches, UNMATCHED_NOTE, type EscalationSubject, type Step } from './escalation.js';
import { reminderKey } from './reminder-key.js';

const config = loadConfig('config');
const severity = config.severity;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;

function klass(id: string): ClassConfig {
  const k = config.playbooks.classes[id];
  if (!k) throw new Error(`no class ${id}`);
  return k;
}

function subject(o: Partial<EscalationSubject> = {}): EscalationSubject {
  return {
    level: 3,
    openLevel: 3,
    state: 'open',
    cycleStartMs: T0,
    cycle: 0,
    levelAtMs: T0,
    acknowledgedAtMs: null,
    resolvedAtMs: null,
    labels: {},
    controlled: false,
    tier: 0,
    done: new Set(),
    advanced: new Map(),
    paged: [],
    ...o,
  };
}

/** Paged for the incident: the roles of levels 3 to 5 (their reminders go to the roles engaged). */
const engaged = [
  { person: 'omar_haddad', role: 'it_ops' },
  { person: 'grace_okafor', role: 'supervisor' },
  { person: 'wang_fang', role: 'director' },
];

const keys = (steps: readonly Step[]) => steps.map((s) => s.key);
const roles = (steps: readonly Step[]) => steps.flatMap((s) => s.roles);
/** The roles of the class's own tiers (leaving out the severity table's steps). */
const tierRoles = (steps: readonly Step[]) => roles(steps.filter((s) => s.kind === 'tier' || s.kind === 'repeat'));

describe('planEscalation — app_network_acd', () => {
  const k = klass('app_network_acd');

  it('T+0: shift_lead and it_ops; next look at T+5m', () => {
    const p = planEscalation(subject(), k, severity, T0);
    expect(keys(p.due)).toEqual(['t0']);
    expect(roles(p.due)).toEqual(['shift_lead', 'it_ops']);
    expect(p.due[0]?.phase).toBe('page');
    expect(p.next).toBe(T0 + 5 * MIN);
  });

  it('T+5m unacknowledged: supervisor; acknowledged: not', () => {
    const done = new Set(['t0']);
    expect(roles(planEscalation(subject({ done }), k, severity, T0 + 5 * MIN).due)).toEqual(['supervisor']);
    const acked = subject({ done, state: 'acknowledged', acknowledgedAtMs: T0 + 2 * MIN });
    const p = planEscalation(acked, k, severity, T0 + 5 * MIN);
    expect(p.due).toEqual([]);
    expect(p.next).toBe(T0 + 10 * MIN);
  });

  it('T+10m unresolved (even acknowledged): ops_manager and center_manager', () => {
    const s = subject({ done: new Set(['t0']), state: 'acknowledged', acknowledgedAtMs: T0 + MIN });
    const p = planEscalation(s, k, severity, T0 + 10 * MIN);
    expect(roles(p.due)).toEqual(['ops_manager', 'center_manager']);
    expect(p.due[0]?.tier).toBe(2);
  });

  it('T+60m unresolved: vendor', () => {
    const s = subject({ level: 4, levelAtMs: T0 + 30 * MIN, done: new Set(['t0', 't1', 't2', 'lv4']), paged: engaged });
    const due = planEscalation(s, k, severity, T0 + 60 * MIN).due;
    expect(tierRoles(due)).toEqual(['vendor']);
    expect(keys(due)).toEqual(['t3', 'o4']); // and 30 min unsolved at level 4: report in person
  });

  it('level climbs to 4 at T+30m and to 5 at T+2h', () => {
    const done = new Set(['t0', 't1', 't2']);
    expect(planEscalation(subject({ done }), k, severity, T0 + 29 * MIN).levelChange).toBeUndefined();
    expect(planEscalation(subject({ done }), k, severity, T0 + 30 * MIN).levelChange?.to).toBe(4);
    expect(planEscalation(subject({ done, level: 4 }), k, severity, T0 + 120 * MIN).levelChange?.to).toBe(5);
    // a late look jumps straight to the highest level due
    expect(planEscalation(subject({ done }), k, severity, T0 + 121 * MIN).levelChange?.to).toBe(5);
  });

  it('a climb pages that level’s circle once; level 4 adds the director', () => {
    const s = subject({ level: 4, levelAtMs: T0 + 30 * MIN, done: new Set(['t0', 't1', 't2']) });
    const p = planEscalation(s, k, severity, T0 + 30 * MIN);
    const circle = p.due.find((x) => x.kind === 'circle');
    expect(circle?.roles).toEqual(['supervisor', 'it_ops', 'director']);
    expect(circle?.phase).toBe('level_raised');
    const again = planEscalation({ ...s, done: new Set([...s.done, 'lv4']) }, k, severity, T0 + 31 * MIN);
    expect(again.due.find((x) => x.kind === 'circle')).toBeUndefined();
  });

  it('no circle for the level an incident opened with', () => {
    const p = planEscalation(subject({ level: 4, openLevel: 4 }), klass('security'), severity, T0);
    expect(p.due.some((x) => x.kind === 'circle')).toBe(false);
  });

  it('on resolution: all-clear to everyone paged, nothing else', () => {
    const paged = [
      { person: 'lin_wei', role: 'shift_lead' },
      { person: 'omar_haddad', role: 'it_ops' },
    ];
    const s = subject({ state: 'resolved', resolvedAtMs: T0 + 7 * MIN, done: new Set(['t0', 't1']), paged });
    const p = planEscalation(s, k, severity, T0 + 7 * MIN);
    expect(p.due.map((x) => x.kind)).toEqual(['all_clear']);
    expect(p.due[0]?.to).toEqual(paged);
    expect(p.next).toBeNull();
  });

  it('a reopened incident starts a new cycle with its own keys', () => {
    const s = subject({ cycle: 1, cycleStartMs: T0 + 20 * MIN, done: new Set(['t0', 't1', 't2', 'allclear']) });
    const p = planEscalation(s, k, severity, T0 + 20 * MIN);
    expect(keys(p.due)).toEqual(['c1:t0']);
  });

  it("a reopened incident counts its level's reminder, deadline, raise and updates from the reopening, not from the level's first day", () => {
    // level 3 reached at 10:00 (its 30-minute report was sent at 10:30), resolved, reopened at 12:00
    const reopened = (level: 1 | 2 | 3 | 5, now: number) =>
      planEscalation(subject({ level, openLevel: level, cycle: 1, cycleStartMs: T0 + 120 * MIN, done: new Set(['t0', 'o3', 'allclear', 'c1:t0']), paged: engaged }), k, severity, now);
    expect(keys(reopened(3, T0 + 120 * MIN).due)).toEqual([]);
    expect(reopened(3, T0 + 120 * MIN).next).toBe(T0 + 125 * MIN);
    expect(keys(reopened(3, T0 + 150 * MIN).due)).toContain('c1:o3');
    expect(reopened(1, T0 + 120 * MIN).due.map((x) => x.kind)).not.toContain('update');
    expect(keys(reopened(1, T0 + 150 * MIN).due)).toContain('c1:u1.1');
    // severity raiseAfter (level 2 → 3 after 30 min), on a class that does not climb by itself
    const hvac = (now: number) => planEscalation(subject({ level: 2, openLevel: 2, cycle: 1, cycleStartMs: T0 + 120 * MIN, done: new Set(['t0', 't1', 'allclear']) }), klass('hvac'), severity, now);
    expect(hvac(T0 + 120 * MIN).levelChange).toBeUndefined();
    expect(hvac(T0 + 150 * MIN).levelChange?.to).toBe(3);
    expect(keys(reopened(5, T0 + 120 * MIN).due)).not.toContain('c1:w5');
    expect(keys(reopened(5, T0 + 130 * MIN).due)).toContain('c1:w5');
  });
});

describe('planEscalation — power', () => {
  const k = klass('power');

  it('T+0: it_ops, center_manager, facilities; the line fault tier only for kind=line_fault, by voice', () => {
    expect(roles(planEscalation(subject(), k, severity, T0).due)).toEqual(['it_ops', 'center_manager', 'facilities']);
    const p = planEscalation(subject({ labels: { kind: 'line_fault' } }), k, severity, T0);
    const line = p.due.find((x) => x.roles.includes('supervisor'));
    expect(line?.channels).toEqual(['voice']);
  });

  it('a tier matching an event of the cycle applies though the labels say otherwise (a line fault after a bypass)', () => {
    const seen = subject({ labels: { kind: 'generator' }, seenLabels: [{ kind: 'on_battery' }, { kind: 'line_fault' }] });
    expect(planEscalation(seen, k, severity, T0).due.find((x) => x.roles.includes('supervisor'))?.channels).toEqual(['voice']);
    const never = subject({ labels: { kind: 'bypass' }, seenLabels: [{ kind: 'bypass' }] });
    expect(planEscalation(never, k, severity, T0).due.some((x) => x.roles.includes('supervisor'))).toBe(false);
  });

  it('security: a fire reported after a theft (the labels now say theft) still escalates as a fire', () => {
    const sec = klass('security');
    const both = subject({ level: 4, openLevel: 4, labels: { kind: 'theft' }, seenLabels: [{ kind: 'fire' }, { kind: 'theft' }], done: new Set(['t0', 't2']) });
    expect(roles(planEscalation(both, sec, severity, T0 + 2 * MIN).due)).toContain('director');
  });

  it('level 4 (charge below 60%): facilities told to start the generator', () => {
    const p = planEscalation(subject({ level: 4, levelAtMs: T0 + 12 * MIN, done: new Set(['t0']) }), k, severity, T0 + 12 * MIN);
    const gen = p.due.find((x) => x.key === 't2');
    expect(gen?.roles).toEqual(['facilities']);
    expect(gen?.note).toMatch(/generator/);
  });

  it('level 5 (low battery): everyone up to director', () => {
    const p = planEscalation(subject({ level: 5, levelAtMs: T0 + 20 * MIN, done: new Set(['t0', 't2', 'lv4']) }), k, severity, T0 + 20 * MIN);
    expect(p.due.find((x) => x.key === 't3')?.roles).toEqual(['shift_lead', 'it_ops', 'supervisor', 'ops_manager', 'center_manager', 'vp_ops', 'director', 'facilities']);
  });

  it('after recovery: all-clear and the battery-equalise reminder to facilities', () => {
    const s = subject({ state: 'resolved', resolvedAtMs: T0 + 40 * MIN, done: new Set(['t0']), paged: [{ person: 'li_qiang', role: 'facilities' }] });
    const p = planEscalation(s, k, severity, T0 + 40 * MIN);
    expect(p.due.map((x) => x.kind)).toEqual(['all_clear', 'reminder']);
    expect(p.due[1]?.roles).toEqual(['facilities']);
    expect(p.due[1]?.note).toMatch(/Equalise the battery, then float it for at least 24 h/);
  });

  it('after a deep discharge (discharge=deep seen in the cycle): the 48 h float reminder instead of the 24 h one', () => {
    const s = subject({ state: 'resolved', resolvedAtMs: T0 + 40 * MIN, done: new Set(['t0']), seenLabels: [{ kind: 'on_battery' }, { kind: 'generator', discharge: 'deep' }] });
    const p = planEscalation(s, k, severity, T0 + 40 * MIN);
    const [shallowKey, deepKey] = k.onResolve.reminders.map((r) => reminderKey(r));
    expect(p.due.filter((x) => x.kind === 'reminder').map((x) => [x.key, x.roles, x.note])).toEqual([
      [deepKey, ['facilities'], expect.stringMatching(/discharged the battery by half or more - equalise it, then float it for at least 48 h/)],
    ]);
    // named by a deep event itself
    const named = planEscalation({ ...s, seenLabels: [], labels: { kind: 'critical', discharge: 'deep' } }, k, severity, T0 + 40 * MIN);
    expect(named.due.filter((x) => x.kind === 'reminder').map((x) => x.key)).toEqual([deepKey]);
    // a shallow outage: the 24 h one only
    const shallow = planEscalation({ ...s, seenLabels: [{ kind: 'on_battery' }, { kind: 'generator' }] }, k, severity, T0 + 40 * MIN);
    expect(shallow.due.filter((x) => x.kind === 'reminder').map((x) => [x.key, x.note])).toEqual([[shallowKey, expect.stringMatching(/at least 24 h/)]]);
  });

  it('reordering a class\'s reminders neither sends one twice nor skips one: each keeps its key', () => {
    const reminders = [
      { after: 0, roles: ['facilities'], note: 'equalise the battery' },
      { after: 0, roles: ['it_ops'], note: 'check the servers came back' },
      { after: 0, roles: ['facilities'], match: { kind: 'x' }, note: 'x only' },
      { after: 2 * 60 * MIN, roles: ['facilities'], note: 'float it' },
    ];
    const withList = (list: typeof reminders) => ({ ...k, onResolve: { ...k.onResolve, reminders: list } }) as typeof k;
    const at = T0 + 40 * MIN;
    const base = subject({ state: 'resolved', resolvedAtMs: at, done: new Set(['t0', 'allclear']), labels: { kind: 'x' } });
    const due = (list: typeof reminders, done: ReadonlySet<string>, now = at) =>
      planEscalation({ ...base, done: new Set([...base.done, ...done]) }, withList(list), severity, now)
        .due.filter((x) => x.kind === 'reminder')
        .map((x) => x.note);
    // the facilities reminder went out; the list is then reordered (the it_ops one first)
    const sent = planEscalation(base, withList(reminders), severity, at).due.filter((x) => x.note === 'equalise the battery').map((x) => x.key);
    expect(sent).toHaveLength(1);
    const reordered = [reminders[1], reminders[3], reminders[2], reminders[0]] as typeof reminders;
    expect(due(reordered, new Set(sent))).toEqual(['check the servers came back', 'x only']);
    expect(due(reordered, new Set(sent), at + 2 * 60 * MIN)).toEqual(['check the servers came back', 'float it', 'x only']);
    // the same at any clock speed, and a corrected note keeps the key
    expect(reminderKey({ after: 2 * 60 * MIN / 60, roles: ['facilities'] }, 60)).toBe(reminderKey({ after: 2 * 60 * MIN, roles: ['facilities'] }));
    expect(due([{ ...reminders[0], note: 'equalise the battery now' } as (typeof reminders)[0]], new Set(sent))).toEqual([]);
    // a reminder that names an id keeps it whatever else changes
    expect(reminderKey({ id: 'float', after: 0, roles: ['facilities'] })).toBe('rem.float');
  });

  it('a reminder sent before keys were its own (recorded by its place in the list) is not sent again', () => {
    const s = subject({ state: 'resolved', resolvedAtMs: T0 + 40 * MIN, done: new Set(['t0', 'allclear', 'rem0']), paged: [{ person: 'li_qiang', role: 'facilities' }] });
    expect(planEscalation(s, k, severity, T0 + 40 * MIN).due).toEqual([]);
    const reopened = subject({ state: 'resolved', cycle: 1, resolvedAtMs: T0 + 90 * MIN, done: new Set(['t0', 'allclear', 'rem0', 'c1:t0', 'c1:allclear', 'c1:rem0']) });
    expect(planEscalation(reopened, k, severity, T0 + 90 * MIN).due).toEqual([]);
  });

  it('a reminder with `unless` goes when nothing of the cycle fits it, and `unless` names a label kept from events', () => {
    const klass = {
      ...k,
      onResolve: {
        ...k.onResolve,
        reminders: [
          { after: 0, roles: ['facilities'], unless: { discharge: 'deep|shallow' }, note: 'plain' },
          { after: 0, roles: ['facilities'], match: { kind: 'x' }, unless: { site: 'b' }, note: 'x only' },
        ],
      },
    } as typeof k;
    expect(matchLabelNames(klass)).toEqual(expect.arrayContaining(['discharge', 'kind', 'site']));
    const base = subject({ state: 'resolved', resolvedAtMs: T0 + 40 * MIN, done: new Set(['t0']) });
    const notes = (over: Partial<typeof base>) =>
      planEscalation({ ...base, ...over }, klass, severity, T0 + 40 * MIN)
        .due.filter((x) => x.kind === 'reminder')
        .map((x) => x.note);
    expect(notes({ labels: {}, seenLabels: [] })).toEqual(['plain']);
    expect(notes({ labels: {}, seenLabels: [{ discharge: 'shallow' }] })).toEqual([]);
    expect(notes({ labels: { kind: 'x' }, seenLabels: [] })).toEqual(['plain', 'x only']);
    expect(notes({ labels: { kind: 'x' }, seenLabels: [{ site: 'b' }] })).toEqual(['plain']);
  });
});

describe('planEscalation — the other classes', () => {
  it('seat_equipment: level 1 sends a status update every 30 min until resolved', () => {
    const k = klass('seat_equipment');
    const paged = [{ person: 'lin_wei', role: 'shift_lead' }];
    const s = subject({ level: 1, openLevel: 1, done: new Set(['t0']), paged });
    expect(planEscalation(s, k, severity, T0 + 29 * MIN).next).toBe(T0 + 30 * MIN);
    const p = planEscalation(s, k, severity, T0 + 30 * MIN);
    expect(p.updates.map((x) => x.key)).toEqual(['u1.1']);
    expect(p.updates[0]?.to).toEqual(paged);
    const p2 = planEscalation({ ...s, done: new Set(['t0', 'u1.1']) }, k, severity, T0 + 60 * MIN);
    expect(p2.updates.map((x) => x.key)).toEqual(['u1.2']);
    expect(planEscalation({ ...s, state: 'resolved', resolvedAtMs: T0 + 61 * MIN, done: new Set(['t0', 'u1.1', 'u1.2', 'allclear']) }, k, severity, T0 + 90 * MIN).due).toEqual([]);
  });

  it('hvac: shift_lead and supervisor (who calls facilities) at T+0; level 2 unresolved 30 min → level 3', () => {
    const k = klass('hvac');
    const s = subject({ level: 2, openLevel: 2 });
    const p = planEscalation(s, k, severity, T0);
    expect(roles(p.due)).toEqual(['shift_lead', 'supervisor']);
    expect(p.due[1]?.note).toMatch(/facilities/);
    expect(p.next).toBe(T0 + 30 * MIN);
    expect(planEscalation({ ...s, done: new Set(['t0', 't1']) }, k, severity, T0 + 30 * MIN).levelChange).toEqual({ to: 3, reason: 'unresolved 30m at level 2' });
  });

  it('security: fire → supervisor + center_manager, director at T+2m unacknowledged; theft → supervisor, center_manager at T+2m unresolved', () => {
    const k = klass('security');
    const fire = subject({ level: 4, openLevel: 4, labels: { kind: 'fire' } });
    expect(roles(planEscalation(fire, k, severity, T0).due)).toEqual(['supervisor', 'center_manager']);
    expect(roles(planEscalation({ ...fire, done: new Set(['t0']) }, k, severity, T0 + 2 * MIN).due)).toEqual(['director']);
    const unspecified = subject({ level: 4, openLevel: 4 });
    expect(roles(planEscalation(unspecified, k, severity, T0).due)).toEqual(['supervisor', 'center_manager']);
    const theft = subject({ level: 4, openLevel: 4, labels: { kind: 'theft' } });
    expect(roles(planEscalation(theft, k, severity, T0).due)).toEqual(['supervisor']);
    expect(roles(planEscalation({ ...theft, done: new Set(['t2']) }, k, severity, T0 + 2 * MIN).due)).toEqual(['center_manager']);
    // the theft plan does not wait on an acknowledgement: the centre manager is told all the same
    expect(roles(planEscalation({ ...theft, done: new Set(['t2']), state: 'acknowledged', acknowledgedAtMs: T0 + MIN }, k, severity, T0 + 2 * MIN).due)).toEqual(['center_manager']);
    const acked = { ...fire, done: new Set(['t0']), state: 'acknowledged' as const, acknowledgedAtMs: T0 + MIN };
    expect(planEscalation(acked, k, severity, T0 + 2 * MIN).due).toEqual([]);
  });

  it('personal_accident: supervisor; center_manager too when two or more people are involved', () => {
    const k = klass('personal_accident');
    expect(roles(planEscalation(subject({ level: 2, openLevel: 2, labels: { people: '1' } }), k, severity, T0).due)).toEqual(['supervisor']);
    expect(roles(planEscalation(subject({ level: 2, openLevel: 2, labels: { people: '2' } }), k, severity, T0).due)).toEqual(['supervisor', 'center_manager']);
    expect(roles(planEscalation(subject({ level: 2, openLevel: 2, labels: { people: '12' } }), k, severity, T0).due)).toEqual(['supervisor', 'center_manager']);
  });

  it('network_infosys: it_ops at once', () => {
    expect(roles(planEscalation(subject({ level: 2, openLevel: 2 }), klass('network_infosys'), severity, T0).due)).toEqual(['it_ops']);
  });

  it('inbound_surge: tier 1 at once, standby_staff at T+30m, functional_staff + center_manager at T+60m — while uncontrolled', () => {
    const k = klass('inbound_surge');
    const s = subject();
    expect(roles(planEscalation(s, k, severity, T0).due)).toEqual(['shift_lead', 'supervisor']);
    expect(tierRoles(planEscalation({ ...s, done: new Set(['t0']) }, k, severity, T0 + 30 * MIN).due)).toEqual(['standby_staff']);
    expect(tierRoles(planEscalation({ ...s, done: new Set(['t0', 't1']) }, k, severity, T0 + 60 * MIN).due)).toEqual(['functional_staff', 'center_manager']);
    // controlled at T+30m: no tier 2, and the engine looks again later in case the surge returns
    const calm = planEscalation({ ...s, controlled: true, done: new Set(['t0']) }, k, severity, T0 + 30 * MIN, { recheckMs: MIN });
    expect(calm.due).toEqual([]);
    expect(calm.next).toBe(T0 + 31 * MIN);
  });

  it('complaint_escalation, urgent_work_order, abnormal_call: supervisor at once; media: supervisor and center_manager', () => {
    for (const c of ['complaint_escalation', 'urgent_work_order', 'abnormal_call']) {
      expect(roles(planEscalation(subject({ level: 2, openLevel: 2 }), klass(c), severity, T0).due)).toEqual(['supervisor']);
    }
    expect(roles(planEscalation(subject(), klass('media'), severity, T0).due)).toEqual(['supervisor', 'center_manager']);
  });

  it('machine_room: it_ops; director when serious (level 4); report reminder 3 days after the end', () => {
    const k = klass('machine_room');
    expect(roles(planEscalation(subject(), k, severity, T0).due)).toEqual(['it_ops']);
    expect(roles(planEscalation(subject({ level: 4, levelAtMs: T0, openLevel: 4 }), k, severity, T0).due)).toEqual(['it_ops', 'director']);
    const end = T0 + 60 * MIN;
    const s = subject({ state: 'resolved', resolvedAtMs: end, done: new Set(['t0', 'allclear']) });
    const p = planEscalation(s, k, severity, end);
    expect(p.due).toEqual([]);
    expect(p.next).toBe(end + 3 * 86_400_000);
    const due = planEscalation(s, k, severity, end + 3 * 86_400_000);
    expect(due.due.map((x) => [x.kind, x.roles])).toEqual([['report', ['it_ops']]]);
  });
});

describe('planEscalation — how a tier is worded (phase)', () => {
  const phases = (steps: readonly Step[]) => steps.filter((s) => s.kind === 'tier').map((s) => `${s.key}:${s.phase}`);

  it('hvac: the supervisor\'s tier, due at T+0 with the shift lead\'s, is a first page, not an escalation', () => {
    expect(phases(planEscalation(subject({ level: 2, openLevel: 2 }), klass('hvac'), severity, T0).due)).toEqual(['t0:page', 't1:page']);
  });

  it('every tier due at the start pages (line fault, theft, two people hurt, a class opened at the tier\'s level); later tiers escalate', () => {
    expect(phases(planEscalation(subject({ labels: { kind: 'line_fault' } }), klass('power'), severity, T0).due)).toEqual(['t0:page', 't1:page']);
    expect(phases(planEscalation(subject({ level: 5, openLevel: 5 }), klass('power'), severity, T0).due)).toEqual(['t0:page', 't2:page', 't3:page']);
    expect(phases(planEscalation(subject({ level: 4, openLevel: 4, labels: { kind: 'theft' } }), klass('security'), severity, T0).due)).toEqual(['t2:page']);
    expect(phases(planEscalation(subject({ level: 2, openLevel: 2, labels: { people: '2' } }), klass('personal_accident'), severity, T0).due)).toEqual(['t0:page', 't1:page']);
    expect(phases(planEscalation(subject({ level: 4, openLevel: 4 }), klass('machine_room'), severity, T0).due)).toEqual(['t0:page', 't1:page']);
    expect(phases(planEscalation(subject({ done: new Set(['t0']) }), klass('app_network_acd'), severity, T0 + 5 * MIN).due)).toEqual(['t1:escalation']);
    expect(phases(planEscalation(subject({ level: 4, openLevel: 4, labels: { kind: 'theft' }, done: new Set(['t2']) }), klass('security'), severity, T0 + 2 * MIN).due)).toEqual(['t3:escalation']);
  });

  it('a tier reached because the level climbed after the start escalates (the generator call at level 4)', () => {
    const p = planEscalation(subject({ level: 4, openLevel: 3, levelAtMs: T0 + 12 * MIN, done: new Set(['t0']) }), klass('power'), severity, T0 + 12 * MIN);
    expect(phases(p.due)).toEqual(['t2:escalation']);
  });
});

describe('planEscalation — the severity table deadlines', () => {
  it('level 5 (critical): by 10 min after reaching it, its roles no page has reached are told', () => {
    const k = klass('security'); // fire: supervisor and center_manager at once, the director only if unacknowledged at T+2m
    const s = subject({ level: 5, openLevel: 5, done: new Set(['t0', 't1']), state: 'acknowledged', acknowledgedAtMs: T0 + MIN });
    expect(planEscalation(s, k, severity, T0 + 9 * MIN).due).toEqual([]);
    expect(planEscalation(s, k, severity, T0 + 9 * MIN).next).toBe(T0 + 10 * MIN);
    const [w] = planEscalation(s, k, severity, T0 + 10 * MIN).due;
    expect(w).toMatchObject({ key: 'w5', kind: 'circle', roles: ['supervisor', 'it_ops', 'director'], phase: 'escalation', condition: 'unresolved', unpagedOnly: true });
    expect(w?.note).toBe('Level 5 (critical): its roles are told within 10m.');
    // reached by a climb: the deadline runs from the climb
    const climbed = subject({ level: 5, openLevel: 3, levelAtMs: T0 + 2 * 60 * MIN, done: new Set(['t0', 't1', 't2', 't3', 'lv4', 'lv5', 'o3', 'o4']) });
    expect(keys(planEscalation(climbed, klass('app_network_acd'), severity, T0 + 2 * 60 * MIN + 10 * MIN).due)).toEqual(['w5']);
  });

  it('levels 3 and 4: unsolved 30 min at the level, its roles are reminded of the report due', () => {
    const k = klass('network_infosys');
    const paged = [
      { person: 'omar_haddad', role: 'it_ops' },
      { person: 'grace_okafor', role: 'supervisor' },
    ];
    const s = subject({ done: new Set(['t0']), paged });
    expect(planEscalation(s, k, severity, T0 + 29 * MIN).due).toEqual([]);
    const [o] = planEscalation({ ...s, state: 'acknowledged', acknowledgedAtMs: T0 + MIN }, k, severity, T0 + 30 * MIN).due;
    expect(o).toMatchObject({ key: 'o3', kind: 'overdue', roles: ['supervisor', 'it_ops'], phase: 'reminder', condition: 'uncontrolled' });
    expect(o?.note).toBe('Level 3 (major) unsolved for 30m: written report upward.');
    const four = subject({ level: 4, openLevel: 4, done: new Set(['t0']), paged });
    expect(planEscalation(four, k, severity, T0 + 30 * MIN).due.find((x) => x.kind === 'overdue')?.note).toBe('Level 4 (serious) unsolved for 30m: report in person.');
    // solved in time, or the figures back under their thresholds: nothing
    expect(planEscalation({ ...s, controlled: true }, k, severity, T0 + 30 * MIN).due).toEqual([]);
    expect(planEscalation({ ...s, state: 'resolved', resolvedAtMs: T0 + 20 * MIN }, k, severity, T0 + 30 * MIN).due.some((x) => x.kind === 'overdue')).toBe(false);
  });

  it('levels 3 and 4: the reminder goes only to the roles of the level that a page of the incident reached', () => {
    // a call surge pages the shift lead and the supervisor; IT operations were never engaged
    const k = klass('inbound_surge');
    const paged = [
      { person: 'lin_wei', role: 'shift_lead' },
      { person: 'grace_okafor', role: 'supervisor' },
    ];
    const s = subject({ done: new Set(['t0']), paged });
    const o = planEscalation(s, k, severity, T0 + 30 * MIN).due.find((x) => x.kind === 'overdue');
    expect(o).toMatchObject({ key: 'o3', roles: ['supervisor'] });
    // nobody of the level's roles engaged (only the shift lead was paged): no reminder, and no busy look-again
    const alone = subject({ done: new Set(['t0', 't1']), paged: paged.slice(0, 1) });
    const p = planEscalation(alone, k, severity, T0 + 30 * MIN);
    expect(p.due.some((x) => x.kind === 'overdue')).toBe(false);
    expect(p.next).toBe(T0 + 60 * MIN);
    // before it falls due the planner still looks again at its minute
    expect(planEscalation(alone, klass('network_infosys'), severity, T0 + 10 * MIN).next).toBe(T0 + 30 * MIN);
  });
});

describe('planEscalation — climbs counted in business hours only', () => {
  const bh = config.daemon.businessHours; // 08:00-20:00 Asia/Shanghai, every day
  const opts = { recheckMs: MIN, businessHours: bh };
  const night = Date.parse('2026-11-23T22:00:00Z'); // 06:00 in Shanghai
  const k = klass('app_network_acd');

  it('a daytime rule whose minute has come at night waits for the day to begin, and then applies', () => {
    const s = subject({ cycleStartMs: night, levelAtMs: night, done: new Set(['t0', 't1', 't2', 't3']), state: 'acknowledged', acknowledgedAtMs: night + MIN });
    const at0700 = planEscalation(s, k, severity, night + 60 * MIN, opts);
    expect(at0700.levelChange).toEqual({ to: 4, reason: 'unresolved 1h after opening' });
    const four = { ...s, level: 4 as const, levelAtMs: night + 60 * MIN, done: new Set([...s.done, 'lv4']) };
    const at0730 = planEscalation(four, k, severity, night + 90 * MIN, opts);
    expect(at0730.levelChange).toBeUndefined();
    expect(at0730.next).toBe(Date.parse('2026-11-24T00:00:00Z')); // 08:00: the 2-hour daytime rule may apply then
    expect(planEscalation(four, k, severity, Date.parse('2026-11-24T00:00:00Z'), opts).levelChange).toEqual({ to: 5, reason: 'unresolved 2h after opening, in business hours' });
  });

  it('without business hours given, every rule counts at any hour', () => {
    const s = subject({ cycleStartMs: night, levelAtMs: night, done: new Set(['t0', 't1', 't2']) });
    expect(planEscalation(s, k, severity, night + 30 * MIN, { recheckMs: MIN }).levelChange).toEqual({ to: 4, reason: 'unresolved 30m after opening, in business hours' });
  });
});

describe('planEscalation — a drill run faster (TOCSIN_CLOCK_SPEED)', () => {
  it('waits are shortened, but notes and reasons tell the configured durations, so they read (and translate) as live ones do', () => {
    const fast = loadConfig('config', { clockSpeed: 7 });
    const k = fast.playbooks.classes['network_infosys'] as ClassConfig;
    const s = subject({ done: new Set(['t0']), paged: engaged });
    const overdueAt = T0 + Math.ceil((30 * MIN) / 7);
    const [o] = planEscalation({ ...s, state: 'acknowledged', acknowledgedAtMs: T0 + MIN }, k, fast.severity, overdueAt, { recheckMs: MIN, speed: 7 }).due;
    expect(o?.note).toBe('Level 3 (major) unsolved for 30m: written report upward.');
    const five = subject({ level: 5, openLevel: 5, done: new Set(['t0', 't1']), state: 'acknowledged', acknowledgedAtMs: T0 + MIN });
    const w = planEscalation(five, fast.playbooks.classes['security'] as ClassConfig, fast.severity, T0 + Math.ceil((10 * MIN) / 7), { recheckMs: MIN, speed: 7 }).due.find((x) => x.key === 'w5');
    expect(w?.note).toBe('Level 5 (critical): its roles are told within 10m.');
    // without the speed the shortened wait shows
    expect(planEscalation(five, fast.playbooks.classes['security'] as ClassConfig, fast.severity, T0 + 2 * MIN).due.find((x) => x.key === 'w5')?.note).toBe('Level 5 (critical): its roles are told within 86s.');
  });
});

describe('planEscalation — no tier due at the start fits the incident', () => {
  const sec = klass('security');
  /** The fire and theft plans as they once were: an empty kind or exactly "fire", exactly "theft" (a gap between them). */
  const gapped: ClassConfig = {
    ...sec,
    unmatched: undefined,
    tiers: sec.tiers.map((t) => ({ ...t, match: { kind: t.note?.startsWith('Fire') ? '(fire)?' : 'theft' } })),
  };
  const burglary = subject({ level: 4, openLevel: 4, labels: { kind: 'burglary' } });

  it('pages the roles of every tier due at the start, once, as a first page with a note saying why', () => {
    const p = planEscalation(burglary, gapped, severity, T0);
    expect(p.due).toEqual([expect.objectContaining({ key: 'nomatch', kind: 'unmatched', tier: 0, roles: ['supervisor', 'center_manager'], phase: 'page', condition: 'unresolved', note: UNMATCHED_NOTE })]);
    expect(planEscalation({ ...burglary, done: new Set(['nomatch']) }, gapped, severity, T0 + 2 * MIN).due).toEqual([]);
    // acknowledged before it went: it still goes (nobody of the plan was told)
    expect(keys(planEscalation({ ...burglary, state: 'acknowledged', acknowledgedAtMs: T0 }, gapped, severity, T0).due)).toEqual(['nomatch']);
    expect(planEscalation({ ...burglary, state: 'resolved', resolvedAtMs: T0 }, gapped, severity, T0).due.filter((x) => x.kind === 'unmatched')).toEqual([]);
  });

  it("pages the class's `unmatched` roles with its note when it gives them", () => {
    const told = { ...gapped, unmatched: { roles: ['director'], note: 'Nobody knows what this is.' } };
    expect(planEscalation(burglary, told, severity, T0).due).toEqual([expect.objectContaining({ key: 'nomatch', roles: ['director'], note: 'Nobody knows what this is.' })]);
  });

  it('not when a tier due at the start fits, by the labels or by an event of the cycle', () => {
    expect(keys(planEscalation(subject({ level: 4, openLevel: 4, labels: { kind: 'fire' } }), gapped, severity, T0).due)).toEqual(['t0']);
    expect(keys(planEscalation({ ...burglary, seenLabels: [{ kind: 'theft' }] }, gapped, severity, T0).due)).toEqual(['t2']);
  });

  it('a tier waiting for a level the incident opened below is not one of the start', () => {
    const k: ClassConfig = { ...gapped, tiers: [{ ...(gapped.tiers[0] as ClassConfig['tiers'][number]), match: undefined, atLevel: 5 }, ...gapped.tiers.slice(1)] };
    expect(keys(planEscalation(burglary, k, severity, T0).due)).toEqual(['nomatch']);
    expect(keys(planEscalation({ ...burglary, openLevel: 5, level: 5 }, k, severity, T0).due)).toEqual(['t0']);
  });

  it('a reopened incident that still fits nothing pages again, under its cycle', () => {
    expect(keys(planEscalation({ ...burglary, cycle: 1, done: new Set(['nomatch']) }, gapped, severity, T0).due)).toEqual(['c1:nomatch']);
  });

  it('the shipped security plans leave no gap: every kind gets a tier due at the start', () => {
    for (const kind of ['', 'fire', 'Fire', 'smoke', 'burglary', 'THEFT', 'theft\n']) {
      expect(planEscalation(subject({ level: 4, openLevel: 4, labels: { kind } }), sec, severity, T0).due.map((x) => x.kind), kind).toEqual(['tier']);
    }
  });
});

describe('escalation helpers', () => {
  it('conditions', () => {
    expect(conditionHolds('unacknowledged', 'acknowledged', false)).toBe(false);
    expect(conditionHolds('unresolved', 'acknowledged', false)).toBe(true);
    expect(conditionHolds('uncontrolled', 'open', true)).toBe(false);
    expect(conditionHolds('resolved', 'resolved', false)).toBe(true);
  });

  it('label match: whole value, missing label is ""', () => {
    expect(tierMatches({ kind: '(fire)?' }, {})).toBe(true);
    expect(tierMatches({ kind: '(fire)?' }, { kind: 'fireworks' })).toBe(false);
    expect(tierMatches({ kind: 'theft' }, {})).toBe(false);
  });

  it('next applicable tier skips tiers that do not match', () => {
    expect(nextApplicableTier(klass('security'), { labels: { kind: 'fire' }, level: 4 }, 0)).toBe(1);
    expect(nextApplicableTier(klass('security'), { labels: { kind: 'theft' }, level: 4 }, 2)).toBe(3);
    expect(nextApplicableTier(klass('security'), { labels: { kind: 'theft' }, level: 4 }, 3)).toBeUndefined();
  });

  it('a tier brought forward (coverage gap before it) is due at once', () => {
    const s = subject({ done: new Set(['t0']), advanced: new Map([[1, T0 + MIN]]) });
    expect(keys(planEscalation(s, klass('app_network_acd'), severity, T0 + MIN).due)).toEqual(['t1']);
  });

  it('tier repeat and acknowledgement timeout', () => {
    const base = klass('app_network_acd');
    const first = base.tiers[0];
    if (!first) throw new Error('no tier');
    const k: ClassConfig = { ...base, climb: [], tiers: [{ ...first, repeat: { every: 2 * MIN, times: 2 } }], acknowledgeTimeout: 15 * MIN };
    const s = subject({ done: new Set(['t0']) });
    expect(keys(planEscalation(s, k, severity, T0 + 2 * MIN).due)).toEqual(['t0r1']);
    expect(keys(planEscalation({ ...s, done: new Set(['t0', 't0r1']) }, k, severity, T0 + 4 * MIN).due)).toEqual(['t0r2']);
    expect(planEscalation({ ...s, done: new Set(['t0', 't0r1', 't0r2']) }, k, severity, T0 + 9 * MIN).due).toEqual([]);
    const acked = subject({ done: new Set(['t0']), state: 'acknowledged', acknowledgedAtMs: T0 + MIN, paged: [{ person: 'lin_wei', role: 'shift_lead' }] });
    expect(planEscalation(acked, k, severity, T0 + 15 * MIN).due.some((x) => x.kind === 'ack_timeout')).toBe(false);
    const timeout = planEscalation(acked, k, severity, T0 + 16 * MIN).due.find((x) => x.kind === 'ack_timeout');
    expect(timeout?.to).toEqual([{ person: 'lin_wei', role: 'shift_lead' }]);
  });
});

describe('what an incident keeps of the labels it sees', () => {
  it('only the labels its class\'s tiers and reminders match on: power keeps discharge and kind, network_infosys nothing', () => {
    expect(matchLabelNames(klass('power'))).toEqual(['discharge', 'kind']);
    expect(matchLabelNames(klass('network_infosys'))).toEqual([]);
    expect(matchLabelsOf(['kind'], { kind: 'line_fault', device: 'ups1' })).toBe('{"kind":"line_fault"}');
    expect(matchLabelsOf(['kind'], { device: 'ups1' })).toBe('{}');
    expect(matchLabelsOf([], { kind: 'line_fault' })).toBe('');
  });
});
