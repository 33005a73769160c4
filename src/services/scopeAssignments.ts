import pLimit from 'p-limit';
import type { SyncConfiguration } from '../config';
import type { ExecutionResult, ScopeRequest } from '../domain/scopeRequests';
import { GraphError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import { errorText, requestIdOf } from './operations';

/**
 * Changes each principal's assignment, `width` at a time. In `reconcile` mode Graph is read once first and only principals not yet in
 * the wanted state are touched (ensureAssigned/ensureUnassigned read again before they write).
 */
export async function applyScopeChange(
  graph: CtsGraph,
  config: SyncConfiguration,
  req: ScopeRequest,
  mode: 'fresh' | 'reconcile',
  requestIds: Record<string, string>,
  width: number,
): Promise<ExecutionResult[]> {
  const src = config.sourceTenantId;
  const sp = config.servicePrincipalId;
  let present: Map<string, string> | undefined;
  if (mode === 'reconcile') {
    try {
      const roleId = (await graph.accessRoleId(src, sp)).toLowerCase();
      present = new Map(
        (await graph.listAssignments(src, sp))
          .filter((a) => a.appRoleId.toLowerCase() === roleId || req.op === 'remove')
          .map((a) => [a.principalId.toLowerCase(), a.id]),
      );
    } catch (err) {
      return req.principals.map((p) => ({
        principalId: p.id,
        outcome: 'failed' as const,
        error: `could not read the assignments to reconcile: ${errorText(err)}`,
      }));
    }
  }
  const out = new Array<ExecutionResult>(req.principals.length);
  const one = async (i: number) => {
    const p = req.principals[i];
    const id = p.id.toLowerCase();
    try {
      if (req.op === 'add') {
        if (present?.has(id)) return (out[i] = { principalId: p.id, outcome: 'assigned', assignmentId: present.get(id) });
        const r = await graph.ensureAssigned(src, sp, p.id, req.principalType === 'group' ? 'Group' : 'User');
        if (r.requestId) requestIds[p.id] = r.requestId;
        out[i] = { principalId: p.id, outcome: r.created ? 'assigned' : 'already', assignmentId: r.assignment.id };
      } else {
        if (present && !present.has(id)) return (out[i] = { principalId: p.id, outcome: 'removed' });
        const r = await graph.ensureUnassigned(src, sp, p.id);
        if (r.requestId) requestIds[p.id] = r.requestId;
        out[i] = { principalId: p.id, outcome: r.removed > 0 ? 'removed' : 'absent' };
      }
    } catch (err) {
      const rid = requestIdOf(err);
      if (rid) requestIds[p.id] = rid;
      out[i] = { principalId: p.id, outcome: 'failed', error: errorText(err) + (err instanceof GraphError && err.code ? ` [${err.code}]` : '') };
    }
    return out[i];
  };
  const limit = pLimit(Math.max(1, width));
  await Promise.all(req.principals.map((_, i) => limit(() => one(i))));
  return out;
}
