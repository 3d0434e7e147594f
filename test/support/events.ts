/** A normalized event for store tests: a UPS on battery at hq, as Alertmanager reports it; override what matters. */
import type { NormalizedEvent } from '../../src/domain/event.js';

export function upsEvent(at: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    source: 'alertmanager',
    class: 'power',
    site: 'hq',
    level: 3,
    status: 'firing',
    member: 'am:aaaa',
    eventKey: 'aaaa:2026-11-23T10:00:00Z:firing',
    groupHint: 'aaaa',
    summary: 'UPS ups1 on battery',
    at,
    labels: { alertname: 'UpsOnBattery' },
    details: { seats: [] },
    drill: false,
    ...over,
  };
}
