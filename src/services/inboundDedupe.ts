import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock';
import { createIfAbsent, updateWithCasDetailed, type Storage } from '../store';

/** How long an activity id is remembered: Teams and the Bot Connector redeliver within seconds to minutes. */
export const DEDUPE_WINDOW_MS = 15 * 60_000;
/** Claims this process remembers in memory (the oldest are forgotten first; the store still has the durable ones). */
export const DEDUPE_MEMORY_ENTRIES = 10_000;

/** The parts of an inbound activity that identify one delivery (a Bot Framework Activity has them). */
export interface InboundDelivery {
  id?: string;
  channelId?: string;
  type?: string;
  conversation?: { id?: string };
}

interface Seen {
  at: number;
}

/**
 * The same inbound activity delivered twice (a Bot Connector retry after a slow answer, a replay) runs once.
 *
 * A turn that may change something claims the activity id in the shared store (create-only, then CAS for an expired
 * record), so a retry that reaches another instance, or this one after a restart, is recognised too. Every claim is
 * also remembered in memory (bounded), so a repeat reaching this instance costs no store read. A turn that only reads
 * (`durable: false`: help, status, …) is claimed in memory only: its store claim was the largest cost of a `help`
 * turn (a durable, fsync'd write), and a repeat of a read that reaches another instance only answers again.
 * Records are small and keyed by a hash; they are not cleaned up.
 */
export class InboundDedupe {
  private readonly memory = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly windowMs = DEDUPE_WINDOW_MS,
    private readonly memoryEntries = DEDUPE_MEMORY_ENTRIES,
  ) {}

  /** True when this delivery is the first within the window (run it); false for a repeat (answer, run nothing). */
  async claim(activity: InboundDelivery, options: { durable?: boolean } = {}): Promise<boolean> {
    if (!activity.id) return true;
    const identity = [activity.channelId ?? '', activity.conversation?.id ?? '', activity.type ?? '', activity.id].join('\n');
    const key = `inbound/${createHash('sha256').update(identity).digest('hex')}`;
    const now = this.clock.now();
    const seen = this.memory.get(key);
    if (seen !== undefined && now - seen < this.windowMs) return false;
    if (options.durable !== false && !(await this.claimInStore(key, now))) return false;
    this.remember(key, now);
    return true;
  }

  private async claimInStore(key: string, now: number): Promise<boolean> {
    // Almost every delivery is new: create-only saves the read a CAS starts with. An existing record (a repeat, or
    // one past the window) is decided by CAS.
    if (await createIfAbsent<Seen>(this.storage, key, { at: now })) return true;
    const r = await updateWithCasDetailed<Seen>(this.storage, key, (seen) => (seen && now - seen.at < this.windowMs ? 'abort' : { at: now }));
    return r.outcome === 'committed';
  }

  private remember(key: string, now: number): void {
    this.memory.delete(key);
    this.memory.set(key, now);
    while (this.memory.size > this.memoryEntries) this.memory.delete(this.memory.keys().next().value as string);
  }
}
