/**
 * The waits a page's claim is measured against, from daemon.yaml (ms): the grace a claim taken over
 * waits before its send, and the longest one attempt of a page takes from its claim to its record.
 * The daemon waits them; start-up checks escalation.lease and escalation.workerStop against them.
 */

/** The Redis client's waits (daemon.yaml `redis`) that bound how late a sender's record lands once Redis answers. */
export interface RedisWaits {
  readonly reconnect: { readonly max: number };
  readonly commandTimeout: number;
}

/**
 * How long a claim taken over from another process waits before its send: that process's longest
 * pause between two attempts to reach Redis (redis.reconnect.max) and one command
 * (redis.commandTimeout). A record of a page it sent while Redis was down lands within it, and the
 * renewal right before the send finds the page settled.
 */
export function takeoverGraceMs(redis: RedisWaits): number {
  return redis.reconnect.max + redis.commandTimeout;
}

/**
 * The longest one attempt of a page may take once claimed: the takeover grace, the send (the
 * longest of the provider timeouts `sendMs`) and the write of its record (one command).
 */
export function longestAttemptMs(redis: RedisWaits, sendMs: number): number {
  return takeoverGraceMs(redis) + sendMs + redis.commandTimeout;
}
