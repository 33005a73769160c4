/**
 * Exactly once under contention: 50 approve clicks for one request, spread over TWO bot instances that share one
 * FileStorage directory (shared mode: per-key locks across instances), against one simulator.
 */
import { FileStorage } from '../../src/store';
import type { RunningBot } from '../../src/index';
import { DEMO } from '../../src/simulator/demoIds';
import { ConnectorStandIn } from '../harness/connector';
import { ADELE, LEE, MEGAN } from '../harness/bot';
import { C2F, CONTOSO, SharedEstate, assignmentPosts, click, requestIdIn, say } from './helpers';

describe('50 concurrent approvals across two instances', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  let storages: FileStorage[] = [];
  let bots: RunningBot[] = [];

  beforeAll(async () => {
    await estate.start();
    await connector.start();
    storages = [await FileStorage.open({ dir: estate.dataDir, shared: true }), await FileStorage.open({ dir: estate.dataDir, shared: true })];
    bots = [await estate.bot(connector, storages[0]), await estate.bot(connector, storages[1])];
  });
  afterAll(async () => {
    for (const b of bots) await b.close();
    for (const s of storages) await s.close();
    await connector.stop();
    await estate.stop();
  });

  it('makes exactly one Graph assignment POST, one "executed" audit entry, and answers every click with a card', async () => {
    const asked = await say(bots[0], connector, LEE, `request add user ${DEMO.users.nestor.userPrincipalName} to ${C2F.name} because race test`);
    const id = requestIdIn(asked.text);
    const before = (await assignmentPosts(estate.sim)).length;

    const clicks = Array.from({ length: 50 }, (_, i) =>
      click(
        bots[i % 2],
        connector,
        i % 3 === 0 ? ADELE : MEGAN,
        'approval.approve',
        { requestId: id, verb: 'approval.approve', cardVersion: 1 },
        asked.activityId,
      ),
    );
    const answers = await Promise.all(clicks);
    await Promise.all(bots.map((b) => b.approvals.idle()));

    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body?.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(a.card?.type).toBe('AdaptiveCard');
      expect(a.text).toContain(id);
    }
    expect(answers.filter((a) => a.text.includes('Approved and carried out') || a.text.includes('Approved. The bot is changing'))).toHaveLength(1);

    expect((await assignmentPosts(estate.sim)).length - before).toBe(1);
    const scope = await bots[1].graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
    expect(scope.filter((a) => a.principalId === DEMO.users.nestor.id)).toHaveLength(1);

    const executed = (await bots[0].audit.last(200, { action: 'scope.executed' })).filter((e) => e.target === id);
    expect(executed).toHaveLength(1);
    const approved = (await bots[1].audit.last(200, { action: 'scope.approved' })).filter((e) => e.target === id);
    expect(approved).toHaveLength(1);

    const rec = (await bots[1].approvals.get(id))!;
    expect(rec.request.status).toBe('done');
    expect(rec.request.history.map((h) => h.status)).toEqual(['pending', 'approved', 'executing', 'done']);
  });
});
