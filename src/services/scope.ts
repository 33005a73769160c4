/** A configuration's sync scope as CTS computes it: assigned users plus DIRECT user members of assigned groups. */
import type { SyncConfiguration } from '../config';
import type { CtsGraph } from '../graph/gateway';
import type { DirectoryObject } from '../graph/schemas';

export interface ScopeSnapshot {
  directUsers: Set<string>;
  groups: { id: string; name: string }[];
  /** user id → names of assigned groups that hold the user directly. */
  viaGroup: Map<string, string[]>;
  size: number;
}

const lower = (s: string) => s.toLowerCase();
export const isGuestUpn = (upn: string | null | undefined) => !!upn && upn.includes('#EXT#');

/**
 * Guests and external members (B2B users with userType Member, converted guests): CTS syncs internal members only.
 * By userType, the #EXT# UPN, creationType 'Invitation' or any externalUserState.
 */
export function isExternalUser(u: { userType?: string | null; userPrincipalName?: string | null; creationType?: string | null; externalUserState?: string | null }): boolean {
  return u.userType === 'Guest' || isGuestUpn(u.userPrincipalName) || (u.creationType ?? '').toLowerCase() === 'invitation' || !!u.externalUserState;
}
export const typeOf = (m: DirectoryObject): 'user' | 'group' | 'other' => {
  const t = (m['@odata.type'] ?? '').toLowerCase();
  if (t.endsWith('.user')) return 'user';
  if (t.endsWith('.group')) return 'group';
  if (!t && m.userPrincipalName) return 'user';
  return t ? 'other' : 'user';
};

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
      if (typeOf(m) !== 'user' || isExternalUser(m)) continue;
      const id = lower(m.id);
      viaGroup.set(id, [...(viaGroup.get(id) ?? []), groups[i].name]);
    }
  });
  const all = new Set([...directUsers, ...viaGroup.keys()]);
  return { directUsers, groups, viaGroup, size: all.size };
}
