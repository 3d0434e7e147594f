import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startScenario, who, type Scenario } from './scenario.js';

describe('media', () => {
  let s: Scenario;
  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  it('media: supervisor and center_manager paged at once', async () => {
    const id = await s.open({ class: 'media', summary: 'journalist calling about the outage' });
    await s.at(0);
    expect(who(await s.pages(id))).toEqual([`center_manager/${await s.onDuty('center_manager')}/voice`, `supervisor/${await s.onDuty('supervisor')}/voice`]);
  });
});
