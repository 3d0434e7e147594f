import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/domain/event.js';
import { MIN, startScenario, who, type Scenario } from './scenario.js';

/** The three classes a supervisor handles alone (playbooks.yaml): paged at once, closed only by a person. */
describe.each(['abnormal_call', 'complaint_escalation', 'urgent_work_order'])('%s', (klass) => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('supervisor paged at once', async () => {
    const id = await s.open({ class: klass, level: 2 });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`supervisor/${await s.onDuty('supervisor')}/voice`]);
  });

  it('the record must be closed by a person — a clear source does not close it, a person does', async () => {
    const id = await s.open({ class: klass, level: 2 });
    await s.at(0);
    const inc = await s.incident(id);
    const member = Object.keys(inc.members)[0] ?? '';
    const clear: NormalizedEvent = { source: 'api', class: klass, site: 'hq', level: 2, status: 'resolved', member, eventKey: member + ':clear', groupHint: '', summary: 'clear', at: s.t0 + MIN, labels: {}, details: {}, drill: false };
    s.app.clock.set(s.t0 + MIN);
    await s.app.container.ingest.ingest([clear]);
    await s.at(MIN);
    expect((await s.incident(id)).state).not.toBe('resolved');
    expect((await s.pages(id)).some((p) => p.phase === 'all_clear')).toBe(false);
    await s.resolve(id, 'grace_okafor');
    expect((await s.pages(id)).filter((p) => p.phase === 'all_clear').map((p) => p.role)).toEqual(['supervisor']);
  });
});
