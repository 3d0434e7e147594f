import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { collapsesEndingAt } from './acd-closing.js';
import { agentsMemberQueue } from './acd-members.js';
import type { Incident, MemberState } from './incident.js';

const bh = loadConfig('config').daemon.businessHours; // Asia/Shanghai, every day 08:00–20:00
const at = (iso: string) => Date.parse(iso);
const firing: MemberState = { status: 'firing', since: '2026-12-05T11:30:00Z', lastAt: '2026-12-05T11:30:00Z', count: 1, source: 'acd' };
const incident = (members: Record<string, MemberState>, state: Incident['state'] = 'open') => ({ state, site: 'hq', members });

describe('agentsMemberQueue', () => {
  it("names the queue of the site's agents member, nothing else", () => {
    expect(agentsMemberQueue('acd:hq:main:agents', 'hq')).toBe('main');
    expect(agentsMemberQueue('acd:hq:sales:vip:agents', 'hq')).toBe('sales:vip');
    expect(agentsMemberQueue('acd:hq:main:agents', 'bh1')).toBeUndefined();
    expect(agentsMemberQueue('acd:hq:seat:agents', 'hq')).toBeUndefined(); // a seat named "agents"
    expect(agentsMemberQueue('acd:hq:main:surge:calls_waiting', 'hq')).toBeUndefined();
    expect(agentsMemberQueue('am:7f5bef8d1e742f32', 'hq')).toBeUndefined();
  });
});

describe('collapsesEndingAt', () => {
  it('in business hours: none', () => {
    expect(collapsesEndingAt(incident({ 'acd:hq:main:agents': firing }), bh, at('2026-12-05T19:59:00+08:00'))).toEqual([]);
  });
  it('closed (20:00 Shanghai): every agents member still firing; the others stay', () => {
    const open = incident({ 'acd:hq:main:agents': firing, 'acd:hq:sales:agents': { ...firing, status: 'resolved' }, 'am:7f5b': { ...firing, source: 'alertmanager' } });
    expect(collapsesEndingAt(open, bh, at('2026-12-05T20:00:00+08:00'))).toEqual([{ member: 'acd:hq:main:agents', queue: 'main' }]);
  });
  it('none for an incident without an open collapse, or resolved', () => {
    expect(collapsesEndingAt(incident({ 'am:7f5b': firing }), bh, at('2026-12-05T21:00:00+08:00'))).toEqual([]);
    expect(collapsesEndingAt(incident({ 'acd:hq:main:agents': firing }, 'resolved'), bh, at('2026-12-05T21:00:00+08:00'))).toEqual([]);
  });
});
