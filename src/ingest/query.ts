/** Query strings of the API, read against closed schemas: an unknown parameter, or one given twice, is refused (422) by name. */
import { z } from 'zod';
import { TocsinError } from '../domain/errors.js';
import { invalid } from './errors.js';

/** A route that takes no parameters: it refuses any rather than ignore them. */
export const NO_QUERY = z.strictObject({});

export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const q = (query ?? {}) as Record<string, unknown>;
  // Express reads `?limit=1000&limit=2` as ['1000', '2']: which one was meant is not ours to guess
  const repeated = Object.entries(q)
    .filter(([, v]) => Array.isArray(v))
    .map(([k, v]) => `${k}: given ${(v as unknown[]).length} times; give it once`);
  if (repeated.length > 0) throw new TocsinError('TOCSIN_ERR_INPUT_INVALID', `invalid query: ${repeated.join('; ')}`, { details: { problems: repeated } });
  const parsed = schema.safeParse(q);
  if (!parsed.success) throw invalid(parsed.error, 'invalid query', '(query)');
  return parsed.data;
}
