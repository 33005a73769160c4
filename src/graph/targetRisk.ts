import type { AppRoleAssignment, DirectoryRole, Group, UnifiedRoleAssignment, User } from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import type { TenantGraph } from './client';
import { guidSegment, odataString } from './odata';
import { ROLE_READ_PERMISSION } from './roles';
import { GraphPermissionMissingError } from './errors';

/**
 * The reads behind the look-alike and dynamic-group warnings of an add request, in the TARGET tenant (and the source
 * user's attributes in the source): who holds privileged directory roles, which dynamic groups exist and what they
 * grant. Shapes typed against @microsoft/microsoft-graph-types; the fixture is test/contract/fixtures/dynamicGroups.json.
 */

const nullish = z.string().nullish();

const RoleSchema = z.object({ id: z.string(), roleTemplateId: nullish, displayName: nullish }).passthrough() satisfies z.ZodType<
  Pick<DirectoryRole, 'roleTemplateId' | 'displayName'> & { id: string }
>;
const MemberSchema = z
  .object({ '@odata.type': nullish, id: z.string(), displayName: nullish, userPrincipalName: nullish, mail: nullish })
  .passthrough() satisfies z.ZodType<Pick<User, 'displayName' | 'userPrincipalName' | 'mail'> & { id: string }>;
export const DynamicGroupSchema = z
  .object({
    id: z.string(),
    displayName: nullish,
    membershipRule: nullish,
    membershipRuleProcessingState: nullish,
    isAssignableToRole: z.boolean().nullish(),
  })
  .passthrough() satisfies z.ZodType<Pick<Group, 'displayName' | 'membershipRule' | 'membershipRuleProcessingState' | 'isAssignableToRole'> & { id: string }>;
const AppRoleAssignmentIdSchema = z.object({ id: z.string(), resourceDisplayName: nullish }).passthrough() satisfies z.ZodType<
  Pick<AppRoleAssignment, 'resourceDisplayName'> & { id: string }
>;
const RoleAssignmentSchema = z.object({ id: z.string(), roleDefinitionId: nullish }).passthrough() satisfies z.ZodType<
  Pick<UnifiedRoleAssignment, 'roleDefinitionId'> & { id: string }
>;

export interface RoleHolder {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  mail: string | null;
  /** Role template ids, lower case. */
  roleTemplateIds: string[];
}

export interface DynamicGroupFacts {
  id: string;
  displayName: string;
  membershipRule: string;
  /** 'On' | 'Paused'; a paused rule adds nobody. */
  processingState: string | null;
  isAssignableToRole: boolean;
  /** Enterprise apps the group is assigned to (resource display names). */
  appRoleAssignments: string[];
  /** Directory role template ids the group holds (role-assignable groups only). */
  directoryRoles: string[];
}

/** The source attributes the dynamic-group check reads (Graph names; a mapping from any other is unknown). */
export const RULE_SOURCE_ATTRIBUTES = [
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'mailNickname',
  'department',
  'jobTitle',
  'companyName',
  'country',
  'city',
  'state',
  'postalCode',
  'streetAddress',
  'officeLocation',
  'usageLocation',
  'preferredLanguage',
  'employeeId',
  'employeeType',
  'accountEnabled',
  'userType',
] as const;

const advanced = { ConsistencyLevel: 'eventual' };

export class TargetRiskReads {
  constructor(private readonly g: TenantGraph) {}

  /**
   * Users holding one of `templateIds` (lower case), directly or through a role-assignable group (its members are
   * listed). Only activated roles appear in /directoryRoles, which is what a role with holders is.
   */
  async roleHolders(templateIds: ReadonlySet<string>): Promise<RoleHolder[]> {
    const op = 'list the directory roles of the tenant';
    const roles = await this.g.getAll('/directoryRoles', RoleSchema, op, { $select: 'id,roleTemplateId,displayName' });
    if (roles.some((r) => !r.roleTemplateId)) {
      throw new GraphPermissionMissingError(op, ROLE_READ_PERMISSION, this.g.tenantId, 'directory roles come back without roleTemplateId');
    }
    const byId = new Map<string, RoleHolder>();
    const add = (m: z.infer<typeof MemberSchema>, template: string) => {
      const key = m.id.toLowerCase();
      const h = byId.get(key) ?? {
        id: key,
        displayName: m.displayName ?? null,
        userPrincipalName: m.userPrincipalName ?? null,
        mail: m.mail ?? null,
        roleTemplateIds: [],
      };
      if (!h.roleTemplateIds.includes(template)) h.roleTemplateIds.push(template);
      byId.set(key, h);
    };
    for (const role of roles.filter((r) => templateIds.has(r.roleTemplateId!.toLowerCase()))) {
      const template = role.roleTemplateId!.toLowerCase();
      const op2 = `list the holders of the ${role.displayName ?? template} role`;
      const members = await this.g.getAll(`/directoryRoles/${guidSegment(role.id, 'directory role id', op2)}/members`, MemberSchema, op2, {
        $select: 'id,displayName,userPrincipalName,mail',
      });
      for (const m of members) {
        const type = (m['@odata.type'] ?? '').toLowerCase();
        if (type.endsWith('.group')) {
          const op3 = `list the members of role-assignable group ${m.displayName ?? m.id}`;
          const inner = await this.g.getAll(`/groups/${guidSegment(m.id, 'group id', op3)}/transitiveMembers`, MemberSchema, op3, {
            $select: 'id,displayName,userPrincipalName,mail',
          });
          inner.filter((u) => !u['@odata.type'] || u['@odata.type'].toLowerCase().endsWith('.user')).forEach((u) => add(u, template));
        } else if (!type || type.endsWith('.user')) add(m, template);
      }
    }
    return [...byId.values()];
  }

