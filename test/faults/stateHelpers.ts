/**
 * Shared pieces of the state half of the fault suite: a bot on a real FileStorage against a shared simulator, many
 * distinct scope requests, and the one check every state test ends with — each decided request carried out exactly
 * once (one Graph write per principal), audited once, and its record finished.
 */
import type { Storage, StoreItems } from 'botbuilder';
import type { RunningBot } from '../../src/index';
import { CasExhaustedError } from '../../src/store';
import { DEMO } from '../../src/simulator/demoIds';
import type { ConnectorStandIn } from '../harness/connector';
import { LEE, MEGAN } from '../harness/bot';
import { C2F, CONTOSO, click, simRequests } from '../approvals/helpers';
import type { Tally } from './ledger';

/** Storage whose writes to chosen keys fail (every write, or only while `failing` says so). Reads pass through. */
export class FailingWrites implements Storage {
  failing = true;
  writesRefused = 0;
  constructor(
    private readonly inner: Storage & { listKeys?(prefix: string): Promise<string[]> },
    private readonly refuse: (key: string) => Error | undefined,
  ) {}
  read(keys: string[]): Promise<StoreItems> {
    return this.inner.read(keys);
  }
  async write(changes: StoreItems): Promise<void> {
    if (this.failing) {
      for (const key of Object.keys(changes)) {
        const err = this.refuse(key);
        if (err) {
          this.writesRefused++;
          throw err;
        }
      }
    }
    return this.inner.write(changes);
  }
  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  listKeys(prefix: string): Promise<string[]> {
    return this.inner.listKeys ? this.inner.listKeys(prefix) : Promise.reject(new Error('cannot list'));
  }
}

/** An eTag conflict as every backend reports one (the CAS retries it until exhausted). */
export const conflict = (key: string): Error => Object.assign(new Error(`Storage: error writing "${key}" due to eTag conflict.`), { code: 'EtagConflict' });
export const exhausted = (key: string): Error => new CasExhaustedError(key, 20);

/** Contoso members that a request may add to contoso-to-fabrikam (not in scope yet, not guests, not our test people). */
export async function addableUsers(bot: RunningBot, n: number): Promise<string[]> {
  const assigned = new Set((await bot.graph.listAssignments(CONTOSO, C2F.servicePrincipalId)).map((a) => a.principalId.toLowerCase()));
  const skip = new Set(Object.values(DEMO.users).map((u) => u.id.toLowerCase()));
  const out = new Map<string, string>();
  for (const letter of 'abcdefghijklmnopqrstuvwxyz') {
    for (const u of await bot.graph.usersStartingWith(CONTOSO, letter, 50)) {
      const id = u.id.toLowerCase();
      if (!assigned.has(id) && !skip.has(id) && u.userPrincipalName && !u.userPrincipalName.includes('#EXT#')) out.set(id, u.userPrincipalName);
    }
    if (out.size >= n * 3) break;
  }
  return [...out.values()];
}

/** Creates `n` requests (one user each) from Lee; returns their ids and the user each adds. */
export async function createRequests(bot: RunningBot, n: number, reason: string): Promise<{ id: string; upn: string }[]> {
  const made: { id: string; upn: string }[] = [];
  for (const upn of await addableUsers(bot, n)) {
    if (made.length >= n) break;
    const r = await bot.approvals.create({
      configuration: C2F.name,
      op: 'add',
      principalType: 'user',
      principals: [upn],
      reason,
      requester: { ...LEE, tenantId: CONTOSO },
    });
    if (r.ok) made.push({ id: r.record.request.id, upn });
  }
  if (made.length < n) throw new Error(`only ${made.length} of ${n} requests could be made`);
  return made;
}

/** Megan clicks Approve on every request at once (Action.Execute invokes over HTTP). */
export async function approveAll(bot: RunningBot, connector: ConnectorStandIn, ids: string[]): Promise<{ status: number; text: string }[]> {
  return Promise.all(
    ids.map((id) => click(bot, connector, MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 }, `act-${id}`)),
  );
}

export interface ExecutionCheck extends Required<Pick<Tally, 'duplicateExecutions' | 'lostRequests' | 'lostAuditRecords'>> {
  done: number;
  posts: number;
  statuses: Record<string, string>;
}

/**
 * For each request: how many assignment POSTs the simulator received for its principal (must be 1), whether its
 * record finished, and whether `scope.approved` and `scope.executed` are each audited once.
 */
export async function checkExecutedOnce(bot: RunningBot, sim: { url: string }, ids: string[], postsBefore = 0): Promise<ExecutionCheck> {
  const posts = (await assignmentPostCount(sim)) - postsBefore;
  const assignments = await bot.graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
  const audit = await bot.audit.last(10_000);
  // One POST per request (one user each): more is a write sent twice for one decision.
  const out: ExecutionCheck = { duplicateExecutions: Math.max(0, posts - ids.length), lostRequests: 0, lostAuditRecords: 0, done: 0, statuses: {}, posts };
  for (const id of ids) {
    const rec = await bot.approvals.get(id);
    out.statuses[id] = rec?.request.status ?? 'missing';
    if (rec?.request.status === 'done') out.done++;
    else out.lostRequests++;
    const principal = rec?.request.principals[0]?.id.toLowerCase();
    const held = assignments.filter((a) => a.principalId.toLowerCase() === principal).length;
    if (held > 1) out.duplicateExecutions += held - 1;
    for (const action of ['scope.approved', 'scope.executed']) {
      const n = audit.filter((e) => e.target === id && e.action === action).length;
      if (n === 0) out.lostAuditRecords++;
      if (n > 1) out.duplicateExecutions += n - 1;
    }
  }
  return out;
}

/** Number of assignment POSTs the simulator has received so far (for "no second POST" checks). */
export async function assignmentPostCount(sim: { url: string }): Promise<number> {
  return (await simRequests(sim)).filter(
    (r) => r.method === 'POST' && r.path.toLowerCase().includes(`/serviceprincipals/${C2F.servicePrincipalId}/approleassignedto`),
  ).length;
}
