/**
 * Every route tocsin serves over HTTP, with its methods: the one list the OPTIONS answers and the
 * 405s are built from (not express's router internals, which an upgrade may change). A route added
 * to a router is added here too: test/integration/http-options.test.ts fails on a served route missing
 * here, and requests every route listed with its methods.
 * Paths are express patterns: `:name` stands for one non-empty segment.
 */
import { TASKROUTER_PATHS } from './taskrouter.js';
import { TWILIO_CALLBACK_PATHS } from './twilio-callbacks.js';
import { WEBHOOK_PATHS } from './webhook-paths.js';

export type RouteMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteEntry {
  readonly path: string;
  readonly methods: readonly RouteMethod[];
}

const post = (path: string): RouteEntry => ({ path, methods: ['POST'] });

export const ROUTES: readonly RouteEntry[] = [
  // operations
  { path: '/healthz', methods: ['GET'] },
  { path: '/readyz', methods: ['GET'] },
  { path: '/metrics', methods: ['GET'] },
  // webhooks (Alertmanager's served ahead of express as well), TaskRouter, Twilio callbacks
  ...[...new Set([...WEBHOOK_PATHS, ...TASKROUTER_PATHS, ...Object.values(TWILIO_CALLBACK_PATHS)])].map(post),
  // the e-mail links
  { path: '/ack/:token', methods: ['GET', 'POST'] },
  { path: '/resolve/:token', methods: ['GET', 'POST'] },
  // the API
  { path: '/api/incidents', methods: ['GET', 'POST'] },
  { path: '/api/incidents/:id', methods: ['GET'] },
  { path: '/api/incidents/:id/members', methods: ['GET'] },
  { path: '/api/incidents/:id/report', methods: ['GET'] },
  { path: '/api/incidents/:id/ack', methods: ['POST'] },
  { path: '/api/incidents/:id/resolve', methods: ['POST'] },
  { path: '/api/drills', methods: ['GET'] },
  { path: '/api/overrides', methods: ['GET', 'POST'] },
  { path: '/api/overrides/:id', methods: ['GET', 'DELETE'] },
  { path: '/api/oncall', methods: ['GET'] },
  { path: '/api/maintenance', methods: ['GET', 'POST'] },
  { path: '/api/maintenance/:id', methods: ['DELETE'] },
];
