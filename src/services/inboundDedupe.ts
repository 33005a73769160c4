import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock';
import { updateWithCasDetailed, type Storage } from '../store';

/** How long an activity id is remembered: Teams and the Bot Connector redeliver within seconds to minutes. */
export const DEDUPE_WINDOW_MS = 15 * 60_000;

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
 * The same inbound activity delivered twice (a Bot Connector retry after a slow answer, a replay) runs once. The
 * first delivery claims the activity id in the shared store by CAS, so a retry that reaches another instance, or this
 * one after a restart, is recognised too. Records are small and keyed by a hash; they are not cleaned up.
 */
export class InboundDedupe {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly windowMs = DEDUPE_WINDOW_MS,
  ) {}

  /** True when this delivery is the first within the window (run it); false for a repeat (answer, run nothing). */
  async claim(activity: InboundDelivery): Promise<boolean> {
    if (!activity.id) return true;
    const identity = [activity.channelId ?? '', activity.conversation?.id ?? '', activity.type ?? '', activity.id].join('\n');
    const key = `inbound/${createHash('sha256').update(identity).digest('hex')}`;
    const now = this.clock.now();
    const r = await updateWithCasDetailed<Seen>(this.storage, key, (seen) => (seen && now - seen.at < this.windowMs ? 'abort' : { at: now }));
    return r.outcome === 'committed';
  }
}
