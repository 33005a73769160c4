import type { Clock } from '../domain/clock';
import type { Storage } from '../store';
import { readItem, updateWithCasDetailed } from '../store';
import { KNOWN_APPROVERS_KEY, KnownApproversSchema, type KnownApprovers, type StoredScopeRequest } from './scopeRequestRecords';

/** How often the known-approvers list is rewritten for the same person (a hint: who is shown their own view). */
const APPROVER_NOTE_MS = 60 * 60 * 1000;

/**
 * People the bot has seen holding scope.approve. Each is shown their own view
 * of a request (in Teams: a card refresh); the list is a hint, so a failed or skipped write only costs a refresh.
 */
export class KnownApproverList {
  /** When each person was last written, so a busy approver does not rewrite the shared key on every click. */
  private readonly noted = new Map<string, number>();

  constructor(private readonly deps: { storage: Storage; clock: Clock }) {}

  /** Ids, most recent first. */
  async ids(): Promise<string[]> {
    const raw = await readItem(this.deps.storage, KNOWN_APPROVERS_KEY);
    const parsed = raw ? KnownApproversSchema.safeParse(raw) : undefined;
    if (!parsed?.success) return [];
    return [...parsed.data.users].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen)).map((u) => u.aadObjectId);
  }

  /** Remembers someone who holds scope.approve. Cheap when called often. */
  async note(aadObjectId: string): Promise<void> {
    const now = this.deps.clock.now();
    const last = this.noted.get(aadObjectId);
    if (last !== undefined && now - last < APPROVER_NOTE_MS) return;
    this.noted.set(aadObjectId, now);
    await updateWithCasDetailed<KnownApprovers>(this.deps.storage, KNOWN_APPROVERS_KEY, (cur) => {
      const users = (cur?.users ?? []).filter((u) => u.aadObjectId !== aadObjectId);
      users.unshift({ aadObjectId, lastSeen: new Date(now).toISOString() });
      return { schemaVersion: 1, users: users.slice(0, 200) };
    });
  }

  /** The people who act on a request, each shown their own view of it: the requester and known approvers, in that order. */
  async audienceOf(record: StoredScopeRequest): Promise<string[]> {
    return [...new Set([record.request.requester.aadObjectId, ...(await this.ids())])];
  }
}
