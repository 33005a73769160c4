import { ContainerClient } from '@azure/storage-blob';
import type { Clock } from '../../src/domain/clock';
import { BlobLeaseLeader, InvalidLeaseDurationError } from '../../src/store/blobLeader';
import { type Azurite, startAzurite, uniqueContainer } from './azurite';

/**
 * Leases are 15 s minimum on Azure and on Azurite (checked: 14 s is refused with 400 InvalidHeaderValue),
 * so these tests run on virtual time: jest fakes only `Date` — which both our leaders (through their clock)
 * and the in-process Azurite (for lease expiry) read — and VirtualTime runs the leaders' timers in order,
 * waiting for each tick's requests. Real I/O, real lease semantics, no sleeping.
 */

const LEASE_S = 15;
const LEASE_MS = LEASE_S * 1000;

interface Task {
  at: number;
  seq: number;
  owner: string;
  fn: () => unknown;
}

class VirtualTime {
  private tasks: Task[] = [];
  private seq = 0;
  private readonly dead = new Set<string>();
  private readonly paused = new Set<string>();

  now(): number {
    return Date.now();
  }

  /** One process's clock: shared time, its own timers. */
  clockFor(owner: string): Clock {
    return {
      now: () => this.now(),
      sleep: () => Promise.reject(new Error('the leader never sleeps')),
      random: () => 0.5,
      setTimeout: (fn, ms) => {
        if (this.dead.has(owner)) return undefined;
        const task = { at: this.now() + ms, seq: this.seq++, owner, fn };
        this.tasks.push(task);
        return task;
      },
      clearTimeout: (h) => {
        this.tasks = this.tasks.filter((t) => t !== h);
      },
    };
  }

  /** SIGKILL: its timers never run again, and it releases nothing. */
  kill(owner: string): void {
    this.dead.add(owner);
    this.tasks = this.tasks.filter((t) => t.owner !== owner);
  }

  /** A stalled process (long GC, frozen VM): its timers wait until resumed. */
  pause(owner: string): void {
    this.paused.add(owner);
  }

  resume(owner: string): void {
    this.paused.delete(owner);
  }

  /** Moves time forward, running every due timer at its own instant and awaiting its work. */
  async advance(ms: number, after?: () => void): Promise<void> {
    const target = this.now() + ms;
    for (;;) {
      const due = this.tasks.filter((t) => t.at <= target && !this.paused.has(t.owner)).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      if (due.at > this.now()) jest.setSystemTime(due.at);
      await due.fn();
      after?.();
    }
    jest.setSystemTime(target);
  }

  /** Advances in `step`s until `done()` or `limit` ms have passed; returns the virtual ms spent. */
  async until(done: () => boolean, limit: number, step = 500): Promise<number> {
    const start = this.now();
    while (!done() && this.now() - start < limit) await this.advance(step);
    return this.now() - start;
  }
}

let azurite: Azurite;
let container: ContainerClient;
let vt: VirtualTime;
const leaders: BlobLeaseLeader[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});
beforeEach(async () => {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
    now: Date.UTC(2026, 0, 1),
  });
  vt = new VirtualTime();
  container = new ContainerClient(azurite.connectionString, uniqueContainer('lease'));
  await container.create();
});
afterEach(async () => {
  await Promise.all(leaders.splice(0).map((l) => l.stop()));
  jest.useRealTimers();
});

function leader(instanceId: string, errors: unknown[] = []): BlobLeaseLeader {
  const l = new BlobLeaseLeader({
    container,
    instanceId,
    leaseSeconds: LEASE_S,
    clock: vt.clockFor(instanceId),
    onError: (e) => errors.push(e),
  });
  leaders.push(l);
  return l;
}

const leadingCount = (ls: BlobLeaseLeader[]): number => ls.filter((l) => l.isLeader()).length;

