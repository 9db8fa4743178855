/**
 * Group commit: items submitted while a commit is running are written together by the next one,
 * so many concurrent transactions share one durable write instead of paying one each. There is no
 * timer: a commit starts as soon as the previous one is done (natural batching), so the batch
 * grows with the load by itself, up to `maxBatch`. Shared by the station (sales from its pumps) and
 * the company (reports from its stations).
 */

/**
 * Most items one commit takes. Large, because with many pumps each sale dirties pages of its
 * pump's index entries: bigger batches share those page writes (and the fsync) between more sales.
 */
export const DEFAULT_MAX_BATCH = 10_000;

export class GroupCommitter<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;
  /** Sizes of the batches written, for metrics. */
  onBatch: ((size: number, ms: number) => void) | undefined;

  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => this.enqueue(item, resolve, reject));
  }

  /**
   * submit() with callbacks (no promise per item): `done` or `failed` is called once the batch
   * holding `item` is committed or has failed. A `done` that throws gets its `failed` called.
   */
  enqueue(item: T, done: (r: R) => void, failed: (e: unknown) => void): void {
    this.queue.push({ item, resolve: done, reject: failed });
    if (!this.running) {
      this.running = true;
      this.idle = new Promise((r) => {
        this.markIdle = r;
      });
      // Let the rest of this tick's lines join the batch.
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  flushed(): Promise<void> {
    return this.idle;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      let batch = this.queue;
      if (batch.length <= this.maxBatch) this.queue = [];
      else batch = this.queue.splice(0, this.maxBatch);
      const items = new Array<T>(batch.length);
      for (let i = 0; i < batch.length; i++) items[i] = (batch[i] as (typeof batch)[number]).item;
      const started = performance.now();
      let results: R[];
      try {
        results = await this.commit(items);
      } catch (err) {
        for (const b of batch) b.reject(err);
        continue;
      }
      this.onBatch?.(batch.length, performance.now() - started);
      for (let i = 0; i < batch.length; i++) {
        const b = batch[i] as (typeof batch)[number];
        try {
          b.resolve(results[i] as R);
        } catch (err) {
          b.reject(err);
        }
      }
      // Let the confirmations go out and the lines that arrived meanwhile join the next batch.
      if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
    }
    this.running = false;
    this.markIdle?.();
  }
}
