/**
 * Defect 7b (issue 11): risk signals are read again when an approver decides. A user made Global Administrator after
 * the request was made: the approval is refused as stale, the card shows the new signal, and a second, informed
 * approval goes through (once).
 */
import { createCtsGraph, type CtsGraph } from '../../src/graph/gateway';
import type { RunningBot } from '../../src/index';
import { ROLE } from '../../src/domain/roles';
import { FileStorage } from '../../src/store';
import { ConnectorStandIn } from '../harness/connector';
import { MEGAN } from '../harness/bot';
import { SharedEstate, click } from '../approvals/helpers';
import { record } from './ledger';
import { assignmentPostCount, createRequests } from './stateHelpers';

describe('risk signals re-read at decision time (state)', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  const promoted = new Set<string>();
  let storage: FileStorage;
  let bot: RunningBot;

  beforeAll(async () => {
    await estate.start();
    await connector.start();
    storage = await FileStorage.open({ dir: estate.dataDir });
    // The directory as Graph would answer after someone granted a role: the simulator has no control for that.
    const graph = (e: Parameters<typeof createCtsGraph>[0]): CtsGraph => {
      const real = createCtsGraph(e);
      return new Proxy(real, {
        get(target, prop, receiver) {
          if (prop === 'roleTemplateIds') {
            return async (tenantId: string, userId: string) => [
              ...(await target.roleTemplateIds(tenantId, userId)),
              ...(promoted.has(userId.toLowerCase()) ? [ROLE.globalAdministrator] : []),
            ];
          }
          return Reflect.get(target, prop, receiver) as unknown;
        },
      });
    };
    bot = await estate.bot(connector, storage, { graph });
  });
  afterAll(async () => {
    await bot.close();
    await storage.close();
    await connector.stop();
    await estate.stop();
  });

  it('a user promoted to Global Administrator after the request: the approval is refused with the new signal, then approved once', async () => {
    const [req] = await createRequests(bot, 1, 'signals');
    const rec = (await bot.approvals.get(req.id))!;
    expect(rec.risk.privileged).toEqual([]);
    promoted.add(rec.request.principals[0].id.toLowerCase());
    const before = await assignmentPostCount(estate.sim);

    const first = await click(bot, connector, MEGAN, 'approval.approve', { requestId: req.id, verb: 'approval.approve', cardVersion: 1 }, 'act-1');
    expect(first.status).toBe(200);
    expect(first.text).toContain('The risk changed since this card was shown');
    expect(first.text).toContain('Global Administrator');
    const stored = (await bot.approvals.get(req.id))!;
    expect(stored.request.status).toBe('pending');
    expect(stored.risk.privileged.map((p) => p.roles)).toEqual([['Global Administrator']]);
    expect(await assignmentPostCount(estate.sim)).toBe(before);

    const second = await click(bot, connector, MEGAN, 'approval.approve', { requestId: req.id, verb: 'approval.approve', cardVersion: 1 }, 'act-1');
    await bot.approvals.idle();
    expect(second.text).not.toContain('The risk changed');
    const done = (await bot.approvals.get(req.id))!;
    const posts = (await assignmentPostCount(estate.sim)) - before;
    record({
      test: 'state: signals worse at decision time',
      faults: 1,
      duplicateExecutions: Math.max(0, posts - 1),
      lostRequests: done.request.status === 'done' ? 0 : 1,
    });
    expect(done.request.status).toBe('done');
    expect(posts).toBe(1);
  });
});
