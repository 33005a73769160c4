import type { CtsGraph } from '../graph/gateway';
import type { CallerDirectory } from './access';

/** The home tenant's directory, read through the Graph gateway, as the access service needs it. */
export function graphCallerDirectory(graph: CtsGraph, homeTenantId: string): CallerDirectory {
  return {
    async getUser(userId) {
      const user = await graph.getUser(homeTenantId, userId);
      if (!user) return undefined;
      const userType = user.userType === 'Member' || user.userType === 'Guest' ? user.userType : 'Unknown';
      return {
        id: user.id,
        displayName: user.displayName ?? user.userPrincipalName ?? user.id,
        userPrincipalName: user.userPrincipalName ?? undefined,
        userType,
      };
    },
    roleTemplateIds: (userId) => graph.roleTemplateIds(homeTenantId, userId),
    groupIds: (userId) => graph.groupIdsOf(homeTenantId, userId),
  };
}
