/** A configuration's sync scope as CTS computes it: assigned users plus DIRECT user members of assigned groups. */
import type { SyncConfiguration } from '../config';
import type { CtsGraph } from '../graph/gateway';
import { isExternalUser, memberKind } from '../domain/risk';

export interface ScopeSnapshot {
  directUsers: Set<string>;
  groups: { id: string; name: string }[];
  /** user id → names of assigned groups that hold the user directly. */
  viaGroup: Map<string, string[]>;
  size: number;
}

const lower = (s: string) => s.toLowerCase();
// The guest/external and member-kind rules are domain rules (domain/risk); re-exported for existing callers.
export { isExternalUser } from '../domain/risk';

/** Who is in a configuration's sync scope: users assigned directly and user members of assigned groups (direct only). */
export async function scopeSnapshot(graph: CtsGraph, config: SyncConfiguration): Promise<ScopeSnapshot> {
  const assignments = await graph.listAssignments(config.sourceTenantId, config.servicePrincipalId);
  const directUsers = new Set<string>();
  const groups: { id: string; name: string }[] = [];
  for (const a of assignments) {
    if ((a.principalType ?? 'User') === 'Group') groups.push({ id: lower(a.principalId), name: a.principalDisplayName ?? a.principalId });
    else directUsers.add(lower(a.principalId));
  }
  const viaGroup = new Map<string, string[]>();
  const memberLists = await Promise.all(groups.map((g) => graph.groupMembers(config.sourceTenantId, g.id)));
  memberLists.forEach((members, i) => {
    for (const m of members) {
      if (memberKind(m) !== 'user' || isExternalUser(m)) continue;
      const id = lower(m.id);
      viaGroup.set(id, [...(viaGroup.get(id) ?? []), groups[i].name]);
    }
  });
  const all = new Set([...directUsers, ...viaGroup.keys()]);
  return { directUsers, groups, viaGroup, size: all.size };
}
