/**
 * Group commit: items submitted while a commit is running are written together by the next one,
 * so many concurrent transactions share one durable write instead of paying one each.
 */
export class GroupCommitter<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;
  /** Sizes of the batches written, for metrics. */
  onBatch: ((size: number, ms: number) => void) | undefined;

  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        this.idle = new Promise((r) => {
          this.markIdle = r;
        });
        // Let the rest of this tick's lines join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  flushed(): Promise<void> {
    return this.idle;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const started = performance.now();
      try {
        const results = await this.commit(batch.map((b) => b.item));
        this.onBatch?.(batch.length, performance.now() - started);
        for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.running = false;
    this.markIdle?.();
  }
}
