/**
 * Coalesces writes to one hot record inside this process: whatever arrives while one write runs goes into the next,
 * so N concurrent callers cost a few CAS writes instead of N writes and up to N² conflicts (a convoy). Each caller's
 * promise settles when the write that carried its item has committed (or failed), so "durable before acknowledging"
 * still holds. Across processes the write itself is still a CAS.
 */
export class BatchedWriter<T> {
  private queue: { item: T; done: () => void; fail: (e: unknown) => void }[] = [];
  private running?: Promise<void>;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  push(item: T): Promise<void> {
    const p = new Promise<void>((done, fail) => this.queue.push({ item, done, fail }));
    if (!this.running) this.running = this.drain();
    return p;
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        await this.write(batch.map((b) => b.item));
        batch.forEach((b) => b.done());
      } catch (err) {
        batch.forEach((b) => b.fail(err));
      }
    }
    this.running = undefined;
  }
}