describe('BlobLeaseLeader on Azurite', () => {
  it('elects exactly one of two instances and keeps it through many renewals', async () => {
    const errors: unknown[] = [];
    const a = leader('a', errors);
    const b = leader('b', errors);
    await Promise.all([a.start(), b.start()]);
    expect(leadingCount([a, b])).toBe(1);
    const first = a.isLeader() ? a : b;

    const counts = new Set<number>();
    await vt.advance(5 * LEASE_MS, () => counts.add(leadingCount([a, b])));
    expect([...counts]).toEqual([1]);
    expect(first.isLeader()).toBe(true);
    expect(errors).toEqual([]);
    expect(await first.readLeaderInfo()).toMatchObject({ instanceId: first.instanceId });
  });

  it('hands over within two lease periods when the leader dies without releasing', async () => {
    const a = leader('a');
    await a.start();
    const b = leader('b');
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    const seen: boolean[] = [];
    b.onChange((v) => seen.push(v));

    await vt.advance(7_000);
    vt.kill('a');
    const took = await vt.until(() => b.isLeader(), 3 * LEASE_MS);
    expect(b.isLeader()).toBe(true);
    expect(took).toBeLessThanOrEqual(2 * LEASE_MS);
    expect(took).toBeGreaterThan(LEASE_MS - 7_000); // not before the lease could have lapsed
    expect(seen).toEqual([true]);
    // The dead one's own clock has told it, even with no timer running, that it no longer leads.
    expect(a.isLeader()).toBe(false);
    expect(await b.readLeaderInfo()).toMatchObject({ instanceId: 'b' });
  });

  it('hands over at the next attempt when the leader stops (the lease is released)', async () => {
    const a = leader('a');
    const b = leader('b');
    await a.start();
    await b.start();
    const seenA: boolean[] = [];
    a.onChange((v) => seenA.push(v));
    await a.stop();
    expect(seenA).toEqual([false]);
    const took = await vt.until(() => b.isLeader(), 3 * LEASE_MS);
    expect(took).toBeLessThanOrEqual(LEASE_MS / 3);
  });

  it('a stalled leader learns on its next renewal that it lost the lease, and onChange says so', async () => {
    const a = leader('a');
    const b = leader('b');
    await a.start();
    await b.start();
    const seenA: boolean[] = [];
    a.onChange((v) => seenA.push(v));

    vt.pause('a');
    await vt.until(() => b.isLeader(), 3 * LEASE_MS);
    expect(b.isLeader()).toBe(true);
    expect(a.isLeader()).toBe(false); // by its own clock, before it even talks to the service

    vt.resume('a');
    await vt.advance(1);
    expect(seenA).toEqual([false]);
    expect(leadingCount([a, b])).toBe(1);
    await vt.advance(2 * LEASE_MS);
    expect([a.isLeader(), b.isLeader()]).toEqual([false, true]);
  });

  it('keeps trying after an unexpected error (here: the container is missing), reporting it', async () => {
    const errors: unknown[] = [];
    const missing = new ContainerClient(azurite.connectionString, uniqueContainer('late'));
    const l = new BlobLeaseLeader({
      container: missing,
      instanceId: 'a',
      leaseSeconds: LEASE_S,
      clock: vt.clockFor('a'),
      onError: (e) => errors.push(e),
    });
    leaders.push(l);
    await l.start();
    expect(l.isLeader()).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0])).toMatch(/ContainerNotFound|container/i);
    await missing.create();
    await vt.until(() => l.isLeader(), 2 * LEASE_MS);
    expect(l.isLeader()).toBe(true);
  });

  it('refuses lease durations the service would refuse', () => {
    expect(() => new BlobLeaseLeader({ container, instanceId: 'x', leaseSeconds: 10 })).toThrow(InvalidLeaseDurationError);
    expect(() => new BlobLeaseLeader({ container, instanceId: 'x', leaseSeconds: 61 })).toThrow(InvalidLeaseDurationError);
  });
});
