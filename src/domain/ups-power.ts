/**
 * The power member of a UPS (ups:<device>): on battery, start the generator, critical; back on line
 * resolves it after `onlineHold`. Pure.
 */
import { deepDischarge, deepDischargeText } from './ups-discharge.js';
import type { UpsConfig, UpsFinding } from './ups-finding.js';
import { isStaleFsd } from './ups-stale-fsd.js';
import type { UpsReadings } from './ups-status.js';

type PowerCondition = 'on_battery' | 'generator' | 'critical';

function minutes(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/** The power member: on battery, start the generator, critical; or back on line. */
export function powerFinding(dev: string, r: UpsReadings, note: string, cfg: UpsConfig): UpsFinding | undefined {
  const member = `ups:${dev}`;
  const reasons: { condition: PowerCondition; level: number; text: string; cause: string }[] = [];
  let online = false;
  // how deep this outage has discharged the battery: the float time after it depends on it
  let deep: string | undefined;
  const crit = (cause: string, text: string) => reasons.push({ condition: 'critical', level: cfg.critical.level, text, cause });

  if (r.status) {
    const f = r.status.flags;
    const ob = f.has('OB');
    const onPurpose = f.has('CAL'); // runtime calibration: on battery on purpose
    const fsd = f.has('FSD') && !isStaleFsd(r, cfg);
    if (fsd) crit('fsd', 'forced shutdown in progress (FSD)');
    if (ob && f.has('LB')) crit('lb', 'battery low (LB)');
    if (ob && !onPurpose) {
      reasons.push({ condition: 'on_battery', level: cfg.onBattery.level, text: 'on battery', cause: 'ob' });
      if (r.charge !== undefined && r.charge < cfg.generator.chargeBelow) {
        reasons.push({ condition: 'generator', level: cfg.generator.level, text: `charge ${r.charge}% below ${cfg.generator.chargeBelow}% - start the generator`, cause: 'charge' });
      }
      if (r.runtime !== undefined && r.runtime * 1000 < cfg.critical.generatorStartTime) {
        crit('runtime', `runtime ${minutes(r.runtime)} shorter than the generator start time (${minutes(cfg.critical.generatorStartTime / 1000)})`);
      }
      deep = deepDischarge(r.charge, f.has('LB'), cfg);
    }
    online = f.has('OL') && !ob && !fsd;
  } else {
    switch (note) {
      case 'ONBATT':
        reasons.push({ condition: 'on_battery', level: cfg.onBattery.level, text: 'on battery', cause: 'ob' });
        break;
      case 'LOWBATT':
        crit('lb', 'battery low (LOWBATT)');
        deep = 'battery low';
        break;
      case 'FSD':
        crit('fsd', 'forced shutdown in progress (FSD)');
        break;
      case 'ONLINE':
        online = true;
        break;
      default:
        break;
    }
  }

  if (reasons.length === 0) {
    return online ? { member, class: cfg.onBattery.class, level: cfg.onBattery.level, status: 'resolved', kind: 'online', summary: `UPS ${dev} back on line power`, holdMs: cfg.onlineHold } : undefined;
  }
  // The highest level decides; on a tie the more serious condition names it.
  const rank: Record<PowerCondition, number> = { on_battery: 0, generator: 1, critical: 2 };
  const top = reasons.reduce((a, b) => (b.level > a.level || (b.level === a.level && rank[b.condition] > rank[a.condition]) ? b : a));
  const causes = [...new Set(reasons.filter((x) => x.condition === top.condition).map((x) => x.cause))].sort();
  // a deep discharge is news once (its label decides the float reminder), then part of every report
  const cause = [...causes, ...(deep ? ['deep'] : [])].join('+');
  const texts = [...reasons.map((x) => x.text), ...(deep ? [deepDischargeText(deep)] : [])];
  return { member, class: cfg.onBattery.class, level: top.level, status: 'firing', kind: top.condition, cause, summary: `UPS ${dev} ${texts.join('; ')}`, labels: deep ? { discharge: 'deep' } : undefined };
}
