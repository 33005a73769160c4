/** What a scope review lists: the configuration's assigned groups and users, with the facts approvers judge them by. */
import { isExternalUser, memberKind, privilegedRoleNames } from '../domain/risk';
import type { startReview } from '../domain/review';
import type { SyncConfiguration } from '../config';
import { GraphError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import pLimit from 'p-limit';

export const SIGN_IN_UNREADABLE = 'last sign-in: not readable (needs AuditLog.Read.All)';
/** Members of an assigned group whose directory roles are read (one Graph read each). */
export const GROUP_PRIVILEGED_SAMPLE = 20;

export type ReviewScope = { items: Parameters<typeof startReview>[0]['items']; signInNote?: string };

/**
 * Reads each assigned principal once (5 at a time): groups with their direct members (nested groups named, guests
 * counted, the first members' privileged roles), users with their flags and last sign-in. Without AuditLog.Read.All
 * no item shows a sign-in, so the card says one thing for all.
 */
export async function readReviewScope(graph: CtsGraph, config: SyncConfiguration): Promise<ReviewScope> {
  const src = config.sourceTenantId;
  const assignments = await graph.listAssignments(src, config.servicePrincipalId);
  const seen = new Set<string>();
  const principals = assignments.filter((a) => {
    const key = a.principalId.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const limit = pLimit(5);
  let signInReadable = true;
  const privilegedOf = async (userId: string) => privilegedRoleNames(await graph.roleTemplateIds(src, userId).catch(() => [] as string[]));
  const items = await Promise.all(
    principals.map((a) =>
      limit(async () => {
        const id = a.principalId.toLowerCase();
        const name = a.principalDisplayName ?? a.principalId;
        if ((a.principalType ?? 'User') === 'Group') {
          const members = await graph.groupMembers(src, id);
          const users = members.filter((m) => memberKind(m) === 'user');
          const sample = users.slice(0, GROUP_PRIVILEGED_SAMPLE);
          const privileged: string[] = [];
          for (const u of sample) {
            const roles = await privilegedOf(u.id);
            if (roles.length) privileged.push(`${u.displayName ?? u.id} (${roles.join(', ')})`);
          }
          return {
            id,
            kind: 'group' as const,
            displayName: name,
            group: {
              members: members.length,
              nestedGroups: members.filter((m) => memberKind(m) === 'group').map((m) => m.displayName ?? m.id),
              guests: users.filter((u) => isExternalUser(u)).length,
              privileged,
              privilegedChecked: sample.length,
            },
          };
        }
        const user = await graph.getUser(src, id);
        let lastSignIn: string | null | undefined;
        if (signInReadable) {
          try {
            const activity = await graph.signInActivity(src, id);
            lastSignIn = activity
              ? (activity.lastSuccessfulSignInDateTime ?? activity.lastSignInDateTime ?? activity.lastNonInteractiveSignInDateTime ?? null)
              : null;
          } catch (err) {
            if (!(err instanceof GraphError && err.status === 403)) throw err;
            signInReadable = false;
          }
        }
        return {
          id,
          kind: 'user' as const,
          displayName: user?.displayName ?? name,
          user: {
            ...(user?.userPrincipalName ? { userPrincipalName: user.userPrincipalName } : {}),
            enabled: user ? (user.accountEnabled ?? null) : null,
            guest: user?.userType === 'Guest',
            external: user ? isExternalUser(user) : false,
            ...(signInReadable && lastSignIn !== undefined ? { lastSignIn } : {}),
            privilegedRoles: await privilegedOf(id),
          },
        };
      }),
    ),
  );
  // One 403 means none is readable: drop the ones read before it, so the card says one thing for all.
  if (!signInReadable) for (const i of items) if (i.user) delete i.user.lastSignIn;
  return { items, ...(signInReadable ? {} : { signInNote: SIGN_IN_UNREADABLE }) };
}
