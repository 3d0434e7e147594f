import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A call that answers only when the test says so, recording what each call carried. */
function gate() {
  const calls: { items: readonly number[]; answer: (fail?: Error) => void }[] = [];
  const call = (items: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, answer: (fail) => (fail ? reject(fail) : resolve(items.map((n) => `r${n}`))) });
    });
  return { calls, call };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('sends a lone submission at once, and groups what arrives while calls are in flight', async () => {
    const g = gate();
    const gc = new GroupCommit(g.call, { maxInFlight: 1, maxBatch: 10 });
    const a = gc.submit([1]);
    expect(g.calls.map((c) => c.items)).toEqual([[1]]);
    const b = gc.submit([2, 3]);
    const c = gc.submit([4]);
    expect(g.calls).toHaveLength(1); // waiting for the call on the wire
    g.calls[0]!.answer();
    expect(await a).toEqual(['r1']);
    await tick();
    expect(g.calls[1]!.items).toEqual([2, 3, 4]);
    g.calls[1]!.answer();
    expect(await b).toEqual(['r2', 'r3']);
    expect(await c).toEqual(['r4']);
  });

  it('keeps batches within maxBatch and splits a submission larger than it, results in order', async () => {
    const g = gate();
    const gc = new GroupCommit(g.call, { maxInFlight: 8, maxBatch: 3 });
    const big = gc.submit([1, 2, 3, 4, 5, 6, 7]);
    expect(g.calls.map((c) => c.items)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    for (const c of g.calls.reverse()) c.answer();
    expect(await big).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
  });

  it('a failed call fails every submission it carried, and only those', async () => {
    const g = gate();
    const gc = new GroupCommit(g.call, { maxInFlight: 1, maxBatch: 10 });
    const a = gc.submit([1]);
    const b = gc.submit([2]);
    const c = gc.submit([3]);
    g.calls[0]!.answer();
    await a;
    await tick();
    g.calls[1]!.answer(new Error('redis down'));
    await expect(b).rejects.toThrow('redis down');
    await expect(c).rejects.toThrow('redis down');
    const d = gc.submit([4]);
    g.calls[2]!.answer();
    expect(await d).toEqual(['r4']);
  });

  it('never has more than maxInFlight calls on the wire', async () => {
    const g = gate();
    const gc = new GroupCommit(g.call, { maxInFlight: 2, maxBatch: 1 });
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => gc.submit([n])));
    expect(g.calls).toHaveLength(2);
    for (let i = 0; i < 5; i++) {
      g.calls[i]!.answer();
      await tick();
      expect(g.calls.length - (i + 1)).toBeLessThanOrEqual(2);
    }
    expect((await all).flat()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });
});
