/**
 * The alert storm: a few hundred distinct Alertmanager alerts, repeated until `total` alerts were
 * sent, cut into bursts and webhook bodies. Half of every burst repeats a hot set of ten flapping
 * alerts; the other half cycles through every distinct alert, so each one (the critical ones too)
 * arrives in every burst, and all but its first arrival are duplicates.
 *
 * The mix, by the shipped config/sources.yaml and playbooks.yaml:
 *  - 20 fire alarms (`class: security`, level 4: critical for throttles and rate limits), one per
 *    building, so 20 incidents;
 *  - 2 UPS-on-battery alerts at dc1 (`power`, a critical class for rate limits; level 3), one incident,
 *    which inhibits the network and ACD pages of dc1;
 *  - 240 node-down alerts over hq, dc1 and dc2 (`network_infosys`, one incident per alert);
 *  - 40 CRM alerts at hq and dc2 (`app_network_acd`, one incident per site);
 *  - 10 hall-temperature alerts at hq (`hvac`, one incident).
 */
import type { AmAlert } from './webhook-sender.js';

export interface StormAlert extends AmAlert {
  readonly class: string;
  /** Critical: never refused by rate limits; level 4 and above also never dropped or folded into non-critical messages. */
  readonly critical: boolean;
}

export interface StormWorkload {
  readonly distinct: readonly StormAlert[];
  /** One array of bodies (alert lists) per burst. */
  readonly bursts: readonly (readonly (readonly StormAlert[])[])[];
  readonly total: number;
}

/** How many incidents these alerts open, by the shipped `group` of each class (network_infosys: one per alert). */
export function expectedIncidents(sent: Iterable<StormAlert>): number {
  const groups = new Set<string>();
  for (const a of sent) groups.add(a.class === 'network_infosys' ? `${a.class}:${a.fingerprint}` : `${a.class}:${a.labels.site ?? ''}`);
  return groups.size;
}

export function stormAlerts(startedAt: number): StormAlert[] {
  const at = (k: number) => new Date(startedAt - 60_000 - k * 1000).toISOString();
  const out: StormAlert[] = [];
  const add = (klass: string, critical: boolean, labels: Record<string, string>, summary: string) => {
    const k = out.length;
    out.push({ class: klass, critical, labels, annotations: { summary }, startsAt: at(k), fingerprint: `storm${k.toString(16).padStart(6, '0')}` });
  };
  for (let i = 0; i < 20; i++) add('security', true, { alertname: 'FireAlarm', class: 'security', site: `bldg${i}`, zone: 'hall', severity: 'critical' }, `Fire alarm, building ${i}`);
  for (let i = 0; i < 2; i++) add('power', true, { alertname: 'UpsOnBattery', site: 'dc1', ups: `ups${i}`, severity: 'critical' }, `UPS ups${i} on battery`);
  const sites = ['hq', 'dc1', 'dc2'];
  for (let i = 0; i < 240; i++) add('network_infosys', false, { alertname: 'NodeDown', site: sites[i % 3] ?? 'hq', instance: `node${i}:9100`, job: 'node', severity: 'warning' }, `Node node${i} down`);
  for (let i = 0; i < 40; i++) add('app_network_acd', false, { alertname: 'CrmLatencyHigh', site: i % 2 ? 'dc2' : 'hq', service: 'crm', instance: `crm${i}`, severity: 'warning' }, `CRM crm${i} slow`);
  for (let i = 0; i < 10; i++) add('hvac', false, { alertname: 'HallTemperatureHigh', site: 'hq', sensor: `t${i}`, severity: 'warning' }, `Hall temperature high (t${i})`);
  return out;
}

export function stormWorkload(total: number, bursts: number, bodySize: number, startedAt = Date.now()): StormWorkload {
  const distinct = stormAlerts(startedAt);
  const hot = distinct.filter((a) => a.class === 'network_infosys').slice(0, 10);
  const at = (k: number): StormAlert => {
    const pick = k % 2 === 0 ? hot[(k / 2) % hot.length] : distinct[((k - 1) / 2) % distinct.length];
    if (!pick) throw new Error('empty storm mix');
    return pick;
  };
  const perBurst = Math.ceil(total / Math.max(1, bursts));
  const out: StormAlert[][][] = [];
  for (let start = 0; start < total; start += perBurst) {
    const end = Math.min(total, start + perBurst);
    const bodies: StormAlert[][] = [];
    for (let b = start; b < end; b += bodySize) {
      const body: StormAlert[] = [];
      for (let k = b; k < Math.min(end, b + bodySize); k++) body.push(at(k));
      bodies.push(body);
    }
    out.push(bodies);
  }
  return { distinct, bursts: out, total };
}