  /**
   * The tenant's dynamic groups with their rules, and what membership grants: app assignments and directory roles.
   * A lambda filter on groupTypes is an advanced query (ConsistencyLevel: eventual and $count=true, per a Microsoft
   * Q&A answer; the group-list page shows the same for its dynamic-group example): sent with both.
   */
  async dynamicGroups(): Promise<DynamicGroupFacts[]> {
    const op = 'list the dynamic groups';
    const groups: z.infer<typeof DynamicGroupSchema>[] = [];
    const page = z.object({ value: z.array(DynamicGroupSchema), '@odata.nextLink': z.string().nullish() }).passthrough();
    let next: { path: string; query?: Record<string, string> } | undefined = {
      path: '/groups',
      query: {
        $filter: "groupTypes/any(c:c eq 'DynamicMembership')",
        $select: 'id,displayName,membershipRule,membershipRuleProcessingState,isAssignableToRole',
        $count: 'true',
      },
    };
    for (let pages = 0; next && pages < 100; pages++) {
      const answer: z.infer<typeof page> = await this.g.get(next.path, page, op, next.query, advanced);
      groups.push(...answer.value);
      next = answer['@odata.nextLink'] ? { path: this.g.relativeLink(answer['@odata.nextLink'], op) } : undefined;
    }
    const out: DynamicGroupFacts[] = [];
    for (const g of groups) {
      if (!g.membershipRule) continue;
      const opA = `read the app assignments of group ${g.displayName ?? g.id}`;
      const apps = await this.g.getAll(`/groups/${guidSegment(g.id, 'group id', opA)}/appRoleAssignments`, AppRoleAssignmentIdSchema, opA, {
        $select: 'id,resourceDisplayName',
      });
      let roles: string[] = [];
      if (g.isAssignableToRole) {
        const opR = `read the directory roles of group ${g.displayName ?? g.id}`;
        const assignments = await this.g.getAll('/roleManagement/directory/roleAssignments', RoleAssignmentSchema, opR, {
          $filter: `principalId eq ${odataString(g.id)}`,
          $select: 'id,roleDefinitionId',
        });
        roles = [...new Set(assignments.map((a) => (a.roleDefinitionId ?? '').toLowerCase()).filter(Boolean))];
      }
      out.push({
        id: g.id,
        displayName: g.displayName ?? g.id,
        membershipRule: g.membershipRule,
        processingState: g.membershipRuleProcessingState ?? null,
        isAssignableToRole: g.isAssignableToRole === true,
        appRoleAssignments: [...new Set(apps.map((a) => a.resourceDisplayName ?? a.id))],
        directoryRoles: roles,
      });
    }
    return out;
  }

  /** A user's attributes that dynamic rules commonly test, by lower-case Graph name (null = empty in Graph). */
  async userAttributes(userId: string): Promise<Record<string, string | boolean | null>> {
    const op = `read the attributes of user ${userId}`;
    const schema = z.record(z.unknown());
    const u = await this.g.get(`/users/${guidSegment(userId, 'user id', op)}`, schema, op, { $select: RULE_SOURCE_ATTRIBUTES.join(',') });
    const out: Record<string, string | boolean | null> = {};
    for (const name of RULE_SOURCE_ATTRIBUTES) {
      const v = u[name];
      out[name.toLowerCase()] = typeof v === 'string' || typeof v === 'boolean' ? v : typeof v === 'number' ? String(v) : null;
    }
    // The CTS schema names the object id objectId.
    out.objectid = typeof u.id === 'string' ? u.id : userId;
    return out;
  }
}
