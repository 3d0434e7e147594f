/**
 * Time-sortable ids in the ULID layout (26 Crockford base32 characters: 48-bit ms time, then 80 bits).
 * The 80 bits are a per-process random prefix plus a counter, so ids are unique across replicas and
 * cost no system call per id on the intake path.
 */
import { randomBytes } from 'node:crypto';
import type { IdSource } from '../domain/ports.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(now: number): string {
  let t = Math.max(0, Math.floor(now));
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = (ALPHABET[t % 32] ?? '0') + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function randomChars(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[(bytes[i] ?? 0) & 31];
  return out;
}

/** A standalone id with 80 random bits. */
export function ulid(now: number): string {
  return encodeTime(now) + randomChars(16);
}

export class UlidSource implements IdSource {
  /** 50 random bits per process, then a 30-bit counter (wraps after ~10^9 ids, with a fresh prefix). */
  private prefix = randomChars(10);
  private counter = 0;

  constructor(private readonly namePrefix = '') {}

  next(now: number): string {
    if (this.counter >= 0x40000000) {
      this.prefix = randomChars(10);
      this.counter = 0;
    }
    let c = this.counter++;
    let tail = '';
    for (let i = 0; i < 6; i++) {
      tail = (ALPHABET[c & 31] ?? '0') + tail;
      c >>>= 5;
    }
    return this.namePrefix + encodeTime(now) + this.prefix + tail;
  }
}
