/**
 * The methods a request path is served with, read off the routers' own route tables (what express
 * lists in its automatic, plain-text OPTIONS answer): every route whose path matches gives its
 * methods, and a GET route serves HEAD too.
 */
import type { Router } from 'express';

/** The part of an express route layer read here. */
interface RouteLayer {
  readonly route?: { readonly methods: Readonly<Record<string, boolean | undefined>> };
  match(path: string): unknown;
}

/** Upper-case methods, sorted; empty when no route of the routers matches the path. */
export function allowedMethods(routers: readonly Router[], path: string): string[] {
  const found = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack as unknown as readonly RouteLayer[]) {
      if (!layer.route || !layer.match(path)) continue;
      for (const [method, served] of Object.entries(layer.route.methods)) if (served && method !== '_all') found.add(method.toUpperCase());
    }
  }
  if (found.has('GET')) found.add('HEAD');
  return [...found].sort();
}
