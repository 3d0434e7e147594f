import { describe, expect, it } from 'vitest';
import { drillIdOf, isDrillId } from './incident-stores.js';

describe('drill ids', () => {
  it('a drill id made from an incident id is recognised as one; the plain id is not', () => {
    expect(isDrillId(drillIdOf('01J0ABC'))).toBe(true);
    expect(isDrillId('01J0ABC')).toBe(false);
    expect(isDrillId('01J0ABC-drill-')).toBe(false);
  });
});
