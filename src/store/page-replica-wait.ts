/** Waiting for Redis replicas to hold a page's claim and record, without ever holding pages back for long. */
import { replicasConfirming, type ReplicaWait } from './redis.js';

/**
 * With `incidents.replicas`: a page's claim and its record are written on the wait's connection and
 * waited for (WAIT), so that a failover to a replica knows what was sent and sends nothing twice.
 * A page is never held back for long: when fewer replicas confirm in time it goes out all the same,
 * `unconfirmed` is told, and for `pauseMs` after that pages do not wait at all (each write told as
 * unconfirmed), so a replica that lags delays one page, not every page of a storm in turn.
 */
export class PageReplicaWait {
  private pausedUntil = 0;
  /** The WAIT on the wire, and the one that follows it for every write made while it was. */
  private current: Promise<number> | undefined;
  private next: Promise<number> | undefined;

  constructor(
    readonly wait: ReplicaWait,
    private readonly pauseMs: number,
    private readonly unconfirmed: (write: 'claim' | 'record', confirmed: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async confirm(write: 'claim' | 'record'): Promise<void> {
    if (this.now() < this.pausedUntil) return this.unconfirmed(write, 0);
    const confirmed = await this.waited();
    if (confirmed >= this.wait.replicas) return;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + this.pauseMs);
    this.unconfirmed(write, confirmed);
  }

  /**
   * One WAIT at a time: WAITs on one connection run one after another, so pages written together
   * would otherwise each wait out the timeout in turn. A write made while a WAIT is on the wire
   * shares the next one, sent when that one is back (and not at all if it found the replicas lagging).
   */
  private waited(): Promise<number> {
    if (!this.current) return this.start();
    this.next ??= this.current.then(
      () => this.followUp(),
      () => this.followUp(),
    );
    return this.next;
  }

  private followUp(): Promise<number> {
    this.next = undefined;
    return this.now() < this.pausedUntil ? Promise.resolve(0) : this.start();
  }

  private start(): Promise<number> {
    const w = replicasConfirming(this.wait);
    this.current = w;
    void w.then(
      () => this.settle(w),
      () => this.settle(w),
    );
    return w;
  }

  private settle(w: Promise<number>): void {
    if (this.current === w) this.current = undefined;
  }
}
