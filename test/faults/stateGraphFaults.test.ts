/**
 * Defect 7a (issue 11) through a fault proxy in front of the simulator: a Graph write that was applied and then
 * answered 5xx (with or without Retry-After) or lost on the wire is read back, never re-sent, and reported as what
 * happened ("assigned", "removed", "paused"), not as FAILED or "already in scope".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { RunningBot } from '../../src/index';
import { FileStorage } from '../../src/store';
import { ConnectorStandIn } from '../harness/connector';
import { LEE, MEGAN } from '../harness/bot';
import { cardAction, cardText, post } from '../harness/activities';
import { C2F, CONTOSO, SharedEstate, click, say, simRequests } from '../approvals/helpers';
import { record } from './ledger';
import { FaultProxy, type ProxyFault } from './proxyFaults';
import { createRequests } from './stateHelpers';

const ASSIGN = new RegExp(`/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo$`, 'i');
const UNASSIGN = new RegExp(`/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo/`, 'i');

describe('Graph writes applied then failed on the wire (fault proxy; state faults)', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  let proxy: FaultProxy;
  let storage: FileStorage;
  let bot: RunningBot;

  beforeAll(async () => {
    await estate.start();
    await connector.start();
    proxy = await new FaultProxy(estate.sim.url).start();
    // The bot talks to Graph through the proxy.
    writeFileSync(estate.configFile, readFileSync(estate.configFile, 'utf8').split(estate.sim.url).join(proxy.url));
    storage = await FileStorage.open({ dir: estate.dataDir });
    bot = await estate.bot(connector, storage);
  });
  afterAll(async () => {
    await bot.close();
    await storage.close();
    await proxy.stop();
    await connector.stop();
    await estate.stop();
  });

  const writesTo = async (method: string, re: RegExp) => (await simRequests(estate.sim)).filter((r) => r.method === method && re.test(r.path)).length;

  it.each<ProxyFault>(['apply-then-500', 'apply-then-503', 'apply-then-reset', 'fail-before'])(
    'an add whose POST is %s: read back, never re-sent, reported as what happened',
    async (fault) => {
      const [{ id }] = await createRequests(bot, 1, fault);
      const before = await writesTo('POST', ASSIGN);
      proxy.inject('POST', ASSIGN, fault);
      await click(bot, connector, MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 }, `act-${id}`);
      await bot.approvals.idle();
      const rec = (await bot.approvals.get(id))!;
      const applied = (await writesTo('POST', ASSIGN)) - before;
      // fail-before never reaches the simulator; the bot must then report the failure honestly (it did not happen).
      const expectedApplied = fault === 'fail-before' ? 0 : 1;
      record({
        test: `state: proxy ${fault} on assign`,
        faults: 1,
        duplicateExecutions: Math.max(0, applied - 1),
        lostRequests: rec.request.status === 'executing' ? 1 : 0,
      });
      expect(applied).toBe(expectedApplied);
      if (fault === 'fail-before') {
        expect(rec.request.status).toBe('failed');
      } else {
        expect(rec.request.status).toBe('done');
        expect(rec.request.execution?.results?.[0].outcome).toBe('assigned');
      }
    },
  );

  it('a removal whose DELETE is applied then answered 500: done, "removed", one DELETE', async () => {
    const assigned = await bot.graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
    const user = assigned.find((a) => a.principalType === 'User')!;
    const upn = (await bot.graph.getUser(CONTOSO, user.principalId))!.userPrincipalName!;
    const made = await bot.approvals.create({
      configuration: C2F.name,
      op: 'remove',
      principalType: 'user',
      principals: [upn],
      reason: 'delete 500',
      requester: { ...LEE, tenantId: CONTOSO },
    });
    if (!made.ok) throw new Error(made.problem.lines.join(' '));
    const id = made.record.request.id;
    const before = await writesTo('DELETE', UNASSIGN);
    proxy.inject('DELETE', UNASSIGN, 'apply-then-500');
    await click(bot, connector, MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 }, `act-${id}`);
    await bot.approvals.idle();
    const rec = (await bot.approvals.get(id))!;
    const deletes = (await writesTo('DELETE', UNASSIGN)) - before;
    record({
      test: 'state: proxy apply-then-500 on unassign',
      faults: 1,
      duplicateExecutions: Math.max(0, deletes - 1),
      lostRequests: rec.request.status === 'done' ? 0 : 1,
    });
    expect(deletes).toBe(1);
    expect(rec.request.status).toBe('done');
    expect(rec.request.execution?.results?.[0].outcome).toBe('removed');
  });

  it('a restart whose POST is applied then answered 503 + Retry-After is sent once and reported as unknown, not repeated', async () => {
    const asked = await say(bot, connector, MEGAN, `restart ${C2F.name} watermark`);
    const op = JSON.stringify(asked.card).match(/"verb":"op\.confirm","data":\{"op":"([^"]+)"/)?.[1];
    const before = await writesTo('POST', /\/restart$/);
    proxy.inject('POST', /\/restart$/, 'apply-then-503');
    const res = await post(
      bot.url,
      cardAction({ verb: 'op.confirm', data: { op }, user: MEGAN, tenantId: CONTOSO, serviceUrl: connector.url, replyToId: asked.activityId }),
    );
    const text = cardText(res.body?.value);
    const sent = (await writesTo('POST', /\/restart$/)) - before;
    record({ test: 'state: proxy apply-then-503 on restart', faults: 1, duplicateExecutions: Math.max(0, sent - 1) });
    expect(sent).toBe(1);
    expect(text).toContain('may or may not have happened');
    const audited = (await bot.audit.last(50, { action: 'job.restart' }))[0];
    expect(audited.detail).toContain('may or may not have happened');
  });
});
