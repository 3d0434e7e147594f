import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { startRollingJob } from './rolling-job.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startRollingJob', () => {
  it('runs with the clock’s time every everyMs, never overlapping, goes on after a failed run, and stops', async () => {
    const clock = new ManualClock(7_000);
    const seen: number[] = [];
    let running = 0;
    let overlapped = false;
    const failures: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void failures.push(JSON.parse(line)) });
    const job = startRollingJob({
      name: 'test-job',
      clock,
      everyMs: 5,
      logger,
      async run(now) {
        running++;
        if (running > 1) overlapped = true;
        seen.push(now);
        await sleep(10);
        running--;
        if (seen.length === 1) throw new Error('first run fails');
      },
    });
    for (let i = 0; i < 200 && seen.length < 3; i++) await sleep(10);
    await job.stop();
    const after = seen.length;
    await sleep(50);
    expect(after).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBe(after);
    expect(seen.every((t) => t === 7_000)).toBe(true);
    expect(overlapped).toBe(false);
    expect(failures).toEqual([expect.objectContaining({ job: 'test-job', msg: 'scheduled job failed' })]);
  });
});
