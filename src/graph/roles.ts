import type { z } from 'zod';
import type { TenantGraph } from './client';
import { GraphResponseInvalidError } from './errors';
import { guidSegment } from './odata';
import { DirectoryObjectSchema, pageOf } from './schemas';

/**
 * A caller's directory roles, transitively: roles held through a role-assignable group count, which
 * `roleManagement/directory/roleAssignments?$filter=principalId eq` would miss.
 */
export class DirectoryRoles {
  constructor(private readonly g: TenantGraph) {}

  /** Role template ids (the stable ids in reference §7), de-duplicated, lower case. */
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
