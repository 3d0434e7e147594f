import { describe, expect, it } from 'vitest';
import { SeriesGuard } from './series-guard.js';

describe('SeriesGuard', () => {
  it('masks phone numbers and e-mail addresses in label values', () => {
    const g = new SeriesGuard(10, () => undefined);
    expect(g.admit({ site: 'ana.costa@example.com', device: '+15555550102' })).toEqual({ site: '***@example.com', device: '***02' });
    expect(g.admit({ site: 'hq', device: 'ups1' })).toEqual({ site: 'hq', device: 'ups1' });
  });
  it('admits at most max label sets, the known ones always, and tells once when full', () => {
    const full: number[] = [];
    const g = new SeriesGuard(2, (m) => full.push(m));
    expect(g.admit({ d: 'a' })).toBeDefined();
    expect(g.admit({ d: 'b' })).toBeDefined();
    expect(g.admit({ d: 'c' })).toBeUndefined();
    expect(g.admit({ d: 'e' })).toBeUndefined();
    expect(g.admit({ d: 'a' })).toEqual({ d: 'a' });
    expect(full).toEqual([2]);
  });
});
