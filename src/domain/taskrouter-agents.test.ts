import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { evaluateAcd } from './acd.js';
import { agentsLoggedIn, queueAgentsInput, staffedQueue, type TaskQueueWorkers } from './taskrouter-agents.js';

const config = loadConfig('config');
const cfg = { ...config.sources.taskrouter, sites: { WS1: 'hq' } };
const workers = (eligible: number | undefined, activities: Record<string, number>, available?: number): TaskQueueWorkers => ({
  eligible,
  available,
  activities: Object.entries(activities).map(([name, n]) => ({ name, workers: n })),
});

describe('agentsLoggedIn', () => {
  it('is the eligible workers in no offline activity (any case)', () => {
    expect(agentsLoggedIn(workers(20, { Offline: 18, Available: 1, Busy: 1 }), ['Offline'])).toBe(2);
    expect(agentsLoggedIn(workers(20, { offline: 5, Available: 15 }), ['Offline'])).toBe(15);
    expect(agentsLoggedIn(workers(20, { Offline: 10, 'On leave': 6, Available: 4 }), ['Offline', 'on leave'])).toBe(4);
  });
  it('every worker offline is none; more offline than eligible is never negative', () => {
    expect(agentsLoggedIn(workers(12, { Offline: 12, Available: 0 }), ['Offline'])).toBe(0);
    expect(agentsLoggedIn(workers(3, { Offline: 5 }), ['Offline'])).toBe(0);
  });
  it('without total_eligible_workers, counts the workers of the other activities', () => {
    expect(agentsLoggedIn(workers(undefined, { Offline: 9, Available: 3, Busy: 4 }), ['Offline'])).toBe(7);
  });
});

describe('staffedQueue', () => {
  it('a queue with fewer eligible workers than the floor is not judged', () => {
    expect(staffedQueue(workers(4, { Offline: 4 }), 5)).toBe(false);
    expect(staffedQueue(workers(5, { Offline: 5 }), 5)).toBe(true);
    expect(staffedQueue(workers(undefined, { Offline: 5 }), 5)).toBe(true);
  });
});

describe('queueAgentsInput: judged by the ACD agents check', () => {
  const noon = Date.parse('2026-11-23T12:00:00+08:00');
  const night = Date.parse('2026-11-23T22:00:00+08:00');
  const queue = { sid: 'WQ1', name: 'Sales' };
  it("opens the ACD's agents collapse (same member, class and key) in business hours", () => {
    const input = queueAgentsInput('WS1', queue, workers(20, { Offline: 18, Available: 2 }, 2), cfg, noon);
    expect(input).toMatchObject({ site: 'hq', queue: 'Sales', at: noon, source: 'taskrouter', metrics: { agents_logged_in: 2, agents_available: 2 } });
    const [e, ...more] = evaluateAcd(input, config.sources.acd, config.daemon.businessHours, noon);
    expect(more).toEqual([]);
    const acd = evaluateAcd({ site: 'hq', queue: 'Sales', at: noon, metrics: { agents_logged_in: 2 } }, config.sources.acd, config.daemon.businessHours, noon)[0];
    expect(e).toMatchObject({ class: 'app_network_acd', status: 'firing', member: 'acd:hq:Sales:agents', eventKey: 'acd:hq:Sales:agents:collapse', source: 'taskrouter' });
    expect(e?.eventKey).toBe(acd?.eventKey);
    expect(e?.class).toBe(acd?.class);
  });
  it('after hours the same figure is the centre closed; an unmapped workspace is the default site; a nameless queue its SID', () => {
    const [e] = evaluateAcd(queueAgentsInput('WS1', queue, workers(20, { Offline: 20 }), cfg, night), config.sources.acd, config.daemon.businessHours, night);
    expect(e).toMatchObject({ status: 'resolved', eventKey: 'acd:hq:Sales:agents:closed' });
    expect(queueAgentsInput('WS9', { sid: 'WQ2', name: '' }, workers(20, {}), cfg, noon)).toMatchObject({ site: 'default', queue: 'WQ2' });
  });
});
