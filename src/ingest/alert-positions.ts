/**
 * Where the alerts of an Alertmanager body stood in the body as sent, once some were taken out of it
 * (the Watchdog, a heartbeat): an alert refused later is named by its place in what the sender sent.
 * Kept beside the body object itself, so the hot path and express carry it alike.
 */
const positions = new WeakMap<object, readonly number[]>();

/** `body` holds what was left of a body: its i-th alert stood at `at[i]` in the body as sent. */
export function keepAlertPositions(body: object, at: readonly number[]): void {
  positions.set(body, at);
}

/** The places noted for `body`, if some of its alerts were taken out; undefined: its indices are its places. */
export function alertPositionsOf(body: unknown): readonly number[] | undefined {
  return typeof body === 'object' && body !== null ? positions.get(body) : undefined;
}
