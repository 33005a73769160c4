/**
 * The process dies between the Graph call and the state write: the Storage wrapper lets the Graph POST happen, then
 * fails the write that would record the outcome and every write after it (a dead process writes nothing). After a
 * restart on the same data directory, reconcile() at start-up finishes the request by READING Graph: done, one
 * assignment, no second POST.
 */
import type { Storage, StoreItems } from 'botbuilder';
import { FileStorage } from '../../src/store';
import { DEMO } from '../../src/simulator/demoIds';
import { ConnectorStandIn } from '../harness/connector';
import { LEE, MEGAN } from '../harness/bot';
import { C2F, CONTOSO, SharedEstate, assignmentPosts, click, requestIdIn, say } from './helpers';

class DiesAfterGraphCall implements Storage {
  dead = false;
  constructor(private readonly inner: Storage) {}
  read(keys: string[]): Promise<StoreItems> {
    return this.inner.read(keys);
  }
  async write(changes: StoreItems): Promise<void> {
    const finishing = Object.entries(changes).some(
      ([k, v]) => k.startsWith('approvals/req/') && ['done', 'failed'].includes((v as { request?: { status?: string } } | undefined)?.request?.status ?? ''),
    );
    if (finishing) this.dead = true;
    if (this.dead) throw new Error('simulated crash: the process died before this write');
    return this.inner.write(changes);
  }
  delete(keys: string[]): Promise<void> {
    if (this.dead) return Promise.reject(new Error('simulated crash'));
    return this.inner.delete(keys);
  }
}

describe('crash between the Graph call and the state write', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();

  beforeAll(async () => {
    await estate.start();
    await connector.start();
  });
  afterAll(async () => {
    await connector.stop();
    await estate.stop();
  });

  it('restart → reconcile() reads Graph and ends the request done with one assignment and no second POST', async () => {
    const storage1 = await FileStorage.open({ dir: estate.dataDir });
    const dying = new DiesAfterGraphCall(storage1);
    const bot1 = await estate.bot(connector, dying);
    const asked = await say(bot1, connector, LEE, `request add user ${DEMO.users.nestor.userPrincipalName} to ${C2F.name} because crash test`);
    const id = requestIdIn(asked.text);
    const before = (await assignmentPosts(estate.sim)).length;

    const answer = await click(bot1, connector, MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 }, asked.activityId);
    expect(answer.status).toBe(200);
    expect(answer.card?.type).toBe('AdaptiveCard'); // even a dying instance answers the click with a card
    await bot1.approvals.idle();
    expect(dying.dead).toBe(true);
    expect((await assignmentPosts(estate.sim)).length - before).toBe(1);
    expect((await bot1.approvals.get(id))!.request.status).toBe('executing');
    await bot1.close();
    await storage1.close();

    const storage2 = await FileStorage.open({ dir: estate.dataDir });
    const bot2 = await estate.bot(connector, storage2); // startBot runs reconcile()
    try {
      const rec = (await bot2.approvals.get(id))!;
      expect(rec.request.status).toBe('done');
      expect(rec.request.execution?.results).toEqual([expect.objectContaining({ principalId: DEMO.users.nestor.id, outcome: 'assigned' })]);
      expect((await assignmentPosts(estate.sim)).length - before).toBe(1);
      const scope = await bot2.graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
      expect(scope.filter((a) => a.principalId === DEMO.users.nestor.id)).toHaveLength(1);
      const executed = (await bot2.audit.last(50, { action: 'scope.executed' })).filter((e) => e.target === id);
      expect(executed).toHaveLength(1);
      expect(executed[0].detail).toContain('finished after a restart by reading Graph');
      // A second reconcile finds nothing to do.
      expect(await bot2.approvals.reconcile()).toHaveLength(0);
      expect((await assignmentPosts(estate.sim)).length - before).toBe(1);
    } finally {
      await bot2.close();
      await storage2.close();
    }
  });
});
