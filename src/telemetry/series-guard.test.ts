import { describe, expect, it } from 'vitest';
import { redactText } from './logger.js';
import { hasOutdatedMask, SeriesGuard } from './series-guard.js';

const TAG = /^~[a-p]{10}$/;

describe('SeriesGuard', () => {
  it('masks phone numbers and e-mail addresses in label values, each with a tag', () => {
    const g = new SeriesGuard(10, () => undefined, 'key');
    const l = g.admit({ site: 'ana.costa@example.com', device: '+15555550102' });
    expect(l?.site.slice(0, '***@***.com'.length)).toBe('***@***.com');
    expect(l?.site.slice('***@***.com'.length)).toMatch(TAG);
    expect(l?.device.slice(0, 5)).toBe('***02');
    expect(l?.device.slice(5)).toMatch(TAG);
    expect(g.admit({ site: 'hq', device: 'ups1' })).toEqual({ site: 'hq', device: 'ups1' });
  });

  it('masks numbers written in national formats as the logs do, and leaves addresses, versions and ids alone', () => {
    const g = new SeriesGuard(10, () => undefined, 'key');
    for (const site of ['138 0013 8000', '138-0013-8000', '020 7946 0958', '06 12 34 56 78', '(010) 6552 9988']) {
      const masked = g.admit({ site })?.site ?? '';
      expect(masked.slice(0, 5)).toBe(redactText(site));
      expect(masked.slice(5)).toMatch(TAG);
    }
    const kept = { site: '10.10.100.200', device: 'ups-0.25.0', queue: '01KBZ3M2X4Q9V7T5R8N6J0H2G4' };
    expect(g.admit(kept)).toEqual(kept);
  });

  it('keeps masked values apart: two numbers with the same last digits, two addresses of one domain', () => {
    const g = new SeriesGuard(10, () => undefined, 'key');
    const a = g.admit({ queue: '+86 138 0013 8000' });
    const b = g.admit({ queue: '+86 139 1234 5600' });
    expect(a?.queue.slice(0, 5)).toBe('***00');
    expect(b?.queue.slice(0, 5)).toBe('***00');
    expect(a?.queue).not.toBe(b?.queue);
    expect(g.admit({ queue: 'ops@example.com' })?.queue).not.toBe(g.admit({ queue: 'sales@example.com' })?.queue);
  });

  it('tags one number alike however it is written, on every guard with the same key, and masking again changes nothing', () => {
    const g = new SeriesGuard(10, () => undefined, 'key');
    const once = g.admit({ d: '+1 (555) 555-0102' })?.d ?? '';
    expect(g.admit({ d: '+15555550102' })?.d).toBe(once);
    expect(new SeriesGuard(10, () => undefined, 'key').admit({ d: '+15555550102' })?.d).toBe(once);
    expect(new SeriesGuard(10, () => undefined, 'other key').admit({ d: '+15555550102' })?.d).not.toBe(once);
    expect(g.admit({ d: once })?.d).toBe(once);
    expect(redactText(once)).toBe(once);
    const tagOf = (v: string | undefined) => v?.slice(v.indexOf('~'));
    expect(tagOf(g.admit({ d: 'Ana.Costa@Example.com' })?.d)).toBe(tagOf(g.admit({ d: 'ana.costa@example.com' })?.d));
  });

  it('admits at most max label sets, the known ones always, and tells once when full', () => {
    const full: number[] = [];
    const g = new SeriesGuard(2, (m) => full.push(m), 'key');
    expect(g.admit({ d: 'a' })).toBeDefined();
    expect(g.admit({ d: 'b' })).toBeDefined();
    expect(g.admit({ d: 'c' })).toBeUndefined();
    expect(g.admit({ d: 'e' })).toBeUndefined();
    expect(g.admit({ d: 'a' })).toEqual({ d: 'a' });
    expect(full).toEqual([2]);
  });

  it('tells again when it fills anew after slots freed, once per filling episode', () => {
    const full: number[] = [];
    const g = new SeriesGuard(2, (m) => full.push(m), 'key');
    g.admit({ d: 'a' }, 'readings');
    g.admit({ d: 'b' }, 'readings');
    expect(g.admit({ d: 'c' }, 'readings')).toBeUndefined();
    expect(full).toEqual([2]);
    // a leaves: room again, the warning is re-armed, and c fills the guard without a word
    g.keepOnly('readings', (k) => k === g.key({ d: 'b' }));
    expect(g.admit({ d: 'c' }, 'readings')).toEqual({ d: 'c' });
    expect(full).toEqual([2]);
    // full again: told once more, and a sweep that frees nothing does not re-arm it
    expect(g.admit({ d: 'e' }, 'readings')).toBeUndefined();
    g.keepOnly('readings', () => true);
    expect(g.admit({ d: 'f' }, 'readings')).toBeUndefined();
    expect(full).toEqual([2, 2]);
    // a third episode
    g.keepOnly('readings', (k) => k !== g.key({ d: 'b' }));
    expect(g.admit({ d: 'e' }, 'readings')).toEqual({ d: 'e' });
    expect(g.admit({ d: 'f' }, 'readings')).toBeUndefined();
    expect(full).toEqual([2, 2, 2]);
  });

  it('frees a slot once every holder has let its label set go, and only then', () => {
    const g = new SeriesGuard(2, () => undefined, 'key');
    expect(g.admit({ d: 'a' }, 'readings')).toBeDefined();
    expect(g.admit({ d: 'a' }, 'surge')).toBeDefined();
    expect(g.admit({ d: 'b' }, 'readings')).toBeDefined();
    expect(g.admit({ d: 'c' }, 'readings')).toBeUndefined();
    g.keepOnly('readings', () => false);
    // a is still held by the surge tier; b's slot is free
    expect(g.size).toBe(1);
    expect(g.admit({ d: 'c' }, 'readings')).toEqual({ d: 'c' });
    expect(g.admit({ d: 'e' }, 'readings')).toBeUndefined();
    g.keepOnly('surge', (k) => k === g.key({ d: 'x' }));
    expect(g.admit({ d: 'e' }, 'readings')).toEqual({ d: 'e' });
  });

  it('names a masked label set by the same key, masked or not', () => {
    const g = new SeriesGuard(2, () => undefined, 'key');
    const l = g.admit({ d: '+15555550102' }) ?? {};
    expect(g.key(l)).toBe(g.key({ d: '+15555550102' }));
  });

  it('tells a mask an older daemon wrote (no tag, or an address with its domain) from what the guard makes', () => {
    const g = new SeriesGuard(10, () => undefined, 'key');
    const tagged = g.admit({ site: 'ana.costa@example.com', device: '+15555550102' }) ?? {};
    expect(hasOutdatedMask(tagged)).toBe(false);
    expect(hasOutdatedMask({ site: 'hq', device: 'ups1' })).toBe(false);
    expect(hasOutdatedMask({ site: 'hq', device: redactText('+15555550102') })).toBe(true);
    expect(hasOutdatedMask({ site: redactText('ana.costa@example.com'), device: 'ups1' })).toBe(true);
    expect(hasOutdatedMask({ queue: `sales ${redactText('+86 138 0013 8000')} line` })).toBe(true);
    expect(hasOutdatedMask({ site: '***@***.co~abcdefghij' })).toBe(false);
    expect(hasOutdatedMask({ site: '***@***.com~abc' })).toBe(true);
    // an address masked with its domain shown, tagged or not: as written before the domain was masked
    expect(hasOutdatedMask({ site: '***@example.com' })).toBe(true);
    expect(hasOutdatedMask({ site: '***@example.com~abcdefghij' })).toBe(true);
  });
});
