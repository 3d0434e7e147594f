import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/domain/event.js';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

describe('complaint_escalation', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('complaint_escalation: supervisor paged at once', async () => {
    const id = await s.open({ class: 'complaint_escalation', level: 2 });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('complaint_escalation: the record must be closed by a person — a clear source does not close it, a person does', async () => {
    const id = await s.open({ class: 'complaint_escalation', level: 2 });
    await s.at(0);
    const inc = await s.incident(id);
    const member = Object.keys(inc.members)[0] ?? '';
    const clear: NormalizedEvent = { source: 'api', class: 'complaint_escalation', site: 'hq', level: 2, status: 'resolved', member, eventKey: member + ':clear', groupHint: '', summary: 'clear', at: s.t0 + MIN, labels: {}, details: {}, drill: false };
    s.app.clock.set(s.t0 + MIN);
    await s.app.container.ingest.ingest([clear]);
    await s.at(MIN);
    expect((await s.incident(id)).state).not.toBe('resolved');
    expect((await s.pages(id)).some((p) => p.phase === 'all_clear')).toBe(false);
    await s.resolve(id, 'grace_okafor');
    expect((await s.pages(id)).filter((p) => p.phase === 'all_clear').map((p) => p.role)).toEqual(['supervisor']);
  });
});
