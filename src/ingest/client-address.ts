/**
 * The address a request came from: the socket's peer, or, when that peer is a proxy of
 * `http.trustProxy`, the X-Forwarded-For hop nearest it that no trusted proxy added (express's req.ip).
 * Every use of a client's address goes through here, so a sender cannot name itself by a header.
 */
import type { Request } from 'express';

/** `::ffff:10.0.0.5` → `10.0.0.5`; IPv6 as is; undefined when the socket is gone. */
export function clientAddress(req: Request): string | undefined {
  const ip = req.ip?.trim();
  if (!ip) return undefined;
  return ip.toLowerCase().startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
