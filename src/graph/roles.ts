import type { z } from 'zod';
import type { TenantGraph } from './client';
import { GraphError, GraphPermissionMissingError, GraphResponseInvalidError } from './errors';
import { guidSegment } from './odata';
import { DirectoryObjectSchema, pageOf } from './schemas';

/** The permission without which Graph returns directoryRole objects without `roleTemplateId` (reference §6). */
export const ROLE_READ_PERMISSION = 'RoleManagement.Read.Directory';

/**
 * A caller's directory roles, transitively: roles held through a role-assignable group count, which
 * `roleManagement/directory/roleAssignments?$filter=principalId eq` would miss.
 */
export class DirectoryRoles {
  constructor(private readonly g: TenantGraph) {}

  /**
   * Role template ids (the stable ids in reference §7), de-duplicated, lower case. A role without `roleTemplateId`
   * means the app may list memberships but not read roles: that throws GraphPermissionMissingError, because
   * answering "no role" would refuse everyone without anybody knowing why.
   */
  async roleTemplateIds(userId: string): Promise<string[]> {
    const op = `read the directory roles of user ${userId}`;
    // An OData cast is an advanced query: Graph wants ConsistencyLevel: eventual and $count=true (on every page).
    const headers = { ConsistencyLevel: 'eventual' };
    const page = pageOf(DirectoryObjectSchema);
    const roles: z.infer<typeof DirectoryObjectSchema>[] = [];
    let next: { path: string; query?: Record<string, string> } | undefined = {
      path: `/users/${guidSegment(userId, 'user id', op)}/transitiveMemberOf/microsoft.graph.directoryRole`,
      query: { $select: 'id,roleTemplateId', $count: 'true' },
    };
    for (let pages = 0; next; pages++) {
      if (pages >= 1000) throw new GraphResponseInvalidError(op, 'more than 1000 pages; stopping');
      const answer: z.infer<typeof page> = await this.g.get(next.path, page, op, next.query, headers);
      roles.push(...answer.value);
      next = answer['@odata.nextLink'] ? { path: this.g.relativeLink(answer['@odata.nextLink'], op) } : undefined;
    }
    const limited = roles.filter((r) => !r.roleTemplateId);
    if (limited.length) {
      throw new GraphPermissionMissingError(
        op,
        ROLE_READ_PERMISSION,
        this.g.tenantId,
        `Microsoft Graph returned ${limited.length} directory role(s) without roleTemplateId, so the roles cannot be told apart`,
      );
    }
    return unique(roles.map((r) => r.roleTemplateId!));
  }

  /**
   * Start-up probe: can this app read directory roles with their template ids? Lists the tenant's activated roles
   * (needs the same permission). Null when it can; otherwise the problem, in words for the start-up banner.
   */
  async roleReadProblem(): Promise<string | null> {
    const op = 'list the directory roles of the tenant';
    try {
      const answer = await this.g.get('/directoryRoles', pageOf(DirectoryObjectSchema), op, { $select: 'id,roleTemplateId' });
      if (answer.value.some((r) => !r.roleTemplateId)) {
        return new GraphPermissionMissingError(op, ROLE_READ_PERMISSION, this.g.tenantId, 'directory roles come back without roleTemplateId').message;
      }
      return null;
    } catch (err) {
      if (err instanceof GraphError && err.isForbidden) {
        return new GraphPermissionMissingError(op, ROLE_READ_PERMISSION, this.g.tenantId, `Microsoft Graph refused it (HTTP ${err.status} ${err.code})`)
          .message;
      }
      throw err;
    }
  }

  /** Ids of every group the user is in, directly or nested (for group-based policy). */
  async groupIds(userId: string): Promise<string[]> {
    const op = `read the groups of user ${userId}`;
    const all = await this.g.getAll(`/users/${guidSegment(userId, 'user id', op)}/transitiveMemberOf`, DirectoryObjectSchema, op, { $select: 'id' });
    return unique(all.filter((o) => !o['@odata.type'] || o['@odata.type'] === '#microsoft.graph.group').map((o) => o.id));
  }
}

function unique(ids: string[]): string[] {
  return [...new Set(ids.map((i) => i.toLowerCase()))];
}
