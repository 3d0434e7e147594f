/** How deep a parsed JSON value nests, looked at without recursion (a hostile body cannot blow the stack here). */

/** True when `v` nests at most `max` arrays or objects deep. */
export function nestsWithin(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (x === null || typeof x !== 'object') continue;
    if (depth + 1 > max) return false;
    for (const child of Object.values(x)) stack.push([child, depth + 1]);
  }
  return true;
}
