import { ManualClock } from '../../src/domain/clock';
import { createRequest, type ScopeRequest } from '../../src/domain/approvals';
import { OPEN_INDEX_KEY } from '../../src/services/approvalRecords';
import { OpenRequests } from '../../src/services/openRequests';
import { MemoryStorage } from '../../src/store/memory';

/** A store that counts writes per key (MemoryStorage underneath: same eTag rules as FileStorage). */
class CountingStorage extends MemoryStorage {
  readonly writes = new Map<string, number>();
  override async write(changes: Parameters<MemoryStorage['write']>[0]): Promise<void> {
    for (const k of Object.keys(changes)) this.writes.set(k, (this.writes.get(k) ?? 0) + 1);
    return super.write(changes);
  }
}

const clock = new ManualClock(Date.UTC(2026, 10, 23, 12));
const request = (i: number): ScopeRequest =>
  createRequest({
    id: `REQ-${String(i).padStart(5, '0')}`,
    configuration: 'contoso-to-fabrikam',
    op: 'add',
    principalType: 'user',
    principals: [{ id: `user-${i}`, displayName: `User ${i}` }],
    reason: 'bench',
    requester: { aadObjectId: 'requester', name: 'Requester' },
    now: clock.now(),
  });

describe('the open-requests index under many decisions at once (issue 15: the approvals stall)', () => {
  it('applies 100 concurrent updates in a few CAS writes, each update landing, in the order they came', async () => {
    const storage = new CountingStorage();
    const open = new OpenRequests({ storage, clock, readSafely: async () => undefined });
    const requests = Array.from({ length: 100 }, (_, i) => request(i));
    await Promise.all(requests.map((r) => open.updateIndex(r)));
    storage.writes.clear();

    // Every request moves on twice at once (executing, then done for the even ones): before, each update was its own
    // CAS on the one index key and 100 at once cost thousands of failed rounds.
    await Promise.all(
      requests.flatMap((r, i) => [open.updateIndex({ ...r, status: 'executing' }), ...(i % 2 ? [] : [open.updateIndex({ ...r, status: 'done' })])]),
    );
    expect(storage.writes.get(OPEN_INDEX_KEY)).toBeLessThanOrEqual(3);
    const index = await open.readIndex();
    expect(index?.entries.map((e) => e.id).sort()).toEqual(requests.filter((_, i) => i % 2).map((r) => r.id));
    expect(index?.entries.every((e) => e.status === 'executing')).toBe(true);
  });
});
