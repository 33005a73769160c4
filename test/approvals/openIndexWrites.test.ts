import { ManualClock } from '../../src/domain/clock';
import { createRequest, type ScopeRequest } from '../../src/domain/scopeRequests';
import { SCOPE_REQUEST_RECORD_VERSION, OPEN_INDEX_KEY, activeKey, requestKey } from '../../src/services/scopeRequestRecords';
import { ScopeRequestService, PENDING_READ_PAGE } from '../../src/services/scopeRequests';
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
const request = (i: number, now = clock.now()): ScopeRequest =>
  createRequest({
    id: `REQ-${String(i).padStart(5, '0')}`,
    configuration: 'contoso-to-fabrikam',
    op: 'add',
    principalType: 'user',
    principals: [{ id: `user-${i}`, displayName: `User ${i}` }],
    reason: 'bench',
    requester: { aadObjectId: 'requester', name: 'Requester' },
    now,
  });

describe('the open-requests index under many decisions at once (issue 15: the approvals stall)', () => {
  it('applies 100 concurrent updates in a few CAS writes, each update landing, in the order they came', async () => {
    const storage = new CountingStorage();
    const open = new OpenRequests({ storage, clock, readSafely: () => Promise.resolve(undefined) });
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

describe('pending() with many open requests (issue 15: memory)', () => {
  it('reads the open requests a page at a time, not all at once, and still lists every one, oldest first', async () => {
    class ConcurrencyStorage extends MemoryStorage {
      inFlight = 0;
      most = 0;
      override async read(keys: string[]) {
        const requests = keys.filter((k) => k.startsWith('approvals/req/')).length;
        this.inFlight += requests;
        this.most = Math.max(this.most, this.inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        try {
          return await super.read(keys);
        } finally {
          this.inFlight -= requests;
        }
      }
    }
    const storage = new ConcurrencyStorage();
    const risk = {
      usersAffected: 1,
      scopeSizeBefore: 0,
      groups: [],
      privileged: [],
      privilegedChecked: 0,
      growthWarning: false,
      tripsDeletionThreshold: false,
      warnings: [],
    };
    const n = 300;
    for (let i = 0; i < n; i++) {
      const r = request(i, clock.now() - (n - i) * 1000);
      await storage.write({
        [activeKey(r.id)]: { id: r.id, createdAt: r.createdAt },
        [requestKey(r.id)]: { schemaVersion: SCOPE_REQUEST_RECORD_VERSION, request: r, risk, graphRequestIds: {} },
      });
    }
    const service = new ScopeRequestService({ storage, clock, configs: {} as never, graph: {} as never, audit: {} as never, access: {} as never });
    const open = await service.pending();
    expect(open).toHaveLength(n);
    expect(open[0].request.id).toBe(request(0).id);
    expect(storage.most).toBeLessThanOrEqual(PENDING_READ_PAGE);
  });
});
