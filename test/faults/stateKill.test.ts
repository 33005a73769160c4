/**
 * kill -9 of a real bot process (started as `npm start` starts it) at a random moment while approvals and a job
 * operation are in flight, then a restart on the same data directory: start-up reconcile finishes what was decided,
 * by reading Graph, and nothing is lost or done twice. Several rounds on one data directory.
 */
import { parseEstate } from '../../src/config';
import { createCtsGraph } from '../../src/graph/gateway';
import type { RunningBot } from '../../src/index';
import { FileStorage, AuditLog } from '../../src/store';
import { ScopeRequestService } from '../../src/services/scopeRequests';
import { ConnectorStandIn } from '../harness/connector';
import { LEE, MEGAN } from '../harness/bot';
import { cardAction, post } from '../harness/activities';
import { BotProcess } from '../scaleout/botProcess';
import { C2F, CONTOSO, SharedEstate, click, requestIdIn, say } from '../approvals/helpers';
import { record } from './ledger';
import { addableUsers, assignmentPostCount } from './stateHelpers';

const ROUNDS = 3;

describe('kill -9 of a bot process in the middle of approvals and operations (state faults)', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  let child: BotProcess;

  beforeAll(async () => {
    await estate.start();
    await connector.start();
    child = new BotProcess('victim', { DATA_DIR: estate.dataDir, CTS_CONFIG: estate.configFile, MONITOR: 'off', LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    await child.kill();
    await connector.stop();
    await estate.stop();
  });

  it(`${ROUNDS} rounds: approvals and a pause killed at a random moment, restarted: each decided change done once and audited`, async () => {
    const parsed = parseEstate(estate.sim.estate());
    if (!parsed.ok) throw new Error('estate');
    const graph = createCtsGraph(parsed.estate);
    const upns = await addableUsers({ graph } as RunningBot, 6 * ROUNDS);
    const ids: string[] = [];
    const opsAsked: string[] = [];
    const postsBefore = await assignmentPostCount(estate.sim);
    const killedAt: number[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      child.reset();
      await child.start();
      const bot = { url: child.url } as RunningBot;
      const mine: string[] = [];
      for (const upn of upns.splice(0, 6)) {
        const asked = await say(bot, connector, LEE, `request add user ${upn} to ${C2F.name} because kill round ${round}`).catch(() => undefined);
        if (asked && /Request: REQ-/.test(asked.text)) mine.push(requestIdIn(asked.text));
      }
      ids.push(...mine);
      const action = round % 2 === 0 ? 'pause' : 'start';
      const asked = action === 'pause' ? await say(bot, connector, MEGAN, `pause ${C2F.name}`) : undefined;
      const opId = asked && JSON.stringify(asked.card).match(/"verb":"op\.confirm","data":\{"op":"([^"]+)"/)?.[1];
      if (opId) opsAsked.push(opId);

      // Everything at once, and the process dies at a random moment while it works.
      const inFlight = [
        ...mine.map((id) =>
          click(bot, connector, MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 }, `act-${id}`).catch(() => undefined),
        ),
        opId
          ? post(
              child.url,
              cardAction({ verb: 'op.confirm', data: { op: opId }, user: MEGAN, tenantId: CONTOSO, serviceUrl: connector.url, replyToId: asked.activityId }),
            ).catch(() => undefined)
          : say(bot, connector, MEGAN, `start ${C2F.name}`).catch(() => undefined),
      ];
      const delay = Math.floor(Math.random() * 400);
      killedAt.push(delay);
      await new Promise((r) => setTimeout(r, delay));
      await child.kill();
      await Promise.all(inFlight);
    }
    // The last restart reconciles; once it listens, start-up (reconcile included) is over.
    child.reset();
    await child.start();
    await child.kill();

    const storage = await FileStorage.open({ dir: estate.dataDir });
    try {
      const audit = new AuditLog(storage);
      await audit.repair();
      const events = await audit.last(100_000);
      const approvals = new ScopeRequestService({ storage, audit } as never);
      const tally = { duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0 };
      let done = 0;
      const statuses: Record<string, number> = {};
      for (const id of ids) {
        const rec = await approvals.get(id);
        const status = rec?.request.status ?? 'missing';
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 'approved' || status === 'executing' || status === 'missing') tally.lostRequests++;
        if (status === 'done') done++;
        if (status !== 'pending') {
          for (const action of ['scope.approved', ...(status === 'done' || status === 'failed' ? ['scope.executed'] : [])]) {
            const n = events.filter((e) => e.target === id && e.action === action).length;
            if (n === 0) tally.lostAuditRecords++;
            if (n > 1) tally.duplicateExecutions += n - 1;
          }
        }
      }
      const posts = (await assignmentPostCount(estate.sim)) - postsBefore;
      tally.duplicateExecutions += Math.max(0, posts - done);
      const assigned = await graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
      for (const id of ids) {
        const rec = await approvals.get(id);
        const p = rec?.request.principals[0]?.id.toLowerCase();
        const held = assigned.filter((a) => a.principalId.toLowerCase() === p).length;
        if (held > 1) tally.duplicateExecutions += held - 1;
        if (rec?.request.status === 'done' && held !== 1) tally.lostRequests++;
      }
      // Job operations: none left executing, each that ran audited once.
      let opsExecuting = 0;
      for (const key of await storage.listKeys('ops/')) {
        const op = (await storage.read([key]))[key] as { id: string; status: string; decidedAt?: string } | undefined;
        if (!op) continue;
        if (op.status === 'executing') opsExecuting++;
        if (op.status === 'done' || op.status === 'failed') {
          const n = events.filter((e) => e.id === `op-${op.id}`).length;
          if (n === 0) tally.lostAuditRecords++;
        }
      }
      tally.lostRequests += opsExecuting;
      record({
        test: `state: kill -9 in ${ROUNDS} rounds (at ${killedAt.join('/')} ms; requests ${JSON.stringify(statuses)}; ops executing ${opsExecuting})`,
        faults: ROUNDS,
        ...tally,
      });
      expect({ ...tally, statuses }).toEqual({ duplicateExecutions: 0, lostRequests: 0, lostAuditRecords: 0, statuses: expect.any(Object) as unknown });
      expect(ids.length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  }, 600_000);
});
