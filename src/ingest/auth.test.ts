import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';

const calls: Array<[number, number]> = [];
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { bearerAuth, safeEqual } = await import('./auth.js');

function run(token: string | undefined, header: string | undefined): unknown {
  let passed: unknown = 'not called';
  const req = { get: (name: string) => (name.toLowerCase() === 'authorization' ? header : undefined) } as unknown as Request;
  bearerAuth(token)(req, {} as Response, (err?: unknown) => {
    passed = err;
  });
  return passed;
}

describe('safeEqual', () => {
  it('tells equal from different tokens, whatever their lengths', () => {
    expect(safeEqual('s3cret-token', 's3cret-token')).toBe(true);
    expect(safeEqual('s3cret-token', 's3cret-tokeN')).toBe(false);
    expect(safeEqual('s3cret-token', 's3cret')).toBe(false);
    expect(safeEqual('', 'x'.repeat(10_000))).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });

  it('always compares fixed-length digests with crypto.timingSafeEqual (no early exit on length or first difference)', () => {
    calls.length = 0;
    safeEqual('a', 'a much longer presented token');
    safeEqual('same length!', 'same lengtH!');
    safeEqual('x', 'x');
    expect(calls).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
  });
});

describe('bearerAuth', () => {
  it('is open without a configured token', () => {
    expect(run(undefined, undefined)).toBeUndefined();
  });

  it('refuses a missing or wrong token with coded errors and accepts the right one (scheme case-insensitive)', () => {
    expect(run('tok', undefined)).toMatchObject({ code: 'TOCSIN_ERR_AUTH_MISSING', httpStatus: 401 });
    expect(run('tok', 'Bearer nope')).toMatchObject({ code: 'TOCSIN_ERR_AUTH_INVALID', httpStatus: 401 });
    expect(run('tok', 'Basic dG9rOg==')).toMatchObject({ code: 'TOCSIN_ERR_AUTH_INVALID' });
    expect(run('tok', 'Bearer tok')).toBeUndefined();
    expect(run('tok', 'bearer   tok ')).toBeUndefined();
    calls.length = 0;
    run('tok', 'Bearer t');
    expect(calls).toEqual([[32, 32]]);
  });
});
