import { newlyPrivileged } from '../domain/risk';
import type { CtsGraph } from '../graph/gateway';
import type { Logger } from '../logger';
import { updateWithCasDetailed, type Storage } from '../store';
import { parseStoredScopeRequest, requestKey, type StoredScopeRequest } from './scopeRequestRecords';
import type { Configurations } from './configurations';
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
