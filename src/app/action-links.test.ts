import { describe, expect, it } from 'vitest';
import { ActionLinks } from './action-links.js';

const T0 = Date.parse('2026-11-24T02:00:00Z');
const TTL = 7 * 24 * 60 * 60_000;
const links = new ActionLinks('secret', 'https://tocsin.example', TTL);
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The token with one character of its signature changed for another that means other bits. */
const tampered = (token: string) => {
  const i = token.length - 5;
  const c = token.charAt(i);
  return token.slice(0, i) + (c === 'A' ? 'B' : 'A') + token.slice(i + 1);
};

describe('ActionLinks', () => {
  it("carries the recipient's language, readable while the link is valid and after it expired", () => {
    const { ack, resolve } = links.linksFor('inc1', 'lin_wei', 'n1', T0, 'zh-CN');
    expect(links.verify(tokenOf(ack), T0, 'ack')).toEqual({ incidentId: 'inc1', action: 'ack', person: 'lin_wei', notificationId: 'n1', locale: 'zh-CN', exp: T0 + TTL });
    expect(links.verify(tokenOf(resolve), T0 + TTL, 'resolve')).toBeUndefined();
    expect(links.localeOf(tokenOf(resolve))).toBe('zh-CN');
  });

  it('names no language for a token not signed here, nor for one made without a language', () => {
    const { ack } = links.linksFor('inc1', 'lin_wei', 'n1', T0, 'zh-CN');
    expect(links.localeOf(tampered(tokenOf(ack)))).toBeUndefined();
    expect(new ActionLinks('other', 'https://tocsin.example', TTL).localeOf(tokenOf(ack))).toBeUndefined();
    expect(links.localeOf('no-dot')).toBeUndefined();
    const plain = tokenOf(links.linksFor('inc1', 'ana_costa', 'n2', T0).ack);
    expect(links.localeOf(plain)).toBeUndefined();
    expect(links.verify(plain, T0)).toMatchObject({ person: 'ana_costa', locale: undefined });
  });

  it('takes a signature only as it was written: another spelling of the same bytes is refused', () => {
    const token = tokenOf(links.linksFor('inc1', 'lin_wei', 'n1', T0, 'zh-CN').ack);
    // a 32-byte signature is 43 base64url characters: the last one carries 4 bits and 2 that decoding drops
    const last = B64URL.indexOf(token.charAt(token.length - 1));
    const respelled = token.slice(0, -1) + B64URL.charAt(last ^ 1);
    expect(Buffer.from(respelled.split('.')[1] ?? '', 'base64url')).toEqual(Buffer.from(token.split('.')[1] ?? '', 'base64url'));
    expect(links.verify(respelled, T0)).toBeUndefined();
    expect(links.verify(tampered(token), T0)).toBeUndefined();
    expect(links.verify(token, T0)).toMatchObject({ person: 'lin_wei' });
  });
});
