import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { StoredNotification } from '../domain/escalation-ports.js';
import type { Incident } from '../domain/incident.js';
import { bundleOf, throttleLimits, throttleMemoryMs, type CarriedPage } from './throttle-pages.js';

const inc = (id: string) => ({ id }) as Incident;
const carried = (id: string, n: string): CarriedPage => ({ incidentId: id, notificationId: n, incident: inc(id), record: {} as StoredNotification });

describe('throttleLimits', () => {
  it('takes every number from the shipped config, and runs the windows faster with the clock speed', () => {
    const cfg = loadConfig('config').daemon.throttle;
    const limits = throttleLimits(cfg);
    expect(limits.channels.voice).toEqual({
      minGapMs: cfg.perChannel.voice.minGap,
      windows: [
        { name: 'per_15m', spanMs: 15 * 60_000, max: cfg.perChannel.voice.per15m },
        { name: 'per_hour', spanMs: 60 * 60_000, max: cfg.perChannel.voice.perHour },
      ],
    });
    expect(limits.dailyCap).toEqual({ name: 'daily_cap', spanMs: 24 * 60 * 60_000, max: cfg.dailyCap });
    expect(limits.criticalLevel).toBe(4);
    expect(limits.promptLevel).toBe(3);
    expect(throttleMemoryMs(limits)).toBe(24 * 60 * 60_000);

    const fast = throttleLimits(loadConfig('config', { clockSpeed: 60 }).daemon.throttle, 60);
    expect(fast.channels.sms?.windows[0]?.spanMs).toBe(15_000);
    expect(fast.channels.sms?.minGapMs).toBe(1_000);
    expect(fast.bundleWindowMs).toBe(2_000);
  });
});

describe('bundleOf', () => {
  it('lists each other incident once and leaves out the message\'s own', () => {
    expect(bundleOf(inc('a'), [])).toBeUndefined();
    expect(bundleOf(inc('a'), [carried('a', 'n1')])).toBeUndefined();
    expect(bundleOf(inc('a'), [carried('b', 'n1'), carried('a', 'n2'), carried('b', 'n3'), carried('c', 'n4')])?.map((i) => i.id)).toEqual(['b', 'c']);
  });
});
