/**
 * The floor the intake table measures tocsin against: the least a Node daemon can do and still
 * answer 200 only after Redis holds the alerts. node:http, the body parsed as JSON, one EVALSHA per
 * webhook writing one hash field per alert (through ioredis, as tocsin does), the answer. No
 * validation, classification, grouping, metrics or logs. Run as its own process by bench/run.ts:
 * PORT and REDIS_URL in the environment; GET answers 200 once the script is loaded.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';

const LUA = "for i = 1, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], '1') end return #ARGV";

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const sha = String(await redis.script('LOAD', LUA));

const server = createServer((req, res) => {
  if (req.method !== 'POST') return void res.end('ok');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let ids: string[];
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts?: { fingerprint?: unknown }[] };
      ids = (body.alerts ?? []).map((a) => String(a.fingerprint));
    } catch {
      res.statusCode = 400;
      return void res.end();
    }
    redis.evalsha(sha, 1, 'bench-floor:alerts', ...ids).then(
      () => {
        res.setHeader('content-type', 'application/json');
        res.end(`{"accepted":${ids.length}}`);
      },
      () => {
        res.statusCode = 503;
        res.end();
      },
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
