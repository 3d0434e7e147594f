import { describe, expect, it } from 'vitest';
import { PageReplicaWait } from './page-replica-wait.js';
import type { RedisClient } from './redis.js';

/** A connection whose WAITs answer when the test says, with the number of replicas it says. */
function fakeWaits() {
  const pending: Array<(n: number) => void> = [];
  const client = { call: (cmd: string) => (cmd === 'WAIT' ? new Promise<number>((resolve) => pending.push(resolve)) : Promise.reject(new Error(cmd))) };
  return { client: client as unknown as RedisClient, pending };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PageReplicaWait', () => {
  it('writes made while a WAIT is on the wire share the next one, sent once that one is back', async () => {
    const { client, pending } = fakeWaits();
    const told: string[] = [];
    const w = new PageReplicaWait({ client, replicas: 1, waitMs: 400 }, 10_000, (write) => told.push(write), () => 0);
    const first = w.confirm('claim');
    const others = [w.confirm('claim'), w.confirm('record'), w.confirm('claim')];
    await tick();
    expect(pending).toHaveLength(1);
    pending[0]?.(1);
    await first;
    await tick();
    expect(pending).toHaveLength(2); // one WAIT for the three that came meanwhile
    pending[1]?.(1);
    await Promise.all(others);
    expect(told).toEqual([]);
  });

  it('after a WAIT that found too few replicas, writes go ahead without waiting for the pause, each told, then wait again', async () => {
    const { client, pending } = fakeWaits();
    const told: string[] = [];
    let now = 1_000;
    const w = new PageReplicaWait({ client, replicas: 1, waitMs: 400 }, 10_000, (write, confirmed) => told.push(`${write}:${confirmed}`), () => now);
    const first = w.confirm('claim');
    const queued = w.confirm('record'); // behind it: not sent at all once it comes back short
    await tick();
    pending[0]?.(0);
    await Promise.all([first, queued]);
    expect(pending).toHaveLength(1);
    expect(told).toEqual(['claim:0', 'record:0']);
    now += 9_999;
    await w.confirm('claim');
    expect(pending).toHaveLength(1);
    expect(told).toHaveLength(3);
    now += 1;
    const again = w.confirm('claim');
    await tick();
    expect(pending).toHaveLength(2);
    pending[1]?.(1);
    await again;
    expect(told).toHaveLength(3);
  });
});
