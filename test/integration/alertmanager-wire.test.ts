/**
 * POST /webhooks/alertmanager at the wire: the hot path (node:http, ahead of express) and the
 * express stack must give the same answers however the body arrives — chunked, compressed, with a
 * query string, in another charset — and count each request once.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const firing = readFileSync('../shared/fixtures/alertmanager/webhook-v4-firing-2alerts.json');

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

interface Sent {
  readonly headers?: Record<string, string>;
  /** Written one after another; without a content-length the body goes chunked. */
  readonly parts: readonly Buffer[];
  readonly path?: string;
}

/** A raw HTTP request, so the test controls framing and headers exactly. */
function send({ headers = {}, parts, path = '/webhooks/alertmanager' }: Sent): Promise<{ status: number; body: any; connection: string | undefined }> {
  const url = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, connection: res.headers.connection });
      });
    });
    // an oversized upload is answered early and the socket closed: the rest of the write may fail
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

const incidents = async () => (await app.request('GET', '/api/incidents')).body.incidents as { eventCount: number }[];

describe('the Alertmanager webhook at the wire', () => {
  it('a body in many small chunks without a content-length is read whole', async () => {
    const parts = Array.from({ length: Math.ceil(firing.length / 97) }, (_, i) => firing.subarray(i * 97, (i + 1) * 97));
    const res = await send({ parts });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2 });
    expect(await incidents()).toHaveLength(1);
  });

  it('a gzip body, a query string and a +json media type are served like the plain one', async () => {
    expect((await send({ parts: [gzipSync(firing)], headers: { 'content-encoding': 'gzip' } })).status).toBe(200);
    expect((await send({ parts: [firing], path: '/webhooks/alertmanager?from=am-2' })).status).toBe(200);
    expect((await send({ parts: [firing], headers: { 'content-type': 'application/vnd.alertmanager+json; charset=UTF-8' } })).status).toBe(200);
    const [inc] = await incidents();
    expect(inc?.eventCount).toBe(6); // one incident, both alerts counted three times
  });

  it('a body that starts with a UTF-8 byte-order mark is read without it, on the hot path as through express', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const hot = await send({ parts: [bom, firing] });
    expect(hot.status).toBe(200);
    expect(hot.body).toMatchObject({ accepted: 2 });
    const viaExpress = await send({ parts: [gzipSync(Buffer.concat([bom, firing]))], headers: { 'content-encoding': 'gzip' } });
    expect(viaExpress.status).toBe(200);
    // and a body of nothing but the mark is the empty body, as express reads it
    expect((await send({ parts: [bom] })).body.error.code).toBe((await send({ parts: [gzipSync(bom)], headers: { 'content-encoding': 'gzip' } })).body.error.code);
    expect((await incidents())[0]?.eventCount).toBe(4);
  });

  it('a charset nobody knows is refused with a code, and nothing is recorded', async () => {
    const res = await send({ parts: [firing], headers: { 'content-type': 'application/json; charset=x-klingon' } });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toEqual(expect.stringMatching(/^TOCSIN_ERR_/));
    expect(await incidents()).toHaveLength(0);
  });

  it('an oversized chunked body (over http.alertmanager.bodyLimit, 32 MiB) is refused with 413 and the connection closed', async () => {
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    const res = await send({ parts: [Buffer.from('{"version":"4","pad":"'), ...new Array<Buffer>(33).fill(mib), Buffer.from('"}')] }).catch((e: Error) => e);
    if (res instanceof Error) throw res;
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('TOCSIN_ERR_INPUT_TOO_LARGE');
    expect(res.connection).toBe('close');
    expect(await incidents()).toHaveLength(0);
  });

  it('each request is counted once in tocsin_http_requests_total', async () => {
    for (let i = 0; i < 3; i++) expect((await send({ parts: [firing] })).status).toBe(200);
    expect((await send({ parts: [Buffer.from('{"version":')] })).status).toBe(400);
    const text = (await app.request('GET', '/metrics')).body as string;
    expect(text).toMatch(/^tocsin_http_requests_total\{route="\/webhooks\/alertmanager",status="2xx"\} 3$/m);
    expect(text).toMatch(/^tocsin_http_requests_total\{route="\/webhooks\/alertmanager",status="4xx"\} 1$/m);
  });
});

/** Bytes straight onto a socket: what comes back, whole, once the server closes. */
function raw(bytes: string): Promise<string> {
  const url = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(got).toString('utf8')));
  });
}

describe('a webhook asked with another method than POST', () => {
  it('answers 405 with Allow: POST and the JSON error body', async () => {
    for (const path of ['/webhooks/alertmanager', '/webhooks/ups', '/webhooks/acd', '/webhooks/taskrouter']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const r = await app.request(method, path, method === 'GET' ? undefined : '{}');
        expect(r.status, `${method} ${path}`).toBe(405);
        expect(r.headers.get('allow')).toBe('POST');
        expect(r.body.error.code).toBe('TOCSIN_ERR_METHOD_NOT_ALLOWED');
      }
    }
    expect((await app.request('GET', '/webhooks/nothing-here')).status).toBe(404);
  });
});

describe('requests node:http cannot parse', () => {
  it('broken framing and oversized headers get a status and a JSON error body like every other refusal', async () => {
    const broken = await raw('POST /webhooks/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n');
    expect(broken).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(broken.slice(broken.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'TOCSIN_ERR_INPUT_MALFORMED', message: 'not a well-formed HTTP request' } });
    const huge = await raw(`GET /api/incidents?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('"code":"TOCSIN_ERR_INPUT_TOO_LARGE"');
    expect((await app.request('GET', '/healthz')).status).toBe(200);
  });
});

