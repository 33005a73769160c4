import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { Clock } from '../domain/clock';
import { systemClock } from '../domain/clock';
import { codeOf, statusOf } from './blobStorage';
import type { LeaderElection } from './leader';

/**
 * Leader election over one blob's lease, for several bot instances sharing a container.
 *
 * Lease ids are fresh per start() (never derived from instanceId): two instances misconfigured with the
 * same instanceId must not both believe they hold the lease.
 *
 * - Not leading: every `retryEveryMs` make sure the lock blob exists, then try to acquire a lease of
 *   `leaseSeconds` (Azure and Azurite accept 15–60 s). 409 LeaseAlreadyPresent = someone else leads.
 * - Leading: renew every `renewEveryMs` (default a third of the lease, so two renewals may fail before
 *   it could lapse). A renewal refused with 409 (lease gone or taken) ends leadership at once.
 * - Leadership is believed only until `requestStart + lease − safetyMarginMs` of the last successful
 *   acquire/renew by our own clock: isLeader() turns false then even if no timer ran (a stalled event
 *   loop), and the tick scheduled for that moment reports the loss through onChange.
 * - stop(): stop timers, release the lease so a successor can start at once.
 * - A process that dies without stop() just stops renewing; the lease lapses after at most `leaseSeconds`
 *   and the next follower attempt (≤ retryEveryMs later) takes over: within lease + retry, under two
 *   lease periods with the defaults.
 *
 * After a successful acquire the leader records `{ instanceId, since }` in the lock blob (a write that
 * only the lease holder can make), so operators can see who leads; readLeaderInfo() reads it.
 */

export interface BlobLeaseLeaderOptions {
  container: ContainerClient;
  instanceId: string;
  /** The lock blob's name. Default `leases/leader` (outside AzureBlobStorage's `items/` names). */
  blobName?: string;
  /** 15–60 (service limits). Default 30. */
  leaseSeconds?: number;
  renewEveryMs?: number;
  retryEveryMs?: number;
  /** Leadership is given up this long before the lease could lapse. Default a tenth of the lease. */
  safetyMarginMs?: number;
  /** Time and timers (a tick's returned promise lets test schedulers wait for its work). Default: system. */
  clock?: Clock;
  /** Unexpected errors (network, auth); the loop keeps going. */
  onError?: (err: unknown) => void;
}

export interface LeaderInfo {
  instanceId: string;
  since: string;
}

export class InvalidLeaseDurationError extends Error {
  readonly code = 'InvalidLeaseDuration' as const;
  constructor(readonly seconds: number) {
    super(`Blob lease duration must be 15–60 s (got ${seconds})`);
    this.name = 'InvalidLeaseDurationError';
  }
}

export class BlobLeaseLeader implements LeaderElection {
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly retryEveryMs: number;
  private readonly marginMs: number;
  private readonly clock: Clock;
  private readonly blobName: string;
  private readonly listeners = new Set<(isLeader: boolean) => void>();
  private leading = false;
  private validUntil = 0;
  private running = false;
  private leaseId = '';
  private timer: unknown;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BlobLeaseLeaderOptions) {
    const seconds = opts.leaseSeconds ?? 30;
    if (!Number.isInteger(seconds) || seconds < 15 || seconds > 60) throw new InvalidLeaseDurationError(seconds);
    this.leaseMs = seconds * 1000;
    this.renewEveryMs = opts.renewEveryMs ?? Math.floor(this.leaseMs / 3);
    this.retryEveryMs = opts.retryEveryMs ?? Math.floor(this.leaseMs / 3);
    this.marginMs = opts.safetyMarginMs ?? Math.floor(this.leaseMs / 10);
    this.clock = opts.clock ?? systemClock;
    this.blobName = opts.blobName ?? 'leases/leader';
  }

  get instanceId(): string {
    return this.opts.instanceId;
  }

  isLeader(): boolean {
    return this.leading && this.clock.now() < this.validUntil;
  }

  /** Makes one attempt before resolving, so the caller knows at once whether it leads. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.leaseId = randomUUID();
    await this.runTick();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clock.clearTimeout(this.timer);
    await this.inFlight;
    if (this.leading) {
      await this.lease()
        .releaseLease()
        .catch((err: unknown) => this.report(err));
    }
    this.setLeading(false);
  }

  onChange(cb: (isLeader: boolean) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Who recorded itself as leader last (it may have lost the lease since). */
  async readLeaderInfo(): Promise<LeaderInfo | undefined> {
    try {
      const buf = await this.opts.container.getBlobClient(this.blobName).downloadToBuffer();
      const parsed = JSON.parse(buf.toString('utf8')) as Partial<LeaderInfo>;
      return typeof parsed.instanceId === 'string' && typeof parsed.since === 'string' ? { instanceId: parsed.instanceId, since: parsed.since } : undefined;
    } catch (err) {
      if (statusOf(err) === 404 || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  private runTick(): Promise<void> {
    this.inFlight = this.tick().catch((err: unknown) => this.report(err));
    return this.inFlight;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    const started = this.clock.now();
    try {
      if (this.leading) await this.renew(started);
      else await this.tryAcquire(started);
    } catch (err) {
      // Transient or not, report it and keep the loop going: the next tick tries again.
      this.report(err);
    }
    if (!this.running) return;
    const wait = this.leading ? Math.max(0, Math.min(this.renewEveryMs, this.validUntil - this.clock.now())) : this.retryEveryMs;
    this.timer = this.clock.setTimeout(() => this.runTick(), wait);
  }

  private async tryAcquire(started: number): Promise<void> {
    try {
      await this.ensureBlob();
      await this.lease().acquireLease(this.leaseMs / 1000);
    } catch (err) {
      if (statusOf(err) === 409 && codeOf(err) === 'LeaseAlreadyPresent') return;
      throw err;
    }
    this.validUntil = started + this.leaseMs - this.marginMs;
    if (!this.running) {
      // stop() ran while the request was in flight: hand the lease back rather than sit on it.
      await this.lease().releaseLease();
      return;
    }
    this.setLeading(true);
    const info = JSON.stringify({ instanceId: this.opts.instanceId, since: new Date(started).toISOString() });
    await this.opts.container
      .getBlockBlobClient(this.blobName)
      .upload(info, Buffer.byteLength(info), { conditions: { leaseId: this.leaseId } })
      .catch((err: unknown) => this.report(err));
  }

  private async renew(started: number): Promise<void> {
    try {
      await this.lease().renewLease();
      this.validUntil = started + this.leaseMs - this.marginMs;
    } catch (err) {
      // 409: the lease expired and someone else took it, or it was broken. Anything else may be transient:
      // keep leading until the lease could have lapsed.
      if (statusOf(err) === 409 || this.clock.now() >= this.validUntil) this.setLeading(false);
      if (statusOf(err) !== 409) this.report(err);
    }
    if (this.leading && this.clock.now() >= this.validUntil) this.setLeading(false);
  }

  private async ensureBlob(): Promise<void> {
    await this.opts.container
      .getBlockBlobClient(this.blobName)
      .upload('{}', 2, { conditions: { ifNoneMatch: '*' } })
      .catch((err: unknown) => {
        // 409 BlobAlreadyExists; 412 when it exists and is leased.
        if (statusOf(err) !== 409 && statusOf(err) !== 412) throw err;
      });
  }

  private lease() {
    return this.opts.container.getBlobClient(this.blobName).getBlobLeaseClient(this.leaseId);
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    for (const cb of [...this.listeners]) {
      try {
        cb(leading);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private report(err: unknown): void {
    this.opts.onError?.(err);
  }
}
