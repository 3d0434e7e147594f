/** Clocks: the real one, and a manual one for tests and benchmarks. */
import type { Clock } from '../domain/ports.js';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to (tests step the playbook's minutes explicitly). */
export class ManualClock implements Clock {
  constructor(private current: number = Date.parse('2026-11-23T10:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
