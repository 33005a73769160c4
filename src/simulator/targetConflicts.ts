import type { SimJob, SimTenant, SimUser } from './model';

/**
 * What stands in a synced user's way in the target tenant, and the B2B guest CTS matches instead of creating a user.
 * A guest invited from the same source user is matched (and stays whatever userType it has: the engine does not
 * model the userType mapping), so a guest still pending acceptance stays a guest that cannot sign in. Anything else
 * holding the user's mail (a member, a guest invited another way, a contact's proxy address) makes the export fail.
 */

/**
 * UNVERIFIED: the code the service logs for a create that collides with an existing object. The CTS error table
 * (concept-provisioning-logs) lists none for this; the bot reads any code containing "Conflict" as a matching conflict.
 */
export const CONFLICT_CODE = 'AzureActiveDirectoryConflict';

export function invitedGuestFor(target: SimTenant, job: SimJob, src: SimUser): SimUser | undefined {
  return [...target.users.values()].find((u) => u.invitedFrom?.tenantId === job.sourceTenantId && u.invitedFrom.userId === src.id);
}

export function exportConflict(target: SimTenant, src: SimUser): { errorCode: string; reason: string } | null {
  const mail = src.mail?.toLowerCase();
  if (!mail) return null;
  const contact = [...(target.contacts?.values() ?? [])].find((c) => c.proxyAddresses.some((p) => p.toLowerCase() === `smtp:${mail}`));
  if (contact)
    return {
      errorCode: CONFLICT_CODE,
      reason: `Another object with the proxy address smtp:${src.mail} already exists: contact ${contact.displayName} (${contact.id}).`,
    };
  const user = [...target.users.values()].find((u) => u.mail?.toLowerCase() === mail && !u.syncedFrom);
  if (user)
    return {
      errorCode: CONFLICT_CODE,
      reason: `Another object with the mail ${src.mail} already exists: ${user.userType.toLowerCase()} ${user.userPrincipalName} (${user.id}).`,
    };
  return null;
}

/** Guests and external members directly in an assigned group: evaluated, then skipped at the scoping step. */
export function skippedMembers(
  source: SimTenant,
  assignedPrincipals: { principalId: string; principalType: string }[],
  inScope: ReadonlyMap<string, SimUser>,
): SimUser[] {
  const seen = new Set<string>();
  const out: SimUser[] = [];
  const consider = (id: string) => {
    const u = source.users.get(id);
    if (!u || inScope.has(u.id) || seen.has(u.id)) return;
    seen.add(u.id);
    out.push(u);
  };
  for (const a of assignedPrincipals) {
    if (a.principalType === 'User') consider(a.principalId);
    else source.groups.get(a.principalId)?.members.forEach(consider);
  }
  return out;
}
