/** The address a request came from, as the HTTP server sees it (X-Forwarded-For's first hop behind a proxy). */
import type { Request } from 'express';

/** `::ffff:10.0.0.5` → `10.0.0.5`; IPv6 as is; undefined when the socket is gone. */
export function clientAddress(req: Request): string | undefined {
  const ip = req.ip?.trim();
  if (!ip) return undefined;
  return ip.toLowerCase().startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
