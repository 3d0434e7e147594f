import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { startScheduler } from './scheduler.js';

describe('startScheduler', () => {
  it('drives the tick and the auditor with the clock’s time, never overlapping a run, and stops', async () => {
    const clock = new ManualClock(1_000);
    let ticks = 0;
    let audits = 0;
    let running = 0;
    let overlapped = false;
    const seen: number[] = [];
    const engine = {
      async tick(now: number) {
        running++;
        if (running > 1) overlapped = true;
        seen.push(now);
        await new Promise((r) => setTimeout(r, 15));
        ticks++;
        running--;
      },
      async audit() {
        audits++;
      },
    };
    const s = startScheduler({ engine, clock, tickMs: 5, auditMs: 20, logger: pino({ level: 'silent' }) });
    for (let i = 0; i < 200 && (ticks < 3 || audits < 2); i++) await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    const after = ticks;
    await new Promise((r) => setTimeout(r, 60));
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect(audits).toBeGreaterThanOrEqual(2);
    expect(overlapped).toBe(false);
    expect(seen.every((t) => t === 1_000)).toBe(true);
    expect(ticks).toBe(after);
  });

  it('keeps ticking after a failed run', async () => {
    let calls = 0;
    const engine = {
      async tick() {
        calls++;
        if (calls === 1) throw new Error('redis down');
      },
      async audit() {},
    };
    const s = startScheduler({ engine, clock: new ManualClock(), tickMs: 5, auditMs: 1_000, logger: pino({ level: 'silent' }) });
    for (let i = 0; i < 100 && calls < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('wakes when the engine says the next step is due, sooner than the regular tick', async () => {
    const clock = new ManualClock(1_000);
    const at: number[] = [];
    const engine = {
      async tick(now: number) {
        at.push(performance.now());
        // the next step is due 60 ms from now on the engine's clock, which stands still here
        return { nextDueAt: now + 60 };
      },
      async audit() {},
    };
    const s = startScheduler({ engine, clock, tickMs: 5_000, auditMs: 60_000, logger: pino({ level: 'silent' }) });
    for (let i = 0; i < 300 && at.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    expect(at.length).toBeGreaterThanOrEqual(3); // with a 5 s tick only the first would have run
    const gap = (at[2] ?? 0) - (at[1] ?? 0);
    expect(gap).toBeGreaterThanOrEqual(55);
    expect(gap).toBeLessThan(1_000);
  });
});
