/**
 * Defect 4 (issue 11): job operations record their intent before Graph is called. The process dies right after the
 * pause reached Graph → the restart settles it by READING the job (done, audited once, no second POST); an audit
 * write that fails does not turn a pause that happened into a reported failure, and is written later.
 */
import type { StoreItems } from 'botbuilder';
import type { RunningBot } from '../../src/index';
import { FileStorage } from '../../src/store';
import { ConnectorStandIn } from '../harness/connector';
import { MEGAN } from '../harness/bot';
import { cardAction, cardOf, cardText, post } from '../harness/activities';
import { C2F, CONTOSO, SharedEstate, say, simRequests } from '../approvals/helpers';
import { record } from './ledger';
import { FailingWrites } from './stateHelpers';

/** Asks for `text` (a pause or restart), clicks its Confirm button; returns the card the click was answered with. */
async function proposeAndConfirm(bot: RunningBot, connector: ConnectorStandIn, text: string): Promise<string> {
  const asked = await say(bot, connector, MEGAN, text);
  const op = JSON.stringify(asked.card).match(/"verb":"op\.confirm","data":\{"op":"([^"]+)"/)?.[1];
  if (!op) throw new Error(`no confirmation in ${asked.text}`);
  const res = await post(
    bot.url,
    cardAction({ verb: 'op.confirm', data: { op }, user: MEGAN, tenantId: CONTOSO, serviceUrl: connector.url, replyToId: asked.activityId }),
  );
  return cardText(res.body?.value ?? cardOf(res.body));
}

const pausesSent = async (sim: { url: string }) => (await simRequests(sim)).filter((r) => r.method === 'POST' && r.path.endsWith('/pause')).length;

describe('job operations: intent first, settled by reading the job (state faults)', () => {
  let estate: SharedEstate;
  let connector: ConnectorStandIn;

  beforeEach(async () => {
    estate = await new SharedEstate().start();
    connector = new ConnectorStandIn();
    await connector.start();
  });
  afterEach(async () => {
    await connector.stop();
    await estate.stop();
  });

  it('the process dies after the pause reached Graph: the restart finds the operation, reads the job, audits once', async () => {
    const storage1 = await FileStorage.open({ dir: estate.dataDir });
    // Dies at the write that would store the outcome: it and every later write (the audit too) never happen.
    let dead = false;
    const dying = new FailingWrites(storage1, () => (dead ? new Error('simulated kill -9') : undefined));
    const original = dying.write.bind(dying);
    dying.write = async (changes: StoreItems) => {
      if (Object.entries(changes).some(([k, v]) => k.startsWith('ops/') && ['done', 'failed'].includes((v as { status?: string }).status ?? ''))) dead = true;
      return original(changes);
    };
    const bot1 = await estate.bot(connector, dying);
    await proposeAndConfirm(bot1, connector, `pause ${C2F.name}`);
    expect(dead).toBe(true);
    expect(await pausesSent(estate.sim)).toBe(1);
    await bot1.close();
    await storage1.close();

    const storage2 = await FileStorage.open({ dir: estate.dataDir });
    const bot2 = await estate.bot(connector, storage2); // start-up runs operations.reconcile()
    try {
      const audited = (await bot2.audit.last(50, { action: 'job.pause' })).filter((e) => e.configuration === C2F.name);
      const pauses = await pausesSent(estate.sim);
      record({
        test: 'state: kill after the pause reached Graph',
        faults: 1,
        duplicateExecutions: Math.max(0, pauses - 1),
        lostAuditRecords: audited.length === 0 ? 1 : 0,
        lostRequests: audited[0]?.outcome === 'ok' ? 0 : 1,
      });
      expect(audited).toHaveLength(1);
      expect(audited[0]).toMatchObject({ outcome: 'ok', actor: { aadObjectId: MEGAN.aadObjectId } });
      expect(audited[0].detail).toContain('confirmed by reading the job after the bot restarted');
      expect(pauses).toBe(1);
      // Nothing left to settle, and a second start-up does not audit again.
      expect(await bot2.operations.reconcile()).toEqual([]);
      expect((await bot2.audit.last(50, { action: 'job.pause' })).length).toBe(1);
    } finally {
      await bot2.close();
      await storage2.close();
    }
  });

  it('the audit write fails: the person is told the pause happened, and the audit event is written afterwards', async () => {
    const storage = await FileStorage.open({ dir: estate.dataDir });
    const failing = new FailingWrites(storage, (key) =>
      key.startsWith('audit/') ? Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }) : undefined,
    );
    const bot = await estate.bot(connector, failing);
    try {
      const text = await proposeAndConfirm(bot, connector, `pause ${C2F.name}`);
      expect(failing.writesRefused).toBeGreaterThan(0);
      expect(text).toMatch(/Pause contoso-to-fabrikam: done/);
      expect(text).not.toMatch(/something went wrong|failed/i);
      expect(await bot.audit.last(50, { action: 'job.pause' })).toHaveLength(0);

      failing.failing = false; // space is back
      await bot.operations.reconcile();
      const audited = await bot.audit.last(50, { action: 'job.pause' });
      record({
        test: 'state: audit write fails during a pause',
        faults: failing.writesRefused,
        lostAuditRecords: audited.length === 1 ? 0 : 1,
        duplicateExecutions: Math.max(0, audited.length - 1),
      });
      expect(audited).toHaveLength(1);
      expect(audited[0].outcome).toBe('ok');
      expect(await bot.operations.reconcile()).toEqual([]);
      expect(await pausesSent(estate.sim)).toBe(1);
    } finally {
      await bot.close();
      await storage.close();
    }
  });
});
