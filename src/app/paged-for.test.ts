import { describe, expect, it } from 'vitest';
import type { Incident } from '../domain/incident.js';
import type { IncidentQuery } from '../domain/ports.js';
import { unresolvedPagedFor } from './paged-for.js';

const inc = (id: string, state: Incident['state'], level: number, roles: string[]) =>
  ({ id, state, level, notifications: roles.map((role) => ({ role })) }) as unknown as Incident;

describe('unresolvedPagedFor', () => {
  it('keeps those paged to the role: most severe first, then unacknowledged, then newest', async () => {
    const open = [inc('o-new-l3', 'open', 3, ['shift_lead']), inc('o-it', 'open', 5, ['it_ops']), inc('o-old-l4', 'open', 4, ['it_ops', 'shift_lead']), inc('o-l3', 'open', 3, ['shift_lead'])];
    const acked = [inc('a-l4', 'acknowledged', 4, ['shift_lead']), inc('a-none', 'acknowledged', 5, [])];
    const asked: IncidentQuery[] = [];
    // newest first, as the store reads them: open and acknowledged interleaved
    const newestFirst = [open[0], acked[0], open[1], open[2], acked[1], open[3]] as Incident[];
    const store = { list: async (q: IncidentQuery) => (asked.push(q), q.state === 'unresolved' ? newestFirst : []) };
    const got = await unresolvedPagedFor(store, 'shift_lead', 50);
    expect(got.map((i) => i.id)).toEqual(['o-old-l4', 'a-l4', 'o-new-l3', 'o-l3']);
    expect(asked).toEqual([{ state: 'unresolved', limit: 50 }]);
  });
});
