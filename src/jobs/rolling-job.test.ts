import schedule from 'node-schedule';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { startRollingJob } from './rolling-job.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent = pino({ level: 'silent' });

afterEach(() => {
  vi.restoreAllMocks();
});

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

  it('starts no run once stopped, even one node-schedule sets off as it is cancelled', async () => {
    // node-schedule hands the job over, and its timer goes off after stop() cancelled it
    const fired: (() => void)[] = [];
    vi.spyOn(schedule, 'scheduleJob').mockImplementation(((_at: Date, fn: () => void) => {
      fired.push(fn);
      return { cancel: () => true };
    }) as unknown as typeof schedule.scheduleJob);
    let runs = 0;
    const job = startRollingJob({ name: 'test-job', clock: new ManualClock(), everyMs: 5, logger: silent, run: async () => void runs++ });
    await job.stop();
    expect(fired).toHaveLength(1);
    for (const f of fired) f();
    await sleep(20);
    expect(runs).toBe(0);
  });

  it('runs first after firstMs, and sooner than everyMs when a run asks, but never in a tight loop', async () => {
    const at: number[] = [];
    let wantMs: number | undefined = 50;
    const started = performance.now();
    const job = startRollingJob({
      name: 'test-job',
      clock: new ManualClock(),
      everyMs: 5_000,
      firstMs: 0,
      logger: silent,
      run: async () => void at.push(performance.now() - started),
      sooner: () => wantMs,
    });
    for (let i = 0; i < 300 && at.length < 3; i++) await sleep(10);
    expect(at.length).toBeGreaterThanOrEqual(3); // every 5 s, only the first would have run
    expect(at[0]).toBeLessThan(1_000);
    const gap = (at[2] ?? 0) - (at[1] ?? 0);
    expect(gap).toBeGreaterThanOrEqual(45);
    expect(gap).toBeLessThan(1_000);
    // "at once" (or overdue): back soon, not at once
    wantMs = -1_000;
    const before = at.length;
    await sleep(200);
    wantMs = undefined;
    await job.stop();
    expect(at.length - before).toBeGreaterThanOrEqual(2);
    expect(at.length - before).toBeLessThanOrEqual(11);
  });
});
