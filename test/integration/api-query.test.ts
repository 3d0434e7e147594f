/** Query strings of the API: every route refuses what it would otherwise ignore or misread, naming the parameter. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
let id: string;
beforeAll(async () => {
  app = await startTestApp();
  id = (await app.request('POST', '/api/incidents', { class: 'security', site: 'hq', summary: 'fire alarm, hall B' })).body.id as string;
});
afterAll(async () => {
  await app.stop();
});

const error = async (path: string) => {
  const res = await app.request('GET', path);
  return { status: res.status, code: res.body?.error?.code, message: res.body?.error?.message, problems: res.body?.error?.details?.problems };
};

describe('API query strings', () => {
  it('names an unknown parameter as part of the query, not the body', async () => {
    expect(await error('/api/incidents?stat=open')).toEqual({
      status: 422,
      code: 'TOCSIN_ERR_INPUT_INVALID',
      message: 'invalid query: (query): Unrecognized key: "stat"',
      problems: ['(query): Unrecognized key: "stat"'],
    });
    expect((await error(`/api/incidents/${id}/members?page=2`)).message).toBe('invalid query: (query): Unrecognized key: "page"');
    expect((await error('/api/oncall?when=now')).message).toBe('invalid query: (query): Unrecognized key: "when"');
  });

  it('says a parameter is given twice, instead of "expected number, received NaN"', async () => {
    expect(await error('/api/incidents?limit=1000&limit=2')).toEqual({
      status: 422,
      code: 'TOCSIN_ERR_INPUT_INVALID',
      message: 'invalid query: limit: given 2 times; give it once',
      problems: ['limit: given 2 times; give it once'],
    });
    expect((await error('/api/drills?limit=5&limit=5&limit=5')).message).toBe('invalid query: limit: given 3 times; give it once');
    expect((await error('/api/oncall?at=2026-12-01T00:00:00Z&at=2026-12-02T00:00:00Z')).message).toBe('invalid query: at: given 2 times; give it once');
  });

  it('refuses parameters on the routes that take none (overrides, maintenance, an incident), as the others do', async () => {
    for (const path of ['/api/overrides?role=it_ops', '/api/maintenance?active=true', `/api/incidents/${id}?verbose=1`]) {
      const name = path.split('?')[1]!.split('=')[0]!;
      expect(await error(path), path).toEqual({
        status: 422,
        code: 'TOCSIN_ERR_INPUT_INVALID',
        message: `invalid query: (query): Unrecognized key: "${name}"`,
        problems: [`(query): Unrecognized key: "${name}"`],
      });
    }
  });

  it('still answers the parameters it knows, and no parameters at all', async () => {
    expect((await app.request('GET', '/api/incidents?state=open&limit=5')).body.incidents.map((i: any) => i.id)).toEqual([id]);
    for (const path of ['/api/overrides', '/api/maintenance', `/api/incidents/${id}`, '/api/drills?limit=1', `/api/incidents/${id}/report?format=json`]) {
      expect((await app.request('GET', path)).status, path).toBe(200);
    }
  });

  it('a body still names itself (body)', async () => {
    const res = await app.request('POST', `/api/incidents/${id}/ack`, { by: 'grace_okafor', colour: 'red' });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe('invalid ack request: (body): Unrecognized key: "colour"');
  });
});
