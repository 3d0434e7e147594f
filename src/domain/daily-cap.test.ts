import { describe, expect, it } from 'vitest';
import { decideOverCap, pageKey, toldKey, type OverCapQuestion } from './daily-cap.js';
import type { StoredNotification } from './escalation-ports.js';

const rec = (over: Partial<StoredNotification> & Record<string, unknown> = {}): StoredNotification =>
  ({
    id: 'I:t0:grace_okafor:voice:1',
    incidentId: 'I',
    stepKey: 't0',
    tier: 0,
    role: 'supervisor',
    person: 'grace_okafor',
    channel: 'voice',
    status: 'planned',
    at: '2026-11-23T10:00:00.000Z',
    phase: 'page',
    attempt: 1,
    ...over,
  }) as StoredNotification;

const me = { stepKey: 't0', person: 'grace_okafor' };
const ask = (over: Partial<OverCapQuestion> = {}) => decideOverCap({ state: 'open', records: [rec()], page: me, holder: '', waited: false, ...over });

describe('a page over the daily cap', () => {
  it('names a page by its step and person, and an incident cycle by its step key', () => {
    expect(pageKey(me)).toBe('t0:grace_okafor');
    expect(pageKey({ stepKey: 'c2:t1', person: 'lin_wei' })).toBe('c2:t1:lin_wei');
    expect(toldKey('I', 't0')).toBe('I');
    expect(toldKey('I', 'lv4')).toBe('I');
    expect(toldKey('I', 'c2:t1')).toBe('I:c2');
  });

  it('of an incident nobody heard of waits once for the pages due with it, then goes', () => {
    expect(ask()).toEqual({ kind: 'wait' });
    expect(ask({ waited: true })).toEqual({ kind: 'pass', replacing: '' });
    // its own earlier attempts (a call refused, the SMS now) are no one else's news
    expect(ask({ waited: true, records: [rec({ status: 'failed' }), rec({ id: 'I:t0:grace_okafor:sms:1', channel: 'sms' })] })).toEqual({ kind: 'pass', replacing: '' });
  });

  it('is cancelled once another page of the incident reached someone, or waits for a throttle to go', () => {
    const told = [
      rec({ person: 'maria_rossi', status: 'logged' }),
      rec({ stepKey: 't1', person: 'maria_rossi', status: 'delivered' }),
      rec({ person: 'maria_rossi', status: 'planned', throttle: 'bundled', limit: 'per_15m' }),
      rec({ person: 'maria_rossi', status: 'planned', throttle: 'delayed', limit: 'min_gap' }),
      rec({ person: 'maria_rossi', status: 'acknowledged' }),
      // brought back after the cap (its incident climbed), waiting for its time: on its way
      rec({ person: 'maria_rossi', status: 'planned', throttle: 'bundled', limit: 'daily_cap', reinstated: '2026-11-23T10:01:00.000Z' }),
    ];
    for (const other of told) {
      expect(ask({ records: [rec(), other] })).toEqual({ kind: 'cancel' });
      expect(ask({ waited: true, records: [rec(), other] })).toEqual({ kind: 'cancel' });
    }
  });

  it('is not cancelled for pages that told nobody: failed, cancelled, waiting at the cap themselves, an all-clear, another cycle', () => {
    const others = [
      rec({ person: 'maria_rossi', status: 'failed' }),
      rec({ person: 'maria_rossi', status: 'cancelled', reason: 'throttled', limit: 'daily_cap' }),
      rec({ person: 'maria_rossi', status: 'planned', throttle: 'bundled', limit: 'daily_cap' }),
      rec({ person: 'maria_rossi', status: 'logged', phase: 'all_clear', stepKey: 'clear' }),
      rec({ person: 'maria_rossi', status: 'logged', stepKey: 'c1:t0' }),
    ];
    expect(ask({ waited: true, records: [rec(), ...others] })).toEqual({ kind: 'pass', replacing: '' });
    // a reopened incident's cycle is news again: the first cycle's pages do not count
    expect(ask({ waited: true, page: { stepKey: 'c2:t0', person: 'grace_okafor' }, records: [rec({ stepKey: 'c2:t0' }), rec({ person: 'maria_rossi', status: 'logged' })] })).toEqual({ kind: 'pass', replacing: '' });
  });

  it('is cancelled when the incident was acknowledged: someone heard of it', () => {
    expect(ask({ state: 'acknowledged', waited: true })).toEqual({ kind: 'cancel' });
    expect(ask({ state: 'resolved', waited: true })).toEqual({ kind: 'cancel' });
  });

  it('holding the told mark itself, goes on through its channels and waits, whatever else happened', () => {
    const told = [rec(), rec({ person: 'maria_rossi', status: 'logged' })];
    expect(ask({ holder: 't0:grace_okafor', records: told })).toEqual({ kind: 'pass', replacing: '' });
    expect(ask({ holder: 't0:grace_okafor', state: 'acknowledged' })).toEqual({ kind: 'pass', replacing: '' });
  });

  it('is cancelled while another page holds the told mark, unless every attempt of that page failed', () => {
    const holder = 't1:maria_rossi';
    // on its way, or not yet on the records read: it will tell someone
    expect(ask({ holder, waited: true })).toEqual({ kind: 'cancel' });
    expect(ask({ holder, waited: true, records: [rec(), rec({ stepKey: 't1', person: 'maria_rossi', status: 'planned' })] })).toEqual({ kind: 'cancel' });
    expect(ask({ holder, waited: true, records: [rec(), rec({ stepKey: 't1', person: 'maria_rossi', status: 'failed' }), rec({ stepKey: 't1', person: 'maria_rossi', channel: 'sms', status: 'planned' })] })).toEqual({ kind: 'cancel' });
    // it reached nobody: the mark is taken from it, after the wait
    const dead = [rec(), rec({ stepKey: 't1', person: 'maria_rossi', status: 'failed' }), rec({ stepKey: 't1', person: 'maria_rossi', channel: 'sms', status: 'failed' })];
    expect(ask({ holder, records: dead })).toEqual({ kind: 'wait' });
    expect(ask({ holder, waited: true, records: dead })).toEqual({ kind: 'pass', replacing: holder });
  });
});
