/**
 * Who runs the singleton work (the monitor loop, proactive fan-out) when several bot instances run.
 * With FileStorage there is one process per data directory, so it always leads; the Azure Blob lease
 * implementation for scale-out is BlobLeaseLeader (blobLeader.ts).
 */
export interface LeaderElection {
  isLeader(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Called with the new state whenever leadership is gained or lost; returns an unsubscribe function. */
  onChange(cb: (isLeader: boolean) => void): () => void;
}

export class SingleProcessLeader implements LeaderElection {
  private leading = false;
  private readonly listeners = new Set<(isLeader: boolean) => void>();

  isLeader(): boolean {
    return this.leading;
  }

  start(): Promise<void> {
    this.set(true);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.set(false);
    return Promise.resolve();
  }

  onChange(cb: (isLeader: boolean) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    for (const cb of [...this.listeners]) cb(leading);
  }
}
