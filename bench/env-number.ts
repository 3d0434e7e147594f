/** A positive number from a BENCH_* variable; the fallback when it is unset, empty or not positive. */
export function envNumber(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}
