/** upsmon's notifications that name no UPS: NOPARENT (a member per host) and SHUTDOWN (a notice). Pure. */
import { upsmonMember, UPSMON_DEVICE } from './ups-device.js';
import type { UpsConfig, UpsFinding } from './ups-finding.js';

/** NUT 2.8.0's upsmon notification types; newer NUT adds CAL/NOTCAL, OFF/NOTOFF, BYPASS/NOTBYPASS, ALARM/NOTALARM, OTHER/NOTOTHER… */
export const NUT_NOTIFICATIONS = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'REPLBATT', 'NOCOMM', 'NOPARENT'] as const;

/**
 * upsmon's NOPARENT (it names no UPS): its privileged parent died, so it cannot shut its host down.
 * NUT 2.8.0 repeats it every 2 minutes while upsmon runs so and says nothing when upsmon is
 * restarted, so no report ever clears it: a person resolves the incident after restarting upsmon,
 * and a repeat (upsmon still without its parent) reopens it.
 */
export function noParentFinding(host: string | undefined, cfg: UpsConfig): UpsFinding {
  const where = host ? ` on ${host}` : '';
  return {
    member: upsmonMember(host),
    class: cfg.commLost.class,
    level: cfg.commLost.level,
    status: 'firing',
    kind: 'noparent',
    summary: `upsmon${where} lost its parent process (NOPARENT) - no automatic shutdown is possible. Restart upsmon${where}, then resolve this incident by hand: nothing reports upsmon back (while it is not, NOPARENT comes again every 2 minutes and reopens it)`,
  };
}

/**
 * upsmon's SHUTDOWN: who told it (a notice's `member`) and what it says. upsmon sends it as it shuts
 * down the machine it runs on, so the host ups-notify sends is the machine going down: it names the
 * notice (`upsmon:<host>`, as NOPARENT's member) and the summary (a report that names none is named
 * by the address it came from); with no host at all, "the systems".
 */
export function shutdownNotice(dev: string, host: string | undefined): { by: string; summary: string } {
  const upsmon = dev === UPSMON_DEVICE;
  const by = upsmon ? upsmonMember(host) : `ups:${dev}`;
  const who = upsmon ? `upsmon${host ? ` on ${host}` : ''}` : `UPS ${dev}${host ? ` (upsmon on ${host})` : ''}`;
  return { by, summary: `${who}: automatic shutdown proceeding (SHUTDOWN) - ${host ? `${host} is going down` : 'the systems are going down'}` };
}
