import { describe, expect, it } from 'vitest';
import { groupKeyFor } from './dedupe.js';

const e = { class: 'power', site: 'hq', groupHint: '7f5bef8d1e742f32', labels: { ups: 'ups1', room: 'b' } };

describe('groupKeyFor', () => {
  it('renders class, site, group and labels', () => {
    expect(groupKeyFor('{class}:{site}', e)).toBe('power:hq');
    expect(groupKeyFor('{class}:{site}:{group}', e)).toBe('power:hq:7f5bef8d1e742f32');
    expect(groupKeyFor('{class}:{site}:{label.room}:{label.missing}', e)).toBe('power:hq:b:');
  });
  it('escapes values so a label cannot forge another group', () => {
    expect(groupKeyFor('{class}:{site}', { ...e, site: 'hq:power' })).toBe('power:hq%3Apower');
  });
});
