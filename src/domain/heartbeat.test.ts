import { describe, expect, it } from 'vitest';
import { formatSilence, heartbeatMember, heartbeatSite, hoursEndedEvent, parseHeartbeatMember, silenceEvent } from './heartbeat.js';

describe('heartbeat', () => {
  it('members round-trip, keys may hold colons and slashes', () => {
    const b = { source: 'ups', key: 'hq/ups1:a' } as const;
    expect(heartbeatMember(b)).toBe('heartbeat:ups:hq/ups1:a');
    expect(parseHeartbeatMember(heartbeatMember(b))).toEqual(b);
    expect(parseHeartbeatMember('heartbeat:nope:x')).toBeUndefined();
    expect(parseHeartbeatMember('ups:ups1')).toBeUndefined();
  });

  it('formats silences the way the config writes durations', () => {
    expect(formatSilence(10 * 60_000)).toBe('10m');
    expect(formatSilence(90 * 60_000)).toBe('1h30m');
    expect(formatSilence(45_000)).toBe('45s');
    expect(formatSilence(0)).toBe('0s');
  });

  it('the site is the Alertmanager key, or the part before the slash', () => {
    expect(heartbeatSite({ source: 'alertmanager', key: 'hq/x' })).toBe('hq/x');
    expect(heartbeatSite({ source: 'acd', key: 'hq/main' })).toBe('hq');
  });

  it('a silence is one event per silent stretch (the event key names when it was last seen)', () => {
    const inc = { class: 'network_infosys', level: 2, alertname: 'Watchdog' } as const;
    const e = silenceEvent({ source: 'alertmanager', key: 'hq' }, 1_000, 600_000, 601_000, inc);
    expect(e).toMatchObject({ source: 'heartbeat', status: 'firing', member: 'heartbeat:alertmanager:hq', site: 'hq', summary: 'Alertmanager Watchdog silent for 10m (hq)', eventKey: 'heartbeat:alertmanager:hq:silent:1000' });
  });

  it('a source of business hours: silent since the opening, and the silence ended when they end', () => {
    const inc = { class: 'network_infosys', level: 2, alertname: 'Watchdog' } as const;
    const b = { source: 'acd', key: 'hq/main' } as const;
    expect(silenceEvent(b, 1_000, 1_800_000, 9_000_000, inc, '08:00')).toMatchObject({ status: 'firing', summary: 'ACD feed for queue main silent since business hours opened at 08:00 (hq)', details: { sinceOpening: '08:00' } });
    expect(hoursEndedEvent(b, 5_000, '20:00', inc)).toMatchObject({
      source: 'heartbeat',
      status: 'resolved',
      member: 'heartbeat:acd:hq/main',
      eventKey: 'heartbeat:acd:hq/main:closed:5000',
      summary: 'Business hours ended at 20:00: ACD feed for queue main is not expected to report until they open again (hq)',
      details: { endedAtClosing: true },
    });
  });
});
