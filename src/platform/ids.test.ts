import { describe, expect, it } from 'vitest';
import { UlidSource, ulid } from './ids.js';

describe('ids', () => {
  it('are 26 Crockford base32 characters, sortable by time', () => {
    const s = new UlidSource();
    const a = s.next(Date.parse('2026-11-23T10:00:00Z'));
    const b = s.next(Date.parse('2026-11-23T10:00:01Z'));
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
    expect(ulid(0)).toMatch(/^0{10}[0-9A-HJKMNP-TV-Z]{16}$/);
  });
  it('never repeat within a process, even in the same millisecond', () => {
    const s = new UlidSource();
    const ids = new Set(Array.from({ length: 10_000 }, () => s.next(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
  it('differ between processes (replicas) in the same millisecond', () => {
    expect(new UlidSource().next(1).slice(10, 20)).not.toBe(new UlidSource().next(1).slice(10, 20));
  });
});
