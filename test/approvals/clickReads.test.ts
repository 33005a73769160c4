/**
 * What one approve click costs the store and the directory (issue 12 / issue 15): the click reads the request record
 * once before its decision commits, and resolves the clicker's roles once. Counted, not timed: the bot runs over
 * /api/messages on a counting store, Graph is the simulator over HTTP.
 */
import { DEMO } from '../../src/simulator/demoIds';
import { requestKey } from '../../src/services/scopeRequestRecords';
import { MemoryStorage } from '../../src/store/memory';
import { BotUnderTest, LEE, MEGAN } from '../harness/bot';
import { C2F, click, requestIdIn, say, simRequests } from './helpers';

/** Logs every read and write by key, in order. */
class CountingStorage extends MemoryStorage {
  readonly log: { op: 'read' | 'write'; key: string }[] = [];
  override async read(keys: string[]) {
    for (const key of keys) this.log.push({ op: 'read', key });
    return super.read(keys);
  }
  override async write(changes: Parameters<MemoryStorage['write']>[0]): Promise<void> {
    for (const key of Object.keys(changes)) this.log.push({ op: 'write', key });
    return super.write(changes);
  }
}

describe('one approve click', () => {
  const storage = new CountingStorage();
  const t = new BotUnderTest();
  beforeAll(() => t.start({}, { storage }));
  afterAll(() => t.stop());

  it('reads the request once before the decision commits, and looks the clicker up in the directory once', async () => {
    const asked = await say(
      t.bot,
      t.connector,
      LEE,
      `request add user ${DEMO.users.nestor.userPrincipalName} to ${C2F.name} because joins the Fabrikam project`,
    );
    const id = requestIdIn(asked.text);
    await t.bot.approvals.idle();
    const key = requestKey(id);
    const from = storage.log.length;
    const lookupsBefore = (await simRequests(t.bot.simulator!)).length;

    // Megan's first turn: nothing about her is cached yet.
    const answer = await click(t.bot, t.connector, MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(answer.text).toContain('Approved and carried out');

    const ops = storage.log.slice(from).filter((o) => o.key === key);
    const decided = ops.findIndex((o) => o.op === 'write');
    expect(decided).toBeGreaterThan(-1);
    expect(ops.slice(0, decided).filter((o) => o.op === 'read')).toHaveLength(1);
    const meganUserReads = (await simRequests(t.bot.simulator!))
      .slice(lookupsBefore)
      .filter((r) => r.method === 'GET' && new RegExp(`/users/${MEGAN.aadObjectId}$`, 'i').test(r.path));
    expect(meganUserReads).toHaveLength(1);
  });
});
