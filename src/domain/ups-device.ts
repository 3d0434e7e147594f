/** Who a UPS report is from: the device it names, upsmon speaking for none, the poller or upsmon. Pure. */

/** The device a notification that names no UPS comes from (upsmon's SHUTDOWN: its UPSNAME is empty). */
export const UPSMON_DEVICE = 'upsmon';

/** upsmon's UPSNAME is the whole MONITOR string (`ups1@127.0.0.1:13493`); the device is the part before `@`. */
export function upsDeviceId(name: string): string {
  const d = name.trim().split('@')[0] ?? '';
  return d === '' ? UPSMON_DEVICE : d;
}

/** A report from a UPS, not from upsmon speaking for none (only a UPS's reports are its poller's heartbeat). */
export function isUpsDevice(name: string): boolean {
  return upsDeviceId(name) !== UPSMON_DEVICE;
}

/** Who made a report: `ups-poll` (its polls and COMMBAD/COMMOK) or `upsmon` (a notification through `ups-notify`). */
export const UPS_REPORTERS = ['ups-poll', 'upsmon'] as const;

/**
 * Whether a report is a beat of the UPS poller's heartbeat: one `ups-poll` made, or (a poller of
 * its own that does not say who it is) one carrying variables. upsmon notifies only on changes, so
 * its notifications neither start nor keep a poller's watch.
 */
export function isPollerReport(report: { readonly device: string; readonly reporter?: string | undefined; readonly vars?: unknown }): boolean {
  if (!isUpsDevice(report.device)) return false;
  if (report.reporter !== undefined) return report.reporter === 'ups-poll';
  return report.vars !== undefined && report.vars !== null;
}

/** The member of upsmon's NOPARENT, and who a SHUTDOWN is by: one per host upsmon runs on (`upsmon:<host>`; named by the address it came from when the report names none; `upsmon` when neither is known). */
export function upsmonMember(host: string | undefined): string {
  return host ? `${UPSMON_DEVICE}:${host}` : UPSMON_DEVICE;
}
