import { describe, expect, it } from 'vitest';
import { nestsWithin } from './json-depth.js';

const nested = (n: number): unknown => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`);

describe('nestsWithin', () => {
  it('counts arrays and objects, not scalars', () => {
    expect(nestsWithin(1, 0)).toBe(true);
    expect(nestsWithin({ a: 1 }, 1)).toBe(true);
    expect(nestsWithin({ a: { b: [1] } }, 2)).toBe(false);
    expect(nestsWithin({ a: { b: [1] } }, 3)).toBe(true);
    expect(nestsWithin(nested(32), 32)).toBe(true);
    expect(nestsWithin(nested(33), 32)).toBe(false);
  });
  it('looks at a value nested 100 000 deep without exhausting the stack', () => {
    expect(nestsWithin(nested(100_000), 32)).toBe(false);
  });
});
