/**
 * A periodic job run by one replica per round: a round is `everyMs` of real time (the job's cadence;
 * TOCSIN_CLOCK_SPEED shortens waits and never speeds the clock up), claimed until it ends. Shorter, a
 * replica could take the round again; the key names the round, so longer would only keep a stale key.
 * A run that outlasts its round finds its claim gone, and leaves the next round's alone.
 */
import type { OnceClaims } from '../domain/ports.js';

/** Runs `run` when this replica wins the round of `now`; `skipped` when another has it. */
export async function inClaimedRound<T>(rounds: OnceClaims, everyMs: number, now: number, run: () => Promise<T>, skipped: T): Promise<T> {
  const index = Math.floor(now / everyMs);
  const round = String(index);
  const left = (index + 1) * everyMs - now;
  const started = performance.now();
  const token = await rounds.take(round, left);
  if (token === undefined) return skipped;
  try {
    const result = await run();
    await rounds.done(round, token, left - (performance.now() - started));
    return result;
  } catch (e) {
    await rounds.release(round, token).catch(() => undefined);
    throw e;
  }
}
