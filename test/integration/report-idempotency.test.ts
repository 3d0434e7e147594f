/**
 * POST /api/incidents with an idempotency key (`Idempotency-Key`, or `key` in the body), real Redis
 * and HTTP: the same report sent again is the same incident, paged once; without a key each report
 * of a class grouped per report is its own incident, as before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

const media = { class: 'media', site: 'hq', summary: 'a reporter at the front desk' };
const KEY = '5f0c3e0e-8a1d-4c55-9d7e-0b6f3e1a2c4d';

/** The engine done with what the reports left due, now and after a later tick. */
async function settle(): Promise<void> {
  await app.container.engine.idle();
  await app.container.engine.tick(app.clock.now());
  await app.container.engine.idle();
}

const unresolved = async () => (await app.request('GET', '/api/incidents?state=unresolved')).body.incidents as any[];
const pagesOf = async (id: string) => ((await app.request('GET', `/api/incidents/${id}`)).body.notifications as any[]).filter((n) => n.status !== 'cancelled');

describe('POST /api/incidents with an idempotency key', () => {
  it('the same key twice is one incident: the retry answers its id (201, result duplicate), opens nothing and pages nobody again', async () => {
    const first = await app.request('POST', '/api/incidents', media, { 'idempotency-key': KEY });
    expect(first.status).toBe(201);
    expect(first.body.result).toBe('opened');
    const id = first.body.id as string;
    await settle();
    const paged = await pagesOf(id);
    expect(paged.length).toBeGreaterThan(0); // supervisor and center manager, at once

    app.clock.advance(30_000);
    const retry = await app.request('POST', '/api/incidents', media, { 'idempotency-key': KEY });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ id, result: 'duplicate' });
    await settle();

    expect((await unresolved()).map((i) => i.id)).toEqual([id]);
    expect((await pagesOf(id)).map((n) => n.id)).toEqual(paged.map((n) => n.id));
    const inc = (await app.request('GET', `/api/incidents/${id}`)).body;
    expect(inc).toMatchObject({ memberCount: 1, eventCount: 2 });

    // the key in the body is the same key
    const inBody = await app.request('POST', '/api/incidents', { ...media, key: KEY });
    expect(inBody.body).toEqual({ id, result: 'duplicate' });
    expect(await unresolved()).toHaveLength(1);

    // acknowledged meanwhile: still the same incident, and it stays acknowledged
    expect((await app.request('POST', `/api/incidents/${id}/ack`, { by: 'lin_wei' })).status).toBe(200);
    const late = await app.request('POST', '/api/incidents', media, { 'idempotency-key': KEY });
    expect(late.body).toEqual({ id, result: 'duplicate' });
    await settle();
    expect((await unresolved()).map((i) => [i.id, i.state])).toEqual([[id, 'acknowledged']]);
    expect((await pagesOf(id)).map((n) => n.id)).toEqual(paged.map((n) => n.id));
  });

  it('two requests with the same key at the same moment open one incident', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.request('POST', '/api/incidents', media, { 'idempotency-key': KEY })));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.body.result === 'opened')).toHaveLength(1);
    await settle();
    const open = await unresolved();
    expect(open.map((i) => i.id)).toEqual([...ids]);
    const pages = await pagesOf(open[0].id);
    // each person of tier 0 paged once on each channel, as for a single report
    expect(new Set(pages.map((n) => `${n.person}:${n.channel}:${n.tier}`)).size).toBe(pages.length);
  });

  it('different keys are different reports, each its own incident for a class grouped per report; no key is a new report every time', async () => {
    const a = await app.request('POST', '/api/incidents', media, { 'idempotency-key': `${KEY}-a` });
    const b = await app.request('POST', '/api/incidents', media, { 'idempotency-key': `${KEY}-b` });
    expect([a.body.result, b.body.result]).toEqual(['opened', 'opened']);
    expect(a.body.id).not.toBe(b.body.id);
    const c = await app.request('POST', '/api/incidents', media);
    const d = await app.request('POST', '/api/incidents', media);
    expect([c.body.result, d.body.result]).toEqual(['opened', 'opened']);
    expect(new Set([a.body.id, b.body.id, c.body.id, d.body.id]).size).toBe(4);
    expect(await unresolved()).toHaveLength(4);
  });

  it('for a class grouped per site the same key is the same member: a duplicate, not a second report merged in', async () => {
    const report = { class: 'security', site: 'hq', summary: 'fire alarm, hall B', details: { kind: 'fire' } };
    const first = await app.request('POST', '/api/incidents', report, { 'idempotency-key': KEY });
    const again = await app.request('POST', '/api/incidents', report, { 'idempotency-key': KEY });
    expect(again.body).toEqual({ id: first.body.id, result: 'duplicate' });
    const other = await app.request('POST', '/api/incidents', report, { 'idempotency-key': `${KEY}-2` });
    expect(other.body).toEqual({ id: first.body.id, result: 'merged' });
    expect((await app.request('GET', `/api/incidents/${first.body.id}`)).body).toMatchObject({ memberCount: 2, eventCount: 3 });
  });

  it('a drill with the same key is the same drill, in its own namespace', async () => {
    const drill = { ...media, drill: true };
    const first = await app.request('POST', '/api/incidents', drill, { 'idempotency-key': KEY });
    const again = await app.request('POST', '/api/incidents', drill, { 'idempotency-key': KEY });
    expect(first.body.id).toMatch(/^drill-/);
    expect(again.body).toEqual({ id: first.body.id, result: 'duplicate' });
    expect(await unresolved()).toHaveLength(0);
  });

  it('a key that is too short, too long or of other characters is refused (422) naming the field; so are a header and a body key that differ', async () => {
    for (const bad of ['short', 'x'.repeat(129), 'has spaces in it', 'key*with*stars*1234', '']) {
      const r = await app.request('POST', '/api/incidents', media, { 'idempotency-key': bad });
      expect(r.status, JSON.stringify(bad)).toBe(422);
      expect(r.body.error.code).toBe('TOCSIN_ERR_INPUT_INVALID');
      expect(r.body.error.message).toContain('Idempotency-Key');
      const inBody = await app.request('POST', '/api/incidents', { ...media, key: bad });
      expect(inBody.status, JSON.stringify(bad)).toBe(422);
      expect(inBody.body.error.message).toMatch(/\bkey: /);
    }
    const differ = await app.request('POST', '/api/incidents', { ...media, key: `${KEY}-body` }, { 'idempotency-key': KEY });
    expect(differ.status).toBe(422);
    expect(differ.body.error.message).toContain('Idempotency-Key: differs');
    const same = await app.request('POST', '/api/incidents', { ...media, key: KEY }, { 'idempotency-key': KEY });
    expect(same.status).toBe(201);
    expect(await unresolved()).toHaveLength(1);
  });
});
