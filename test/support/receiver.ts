/** A tiny HTTP receiver on loopback that records every request, for webhooks sent by real peers. */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json<T = unknown>(): T;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: Received[];
  /** Resolves with the first request (old or new) that matches, or rejects after `ms`. */
  waitFor(match: (r: Received) => boolean, ms?: number, what?: string): Promise<Received>;
  close(): Promise<void>;
}

export async function startReceiver(options: { host?: string; status?: number } = {}): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: <T>() => JSON.parse(body) as T });
      res.writeHead(options.status ?? 200, { 'content-type': 'application/json' }).end('{}');
      for (const w of waiters) w();
    });
  });
  server.listen(0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
    waitFor(match, ms = 20_000, what = 'a matching request') {
      return new Promise<Received>((resolve, reject) => {
        const check = () => {
          const hit = requests.find(match);
          if (hit === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: ${what} did not arrive within ${ms} ms; got ${requests.length} request(s): ${requests.slice(-5).map((r) => `${r.method} ${r.path} ${r.body.slice(0, 300)}`).join(' | ')}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
