/**
 * Group commit: work submitted while earlier calls are in flight waits and goes out together in the
 * next call, so many concurrent webhooks cost one Redis round trip instead of one each. No timer is
 * involved: a lone submission goes out at once, and under load batches form by themselves while up to
 * `maxInFlight` calls are on the wire. Each submitter gets back exactly the results of its own items,
 * in order, or the error of the call that carried them.
 */
export interface GroupCommitOptions {
  /** Calls on the wire at once; more work waits for one of them to answer. */
  readonly maxInFlight: number;
  /** Items per call at most; a larger submission is split over several calls. */
  readonly maxBatch: number;
}

interface Pending<I, O> {
  readonly items: readonly I[];
  readonly resolve: (out: O[]) => void;
  readonly reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly call: (items: readonly I[]) => Promise<O[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > this.options.maxBatch) return this.split(items);
    return new Promise<O[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.pump();
    });
  }

  private async split(items: readonly I[]): Promise<O[]> {
    const parts: Promise<O[]>[] = [];
    for (let i = 0; i < items.length; i += this.options.maxBatch) parts.push(this.submit(items.slice(i, i + this.options.maxBatch)));
    const settled = await Promise.allSettled(parts);
    const out: O[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      out.push(...s.value);
    }
    return out;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch: Pending<I, O>[] = [];
      let size = 0;
      while (this.queue.length > 0 && size + (this.queue[0]?.items.length ?? 0) <= this.options.maxBatch) {
        const next = this.queue.shift() as Pending<I, O>;
        batch.push(next);
        size += next.items.length;
      }
      this.inFlight++;
      void this.send(batch);
    }
  }

  private async send(batch: readonly Pending<I, O>[]): Promise<void> {
    try {
      const items = batch.flatMap((p) => p.items);
      const out = await this.call(items);
      if (out.length !== items.length) throw new Error(`group commit: ${items.length} items sent, ${out.length} results back`);
      let at = 0;
      for (const p of batch) {
        p.resolve(out.slice(at, at + p.items.length));
        at += p.items.length;
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.inFlight--;
      this.pump();
    }
  }
}
