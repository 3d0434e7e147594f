/**
 * The methods a request path is served with, read off the route table (route-table.ts): every
 * route whose pattern matches gives its methods, and a GET route serves HEAD too. Matched as express
 * matches a route: literal segments case-insensitively, `:name` as one non-empty segment (which must
 * be valid percent-encoding, or the request is malformed), a trailing slash allowed.
 */
import { TocsinError } from '../domain/errors.js';
import { ROUTES, type RouteEntry } from './route-table.js';

function segments(path: string): string[] {
  const parts = path.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((p, i) => {
    const s = path[i] ?? '';
    if (!p.startsWith(':')) return p.toLowerCase() === s.toLowerCase();
    if (s === '') return false;
    try {
      decodeURIComponent(s);
    } catch {
      throw new TocsinError('TOCSIN_ERR_INPUT_MALFORMED', `path segment "${s.slice(0, 60)}" is not valid percent-encoding`);
    }
    return true;
  });
}

/** Upper-case methods, sorted; empty when no route matches the path. Throws TOCSIN_ERR_INPUT_MALFORMED for a garbled parameter. */
export function allowedMethods(path: string, routes: readonly RouteEntry[] = ROUTES): string[] {
  const found = new Set<string>();
  const parts = segments(path);
  for (const r of routes) if (matches(segments(r.path), parts)) for (const m of r.methods) found.add(m);
  if (found.has('GET')) found.add('HEAD');
  return [...found].sort();
}
