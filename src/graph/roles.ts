import type { TenantGraph } from './client';
import { guidSegment } from './odata';
import { DirectoryObjectSchema } from './schemas';

/**
 * A caller's directory roles, transitively: roles held through a role-assignable group count, which
 * `roleManagement/directory/roleAssignments?$filter=principalId eq` would miss.
 */
export class DirectoryRoles {
  constructor(private readonly g: TenantGraph) {}

  /** Role template ids (the stable ids in reference §7), de-duplicated, lower case. */
  async roleTemplateIds(userId: string): Promise<string[]> {
    const op = `read the directory roles of user ${userId}`;
    const roles = await this.g.getAll(`/users/${guidSegment(userId, 'user id', op)}/transitiveMemberOf/microsoft.graph.directoryRole`, DirectoryObjectSchema, op, {
      $select: 'id,roleTemplateId',
    });
    return unique(roles.map((r) => r.roleTemplateId).filter((id): id is string => !!id));
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
