import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { classifyAlert, compileRules } from './classify.js';

const cfg = loadConfig('config');
const am = cfg.sources.alertmanager;
const compiled = compileRules(am);
const levels = Object.fromEntries(Object.entries(cfg.playbooks.classes).map(([k, c]) => [k, c.level]));
const classify = (labels: Record<string, string>) => classifyAlert(labels, am, compiled, levels);

describe('classifyAlert', () => {
  it('a class label naming a known class wins over the rules', () => {
    expect(classify({ alertname: 'UpsOnBattery', class: 'machine_room' })).toMatchObject({ class: 'machine_room', rule: 'label' });
  });
  it('an unknown class label falls through to the rules, and the rule on record says so', () => {
    expect(classify({ alertname: 'UpsOnBattery', class: 'nonsense' })).toMatchObject({ class: 'power', rule: 'ups (class "nonsense" is no class)' });
    expect(classify({ alertname: 'Whatever', class: 'bogus' })).toMatchObject({ class: 'network_infosys', rule: 'default (class "bogus" is no class)' });
  });
  it('rules match whole label values by regular expression, first match wins', () => {
    expect(classify({ alertname: 'UpsOnBattery' }).class).toBe('power');
    expect(classify({ alertname: 'HallTemperatureHigh' }).class).toBe('hvac');
    expect(classify({ alertname: 'ServiceDown', service: 'acd' }).class).toBe('app_network_acd');
    expect(classify({ alertname: 'ServiceDown', service: 'acd-reports' }).class).toBe('network_infosys');
    expect(classify({ alertname: 'InstanceDown', job: 'crm-api' }).class).toBe('app_network_acd');
    expect(classify({ alertname: 'WaterLeakDetected' }).class).toBe('machine_room');
  });
  it('anything else gets the default class', () => {
    expect(classify({ alertname: 'Whatever' })).toMatchObject({ class: 'network_infosys', rule: 'default' });
  });
  it('severity is a level hint: it may raise the class level, never lower it', () => {
    expect(classify({ alertname: 'Whatever', severity: 'critical' }).level).toBe(3);
    expect(classify({ alertname: 'Whatever', severity: 'info' }).level).toBe(2);
    expect(classify({ alertname: 'FireAlarm', severity: 'warning' }).level).toBe(4);
    expect(classify({ alertname: 'Whatever', severity: 'unheard-of' }).level).toBe(2);
  });
});
