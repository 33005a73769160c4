/**
 * Defect 1 (issue 11): a decision must not depend on the shared open-requests index. Many approvals of different
 * requests at once, an index whose writes keep losing the eTag race, and an index file that is corrupt: every
 * approval is carried out once, audited, and found by reconcile; the index is repaired afterwards.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningBot } from '../../src/index';
import { FileStorage } from '../../src/store';
import { OPEN_INDEX_KEY } from '../../src/services/scopeRequestRecords';
import { encodeKey } from '../../src/store/keyNames';
import { ConnectorStandIn } from '../harness/connector';
import { LEE, MEGAN } from '../harness/bot';
import { C2F, CONTOSO, SharedEstate } from '../approvals/helpers';
import { record } from './ledger';
import { FailingWrites, approveAll, assignmentPostCount, checkExecutedOnce, createRequests, exhausted } from './stateHelpers';

describe('concurrent approvals of different requests (state faults)', () => {
  let estate: SharedEstate;
  let connector: ConnectorStandIn;
  let storage: FileStorage;
  let bot: RunningBot | undefined;

  beforeEach(async () => {
    estate = await new SharedEstate().start();
    connector = new ConnectorStandIn();
    await connector.start();
    storage = await FileStorage.open({ dir: estate.dataDir });
  });
  afterEach(async () => {
    await bot?.close();
    bot = undefined;
    await storage.close();
    await connector.stop();
    await estate.stop();
  });

  for (const n of [20, 40]) {
    it(`${n} approvals clicked at once: every request executed exactly once and audited`, async () => {
      bot = await estate.bot(connector, storage);
      const reqs = await createRequests(bot, n, `concurrency ${n}`);
      const before = await assignmentPostCount(estate.sim);
      const answers = await approveAll(
        bot,
        connector,
        reqs.map((r) => r.id),
      );
      await bot.approvals.idle();
      const check = await checkExecutedOnce(
        bot,
        estate.sim,
        reqs.map((r) => r.id),
        before,
      );
      record({
        test: `state: ${n} concurrent approvals`,
        duplicateExecutions: check.duplicateExecutions,
        lostRequests: check.lostRequests,
        lostAuditRecords: check.lostAuditRecords,
      });
      expect(answers.filter((a) => a.status !== 200 || /something went wrong/i.test(a.text))).toEqual([]);
      expect(check).toMatchObject({ done: n, posts: n, duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 });
    });
  }

  it('the index cannot be written (eTag conflicts exhausted): approvals still execute and are audited; reconcile repairs the index', async () => {
    const failing = new FailingWrites(storage, (key) => (key === OPEN_INDEX_KEY ? exhausted(key) : undefined));
    failing.failing = false;
    bot = await estate.bot(connector, failing);
    const reqs = await createRequests(bot, 10, 'index hot');
    failing.failing = true;
    const before = await assignmentPostCount(estate.sim);
    const answers = await approveAll(
      bot,
      connector,
      reqs.map((r) => r.id),
    );
    await bot.approvals.idle();
    const check = await checkExecutedOnce(
      bot,
      estate.sim,
      reqs.map((r) => r.id),
      before,
    );
    record({ test: 'state: index writes fail during approvals', faults: failing.writesRefused, ...pick(check) });
    expect(failing.writesRefused).toBeGreaterThan(0);
    expect(answers.map((a) => a.text).filter((t) => /something went wrong/i.test(t))).toEqual([]);
    expect(check).toMatchObject({ done: 10, posts: 10, duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 });

    // The index still lists them as open (its writes failed); once it can be written, reconcile drops them.
    failing.failing = false;
    await bot.approvals.reconcile();
    const index = (await storage.read([OPEN_INDEX_KEY]))[OPEN_INDEX_KEY] as { entries: { id: string }[] };
    expect(index.entries.filter((e) => reqs.some((r) => r.id === e.id))).toEqual([]);
    // And the same users can be asked for again (for a removal) without a false "duplicate".
    const again = await bot.approvals.create({
      configuration: C2F.name,
      op: 'remove',
      principalType: 'user',
      principals: [reqs[0].upn],
      reason: 'undo',
      requester: { ...LEE, tenantId: CONTOSO },
    });
    expect(again.ok).toBe(true);
  });

  it('a full disk for audit events during approvals (ENOSPC, simulated by a storage wrapper): executions happen, the events are written by reconcile once space is back, once', async () => {
    const enospc = (key: string) => Object.assign(new Error(`ENOSPC: no space left on device, write ${key}`), { code: 'ENOSPC' });
    const failing = new FailingWrites(storage, (key) => (key.startsWith('audit/') ? enospc(key) : undefined));
    failing.failing = false;
    bot = await estate.bot(connector, failing);
    const reqs = await createRequests(bot, 5, 'disk full');
    failing.failing = true;
    const before = await assignmentPostCount(estate.sim);
    await approveAll(
      bot,
      connector,
      reqs.map((r) => r.id),
    );
    await bot.approvals.idle();
    expect(failing.writesRefused).toBeGreaterThan(0);
    failing.failing = false;
    await bot.approvals.reconcile();
    await bot.approvals.reconcile();
    const check = await checkExecutedOnce(
      bot,
      estate.sim,
      reqs.map((r) => r.id),
      before,
    );
    record({ test: 'state: ENOSPC on audit events during approvals', faults: failing.writesRefused, ...pick(check) });
    expect(check).toMatchObject({ done: 5, posts: 5, duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 });
  });

  it('a corrupt index file: approvals execute and are audited, reconcile rebuilds the index, new requests work', async () => {
    bot = await estate.bot(connector, storage);
    const reqs = await createRequests(bot, 6, 'index corrupt');
    writeFileSync(path.join(estate.dataDir, `${encodeKey(OPEN_INDEX_KEY)}.json`), '{"key": "approvals/open", "item": {"schemaVersion": 1, "entr');
    const before = await assignmentPostCount(estate.sim);
    const answers = await approveAll(
      bot,
      connector,
      reqs.slice(0, 4).map((r) => r.id),
    );
    await bot.approvals.idle();
    const check = await checkExecutedOnce(
      bot,
      estate.sim,
      reqs.slice(0, 4).map((r) => r.id),
      before,
    );
    record({ test: 'state: corrupt open-requests index', faults: 1, ...pick(check) });
    expect(answers.map((a) => a.text).filter((t) => /something went wrong/i.test(t))).toEqual([]);
    expect(check).toMatchObject({ done: 4, posts: 4, duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 });

    // The two still pending are found without the index, and the rebuilt index holds exactly them.
    expect((await bot.approvals.pending()).map((p) => p.request.id).sort()).toEqual(
      reqs
        .slice(4)
        .map((r) => r.id)
        .sort(),
    );
    await bot.approvals.reconcile();
    const index = (await storage.read([OPEN_INDEX_KEY]))[OPEN_INDEX_KEY] as { entries: { id: string }[] };
    expect(index.entries.map((e) => e.id).sort()).toEqual(
      reqs
        .slice(4)
        .map((r) => r.id)
        .sort(),
    );
    // A duplicate of a pending one is still caught; a fresh one is accepted.
    const dup = await bot.approvals.create({
      configuration: C2F.name,
      op: 'add',
      principalType: 'user',
      principals: [reqs[5].upn],
      reason: 'dup',
      requester: { ...MEGAN, tenantId: CONTOSO },
    });
    expect(dup.ok ? 'accepted' : dup.problem.code).toBe('duplicate');
  });
});

function pick(c: { duplicateExecutions: number; lostRequests: number; lostAuditRecords: number }) {
  return { duplicateExecutions: c.duplicateExecutions, lostRequests: c.lostRequests, lostAuditRecords: c.lostAuditRecords };
}
