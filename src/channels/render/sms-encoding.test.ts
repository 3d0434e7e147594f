import { describe, expect, it } from 'vitest';
import { gsmFriendly, smsLength } from './sms-encoding.js';

describe('smsLength', () => {
  it('counts GSM-7 septets, extension characters twice', () => {
    expect(smsLength('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(smsLength('{}')).toMatchObject({ encoding: 'GSM-7', units: 4 });
  });

  it('switches to UCS-2 for Chinese: 70 per single segment, 67 per part', () => {
    expect(smsLength('停'.repeat(70))).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsLength('停'.repeat(71))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(smsLength('停'.repeat(135))).toMatchObject({ segments: 3 });
  });

  it('gsmFriendly removes look-alikes that would force UCS-2', () => {
    expect(smsLength('it’s – “hot”…').encoding).toBe('UCS-2');
    expect(gsmFriendly('it’s – “hot”…')).toBe('it\'s - "hot"...');
    expect(smsLength(gsmFriendly('it’s – “hot”…')).encoding).toBe('GSM-7');
  });
});
