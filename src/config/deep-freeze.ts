/**
 * Freezes a parsed config and everything in it, so nothing downstream can change what was
 * validated. Its plain objects also lose their prototype: a name that arrives from outside (an
 * alert's `class` label, a severity, a person in an override) looked up in one of them finds only
 * what the file defines, never `constructor`, `toString` or `__proto__`.
 */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    if (Object.getPrototypeOf(o) === Object.prototype) Object.setPrototypeOf(o, null);
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
