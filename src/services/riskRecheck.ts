import type { Newcomer } from '../domain/lookalike';
import { isExternalUser, memberKind, newNewcomerSignals, newcomerWarnings, newlyPrivileged } from '../domain/risk';
import type { CtsGraph } from '../graph/gateway';
import type { Logger } from '../logger';
import { updateWithCasDetailed, type Storage } from '../store';
import { parseStoredScopeRequest, requestKey, type StoredScopeRequest } from './scopeRequestRecords';
import type { Configurations } from './configurations';
import type { NewcomerChecks } from './newcomerChecks';
import { currentPrivileged } from './scopeRequestChecks';

/**
 * Reads the privileged-role signal again before an approval: if someone named in the request (or a member of a named
 * group) holds a privileged role the approver was not shown, the record gets the new signals and the caller refuses the
 * approval, so the approver decides again on the card that shows them. A read failure does not block (logged).
 * Returns the updated record and what to tell the approver, or undefined when the approval may go on.
 */
export async function recheckPrivileged(
  deps: { graph: CtsGraph; configs: Configurations; storage: Storage; logger?: Logger },
  current: StoredScopeRequest,
): Promise<{ record: StoredScopeRequest; message: string } | undefined> {
  const config = deps.configs.find(current.request.configuration);
  if (!config) return undefined;
  let now;
  try {
    now = await currentPrivileged(deps.graph, config, current.request);
  } catch (err) {
    deps.logger?.warn({ err, id: current.request.id }, 'could not re-read the privileged-role signal before approval');
    return undefined;
  }
  if (!now) return undefined;
  const added = newlyPrivileged(current.risk.privileged, now);
  if (!added.length) return undefined;
  const words = added.map((p) => `${p.displayName} now holds ${p.roles.join(', ')}`).join('; ');
  const message = `The risk changed since this card was shown: ${words}. Look at the updated request and approve again if you still agree.`;
  const r = await updateWithCasDetailed<StoredScopeRequest>(deps.storage, requestKey(current.request.id), (cur) => {
    const rec = cur && parseStoredScopeRequest(cur);
    if (!rec || rec.request.status !== 'pending') return 'abort';
    const merged = [...rec.risk.privileged.filter((p) => !now.some((n) => n.id.toLowerCase() === p.id.toLowerCase())), ...now];
    return { ...rec, risk: { ...rec.risk, privileged: merged, warnings: [...rec.risk.warnings, `Re-checked before approval: ${words}.`].slice(-20) } };
  });
  if (r.outcome !== 'committed') return undefined; // decided meanwhile: the normal path says what happened
  return { record: (r.item && parseStoredScopeRequest(r.item)) ?? current, message };
}

/**
 * The look-alike and dynamic-group signals read again before an approval (the target's privileged people and dynamic
 * groups change too; reads are cached for a few minutes, see newcomerChecks). A look-alike or a dynamic group the
 * newcomers would join that the card did not show refuses the approval, as for privileged roles. Adds only; a read
 * failure does not block (logged).
 */
export async function recheckNewcomers(
  deps: { graph: CtsGraph; configs: Configurations; storage: Storage; newcomers: NewcomerChecks; logger?: Logger },
  current: StoredScopeRequest,
): Promise<{ record: StoredScopeRequest; message: string } | undefined> {
  const req = current.request;
  const config = deps.configs.find(req.configuration);
  if (!config || req.op !== 'add') return undefined;
  let added;
  try {
    const people: Newcomer[] = [];
    if (req.principalType === 'user') {
      for (const p of req.principals) {
        // The mail is not stored with the request: read it so a mail look-alike is judged as at request time.
        const u = await deps.graph.getUser(config.sourceTenantId, p.id).catch(() => null);
        people.push({
          id: p.id,
          displayName: u?.displayName ?? p.displayName,
          mail: u?.mail ?? null,
          userPrincipalName: u?.userPrincipalName ?? p.userPrincipalName ?? null,
        });
      }
    } else {
      for (const g of req.principals) {
        for (const m of await deps.graph.groupMembers(config.sourceTenantId, g.id)) {
          const id = m.id.toLowerCase();
          if (memberKind(m) === 'user' && !isExternalUser(m) && !people.some((n) => n.id === id))
            people.push({ id, displayName: m.displayName ?? null, userPrincipalName: m.userPrincipalName ?? null });
        }
      }
    }
    added = newNewcomerSignals(current.risk, await deps.newcomers.check(config, people));
  } catch (err) {
    deps.logger?.warn({ err, id: req.id }, 'could not re-read the look-alike and dynamic-group signals before approval');
    return undefined;
  }
  if (!added.lookalikes.length && !added.dynamicGroups.length) return undefined;
  const lines = newcomerWarnings(added);
  const message = `The risk changed since this card was shown: ${lines.join(' ')} Look at the updated request and approve again if you still agree.`;
  const r = await updateWithCasDetailed<StoredScopeRequest>(deps.storage, requestKey(req.id), (cur) => {
    const rec = cur && parseStoredScopeRequest(cur);
    if (!rec || rec.request.status !== 'pending') return 'abort';
    return {
      ...rec,
      risk: {
        ...rec.risk,
        lookalikes: [...rec.risk.lookalikes, ...added.lookalikes],
        dynamicGroups: [...rec.risk.dynamicGroups, ...added.dynamicGroups],
        warnings: [...rec.risk.warnings, ...lines.map((l) => `Re-checked before approval: ${l}`)].slice(-20),
      },
    };
  });
  if (r.outcome !== 'committed') return undefined;
  return { record: (r.item && parseStoredScopeRequest(r.item)) ?? current, message };
}
