/**
 * A lookup table keyed by names that may come from outside: an object without a prototype, so
 * `table.constructor` or `table.__proto__` is simply absent.
 */
export function lookupTable<T>(entries: Iterable<readonly [string, T]>): Readonly<Record<string, T>> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return Object.freeze(out);
}
