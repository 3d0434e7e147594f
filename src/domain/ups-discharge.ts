/** How deep an outage discharged the battery: the float time after it depends on it. Pure. */
import type { UpsConfig } from './ups-finding.js';

/**
 * Percent of the battery used (100 − charge). On battery, from `deepDischarge.depthAtLeast` on, the
 * outage is a deep discharge: the power incident is labelled discharge=deep, which the playbook's
 * longer-float reminder matches.
 */
export function dischargeDepth(charge: number | undefined): number | undefined {
  return charge === undefined ? undefined : Math.max(0, Math.min(100, 100 - charge));
}

/**
 * On battery, why the outage is a deep discharge (`battery 55% discharged`, `battery low`), or
 * undefined when it is not: at least `deepDischarge.depthAtLeast` used, or low battery.
 */
export function deepDischarge(charge: number | undefined, lowBattery: boolean, cfg: UpsConfig): string | undefined {
  const depth = dischargeDepth(charge);
  if (depth !== undefined && depth >= cfg.deepDischarge.depthAtLeast) return `battery ${depth}% discharged`;
  return lowBattery ? 'battery low' : undefined;
}

/** What the power member says of a deep discharge. */
export function deepDischargeText(why: string): string {
  return `deep discharge (${why}): float it longer after mains returns`;
}
