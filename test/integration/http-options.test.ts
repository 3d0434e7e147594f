/**
 * OPTIONS on any path: 204 with an Allow header naming the methods the path is served with (the
 * webhooks, served ahead of express for POST, included), a JSON 404 where nothing is served — never
 * express's plain-text answer. The answers come from the route table, and every route in it is
 * really served with the methods it lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/ingest/route-table.js';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

describe('OPTIONS', () => {
  it('answers 204 with Allow listing the methods each path serves, and no body', async () => {
    const cases: Record<string, string> = {
      '/api/incidents': 'GET, HEAD, POST',
      '/api/incidents/01K0000000000000000000000': 'GET, HEAD',
      '/api/incidents/01K0000000000000000000000/ack': 'POST',
      '/api/incidents/01K0000000000000000000000/report': 'GET, HEAD',
      '/api/overrides': 'GET, HEAD, POST',
      '/api/overrides/ov-1': 'DELETE, GET, HEAD',
      '/api/maintenance/mw-1': 'DELETE',
      '/api/oncall': 'GET, HEAD',
      '/webhooks/alertmanager': 'POST',
      '/webhooks/ups': 'POST',
      '/webhooks/acd': 'POST',
      '/webhooks/taskrouter': 'POST',
      '/twilio/sms': 'POST',
      '/ack/some-token': 'GET, HEAD, POST',
      '/healthz': 'GET, HEAD',
      '/metrics': 'GET, HEAD',
    };
    for (const [path, allow] of Object.entries(cases)) {
      const r = await app.request('OPTIONS', path);
      expect(r.status, path).toBe(204);
      expect(r.headers.get('allow'), path).toBe(allow);
      expect(r.body, path).toBeUndefined();
    }
  });

  it('answers a path that serves nothing with the JSON 404, not plain text', async () => {
    for (const path of ['/api/nothing-here', '/webhooks/nothing-here', '/nowhere']) {
      const r = await app.request('OPTIONS', path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(r.body.error.code, path).toBe('TOCSIN_ERR_NOT_FOUND');
    }
    const garbled = await app.request('OPTIONS', '/api/incidents/%E0%A4%A');
    expect(garbled.status).toBe(400);
    expect(garbled.body.error.code).toBe('TOCSIN_ERR_INPUT_MALFORMED');
  });

  it('is answered ahead of the bearer tokens, as the 405 of a webhook is', async () => {
    const guarded = await startTestApp({ env: { TOCSIN_API_TOKEN: 'api-secret', TOCSIN_INGEST_TOKEN: 'ingest-secret' } });
    try {
      const api = await guarded.request('OPTIONS', '/api/incidents');
      expect(api.status).toBe(204);
      expect(api.headers.get('allow')).toBe('GET, HEAD, POST');
      expect((await guarded.request('OPTIONS', '/webhooks/ups')).headers.get('allow')).toBe('POST');
      expect((await guarded.request('GET', '/api/incidents')).body.error.code).toBe('TOCSIN_ERR_AUTH_MISSING');
    } finally {
      await guarded.stop();
    }
  });

  it('answers a method a served path does not take with the JSON 405 and Allow, not a 404', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/api/incidents', 'GET, HEAD, POST'],
      ['DELETE', '/api/incidents/01K0000000000000000000000', 'GET, HEAD'],
      ['GET', '/api/incidents/01K0000000000000000000000/ack', 'POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['POST', '/api/overrides/ov-1', 'DELETE, GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await app.request(method, path, method === 'PUT' || method === 'POST' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get('allow'), path).toBe(allow);
      expect(r.body.error.code, path).toBe('TOCSIN_ERR_METHOD_NOT_ALLOWED');
    }
    expect((await app.request('GET', '/api/nothing-here')).status).toBe(404);
    // told before the body is looked at: a PUT with no body or content type is still a 405
    const bare = await fetch(`${app.baseUrl}/api/incidents`, { method: 'PUT' });
    expect(bare.status).toBe(405);
    expect(bare.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('every route of the table is served with each method it lists, and answers the others with 405', async () => {
    const concrete = (path: string) => path.replace(/:[a-z]+/g, 'x1');
    for (const route of ROUTES) {
      const path = concrete(route.path);
      for (const method of route.methods) {
        const r = await app.request(method, path, method === 'POST' ? {} : undefined);
        expect(r.status, `${method} ${path}`).not.toBe(405);
        expect(String(r.body?.error?.message ?? ''), `${method} ${path}`).not.toMatch(/^no route/);
      }
      const other = ['GET', 'POST', 'DELETE'].find((m) => !route.methods.includes(m as never));
      if (!other) continue;
      const r = await app.request(other, path, other === 'POST' ? {} : undefined);
      expect(r.status, `${other} ${path}`).toBe(405);
      expect(r.headers.get('allow'), `${other} ${path}`).toBe((await app.request('OPTIONS', path)).headers.get('allow'));
    }
  });

  it('the table lists every route the routers serve (read from express here, in a test, so an upgrade that moves its internals fails this test and nothing in production)', () => {
    interface Layer { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }
    const served: string[] = [];
    const walk = (stack: readonly Layer[]): void => {
      for (const layer of stack) {
        if (layer.route) {
          const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
          for (const m of Object.keys(layer.route.methods)) for (const p of paths) served.push(`${m.toUpperCase()} ${String(p)}`);
        } else if (layer.handle?.stack) walk(layer.handle.stack);
      }
    };
    walk((app.container.app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(served.length).toBeGreaterThan(20);
    const listed = new Set(ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
    expect(served.filter((s) => !listed.has(s))).toEqual([]);
  });

  it('matches paths as the routers do: a trailing slash, any case of the literal parts', async () => {
    expect((await app.request('OPTIONS', '/api/incidents/')).headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await app.request('OPTIONS', '/API/Oncall')).headers.get('allow')).toBe('GET, HEAD');
    expect((await app.request('GET', '/API/Oncall')).status).toBe(200);
    const r = await app.request('PATCH', '/api/maintenance/mw-1/');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('DELETE');
  });

  it('leaves the other methods as they were: a webhook asked with GET is still a JSON 405', async () => {
    const r = await app.request('GET', '/webhooks/alertmanager');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect(r.body.error.code).toBe('TOCSIN_ERR_METHOD_NOT_ALLOWED');
  });
});
