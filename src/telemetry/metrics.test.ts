import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

/** The upper bound of the lowest bucket holding the one observation (Infinity: past every finite bucket). */
async function bucketOf(h: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number; metricName?: string }[] }> }): Promise<number> {
  const buckets = (await h.get()).values.filter((v) => v.metricName?.endsWith('_bucket') && v.value > 0);
  return Math.min(...buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le))));
}

describe('histogram buckets', () => {
  it('tell a page a throttle held for 2.5 minutes from one held for 10', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.deliveryLatency.observe({ channel: 'voice' }, 150);
    expect(await bucketOf(m.deliveryLatency)).toBe(180);
    m.deliveryLatency.reset();
    m.deliveryLatency.observe({ channel: 'voice' }, 600);
    expect(await bucketOf(m.deliveryLatency)).toBe(600);
  });

  it('tell an escalation step a stalled engine ran 2 minutes late from one 5 minutes late', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.escalationLateness.observe(90);
    expect(await bucketOf(m.escalationLateness)).toBe(120);
    m.escalationLateness.reset();
    m.escalationLateness.observe(290);
    expect(await bucketOf(m.escalationLateness)).toBe(300);
  });
});
