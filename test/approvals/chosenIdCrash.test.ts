/**
 * A request with a caller-chosen id (a scope review's removal) whose first attempt died after its marker and before
 * its record: the retry stores it, instead of calling its own reservation a duplicate or its own marker a collision
 * (the item would show Remove while no request ever reached an approver).
 */
import { DEMO } from '../../src/simulator/demoIds';
import { activeKey, requestKey } from '../../src/services/scopeRequestRecords';
import { MemoryStorage } from '../../src/store/memory';
import { BotUnderTest, LEE } from '../harness/bot';
import { C2F } from './helpers';

const ID = 'REQ-CRSH1';

/** Fails the first write of one key, as a process that dies right there. */
class DiesOnce extends MemoryStorage {
  private died = false;
  constructor(private readonly key: string) {
    super();
  }
  override async write(changes: Parameters<MemoryStorage['write']>[0]): Promise<void> {
    if (!this.died && this.key in changes) {
      this.died = true;
      throw new Error('killed');
    }
    return super.write(changes);
  }
}

describe('a request with a chosen id after a crash between marker and record', () => {
  const storage = new DiesOnce(requestKey(ID));
  const t = new BotUnderTest();
  beforeAll(() => t.start({}, { storage }));
  afterAll(() => t.stop());

  it('is stored by the retry, once', async () => {
    const input = {
      id: ID,
      configuration: C2F.name,
      op: 'remove' as const,
      principalType: 'user' as const,
      principals: [DEMO.users.isaiah.id],
      reason: 'scope review REV-TEST: marked Remove',
      requester: { aadObjectId: LEE.aadObjectId, tenantId: '', name: 'Lee Gu' },
    };
    await expect(t.bot.approvals.create(input)).rejects.toThrow('killed');
    expect(Object.keys(await storage.read([activeKey(ID)]))).toEqual([activeKey(ID)]);
    expect(await t.bot.approvals.get(ID)).toBeUndefined();

    const retried = await t.bot.approvals.create(input);
    expect(retried.ok).toBe(true);
    expect((await t.bot.approvals.get(ID))?.request.status).toBe('pending');
    expect((await t.bot.approvals.pending()).filter((r) => r.request.id === ID)).toHaveLength(1);

    // A third attempt (a racing sweep) finds the same request rather than a collision.
    const again = await t.bot.approvals.create(input);
    expect(again.ok && again.record.request.id).toBe(ID);
  });
});
