/**
 * One socket write per turn of the event loop. The engine runs hundreds of incidents side by side,
 * each sending a few small commands whenever a reply arrives; ioredis writes each command to the
 * socket at once, and on loopback a write costs about as much as the command itself. Corking the
 * socket on the first write of a turn and uncorking it when the turn's microtasks are done sends
 * them all in one writev. Unlike ioredis' auto-pipelining this never holds a command back waiting
 * for an earlier batch's replies, so Redis and the daemon keep working at the same time.
 */
import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';

const patched = new WeakSet<object>();

/** Coalesces the writes of a connection, and of every node connection of a cluster client. */
export function coalesceWrites(client: Redis | Cluster): void {
  if ('nodes' in client && typeof client.nodes === 'function') {
    client.on('+node', (node: Redis) => coalesceWrites(node));
    for (const node of client.nodes()) coalesceWrites(node);
    return;
  }
  const redis = client as Redis;
  if (patched.has(redis)) return;
  patched.add(redis);
  const patch = () => {
    const stream = (redis as unknown as { stream?: Socket }).stream;
    if (stream && typeof stream.cork === 'function') corkPerTurn(stream);
  };
  redis.on('connect', patch);
  patch();
}

function corkPerTurn(stream: Socket): void {
  if (patched.has(stream)) return;
  patched.add(stream);
  const write = stream.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  stream.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked && !stream.destroyed) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
