/** FSD that upsd keeps reporting after a forced shutdown is over (see isStaleFsd). Pure. */
import type { UpsConfig } from './ups-finding.js';
import type { UpsReadings } from './ups-status.js';

/**
 * FSD left in ups.status after a forced shutdown: upsd sets it when a primary upsmon asks and clears
 * it only when upsd restarts (NUT 2.8.0: not when mains returns, nor when the driver restarts or upsd
 * reloads). On line, not on battery, with at least `staleFsd.chargeAtLeast` charge, the shutdown is
 * over and the power is fine; the flag is a leftover that makes any upsmon starting now shut its host
 * down. Unknown charge: not known to be over.
 */
export function isStaleFsd(r: UpsReadings, cfg: UpsConfig): boolean {
  const f = r.status?.flags;
  if (!f?.has('FSD') || !f.has('OL') || f.has('OB')) return false;
  return r.charge !== undefined && r.charge >= cfg.staleFsd.chargeAtLeast;
}

/** What the member ups:<device>:fsd says while the leftover flag is set (after `UPS <device> `). */
export function staleFsdText(r: UpsReadings): string {
  return `on line power (charge ${r.charge ?? '?'}%) but upsd still reports FSD - the forced shutdown is over; restart upsd to clear the flag (until then any upsmon that starts shuts its host down)`;
}
