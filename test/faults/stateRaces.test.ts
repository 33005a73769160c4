/**
 * Races on the state of one request: 50 approve clicks at once, and approve ‖ cancel. Whatever wins, the change is
 * carried out at most once and exactly what happened is audited once.
 */
import type { RunningBot } from '../../src/index';
import { FileStorage } from '../../src/store';
import { ConnectorStandIn } from '../harness/connector';
import { ADELE, LEE, MEGAN } from '../harness/bot';
import { SharedEstate, click } from '../approvals/helpers';
import { record } from './ledger';
import { assignmentPostCount, createRequests } from './stateHelpers';

describe('races on one request (state faults)', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  let storage: FileStorage;
  let bot: RunningBot;

  beforeAll(async () => {
    await estate.start();
    await connector.start();
    storage = await FileStorage.open({ dir: estate.dataDir });
    bot = await estate.bot(connector, storage);
  });
  afterAll(async () => {
    await bot.close();
    await storage.close();
    await connector.stop();
    await estate.stop();
  });

  const countAudit = async (id: string, action: string) => (await bot.audit.last(10_000)).filter((e) => e.target === id && e.action === action).length;

  it('50 approve clicks at once: one Graph write, one approval and one execution audited', async () => {
    const [req] = await createRequests(bot, 1, 'fifty clicks');
    const before = await assignmentPostCount(estate.sim);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        click(bot, connector, i % 2 ? MEGAN : ADELE, 'approval.approve', { requestId: req.id, verb: 'approval.approve', cardVersion: 1 }, 'act-50'),
      ),
    );
    await bot.approvals.idle();
    const posts = (await assignmentPostCount(estate.sim)) - before;
    const approved = await countAudit(req.id, 'scope.approved');
    const executed = await countAudit(req.id, 'scope.executed');
    const status = (await bot.approvals.get(req.id))!.request.status;
    record({
      test: 'state: 50 concurrent approve clicks',
      duplicateExecutions: Math.max(0, posts - 1) + Math.max(0, approved - 1) + Math.max(0, executed - 1),
      lostRequests: status === 'done' ? 0 : 1,
      lostAuditRecords: (approved ? 0 : 1) + (executed ? 0 : 1),
    });
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect({ posts, approved, executed, status }).toEqual({ posts: 1, approved: 1, executed: 1, status: 'done' });
  });

  it('approve ‖ cancel on 10 requests: each is either cancelled with nothing sent, or done once', async () => {
    const reqs = await createRequests(bot, 10, 'approve or cancel');
    const before = await assignmentPostCount(estate.sim);
    await Promise.all(
      reqs.flatMap((r, i) => {
        const approve = () => click(bot, connector, MEGAN, 'approval.approve', { requestId: r.id, verb: 'approval.approve', cardVersion: 1 }, `act-${r.id}`);
        const cancel = () => click(bot, connector, LEE, 'approval.cancel', { requestId: r.id, verb: 'approval.cancel', cardVersion: 1 }, `act-${r.id}`);
        return i % 2 ? [approve(), cancel()] : [cancel(), approve()];
      }),
    );
    await bot.approvals.idle();
    const tally = { duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 };
    let done = 0;
    const outcomes: string[] = [];
    for (const r of reqs) {
      const status = (await bot.approvals.get(r.id))!.request.status;
      outcomes.push(status);
      if (status === 'done') {
        done++;
        if (!(await countAudit(r.id, 'scope.approved'))) tally.lostAuditRecords++;
        if (!(await countAudit(r.id, 'scope.executed'))) tally.lostAuditRecords++;
        if (await countAudit(r.id, 'scope.cancelled')) tally.duplicateExecutions++;
      } else if (status === 'cancelled') {
        if (!(await countAudit(r.id, 'scope.cancelled'))) tally.lostAuditRecords++;
        if (await countAudit(r.id, 'scope.approved')) tally.duplicateExecutions++;
      } else tally.lostRequests++;
    }
    const posts = (await assignmentPostCount(estate.sim)) - before;
    tally.duplicateExecutions += Math.max(0, posts - done);
    record({
      test: `state: approve ‖ cancel x10 (${outcomes.filter((o) => o === 'done').length} done, ${outcomes.filter((o) => o === 'cancelled').length} cancelled)`,
      ...tally,
    });
    expect(tally).toEqual({ duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 });
    expect(posts).toBe(done);
  });
});
