import type { SignInActivity as GraphSignInActivity } from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import type { TenantGraph } from './client';
import { GraphError, orNull } from './errors';
import { guidSegment, isGuid, odataString, userSegment } from './odata';
import {
  DirectoryGroupSchema,
  DirectoryObjectSchema,
  DirectoryUserSchema,
  pageOf,
  type DirectoryGroup,
  type DirectoryObject,
  type DirectoryUser,
} from './schemas';

/** Documented shape (Graph signInActivity resource); every field may be null or absent (never signed in, no data). */
const SignInActivitySchema = z
  .object({
    lastSignInDateTime: z.string().nullish(),
    lastNonInteractiveSignInDateTime: z.string().nullish(),
    lastSuccessfulSignInDateTime: z.string().nullish(),
  })
  .passthrough();
export const UserSignInSchema = z.object({ id: z.string(), signInActivity: SignInActivitySchema.nullish() }).passthrough();
/** The Graph type, narrowed to the times a review shows. */
export type SignInActivity = Pick<GraphSignInActivity, 'lastSignInDateTime' | 'lastNonInteractiveSignInDateTime' | 'lastSuccessfulSignInDateTime'>;

const USER_FIELDS = 'id,displayName,userPrincipalName,mail,accountEnabled,userType,creationType,externalUserState';
/** Members: enough to tell users from groups and internal users from guests and external members. */
const MEMBER_FIELDS = 'id,displayName,userPrincipalName,userType,creationType,externalUserState';
const GROUP_FIELDS = 'id,displayName,mail,securityEnabled,isAssignableToRole';

/** Users and groups of one tenant. Every string in a $filter goes through odataString(). */
export class Directory {
  constructor(private readonly g: TenantGraph) {}

  /** By object id or UPN; null when it does not exist. */
  async user(idOrUpn: string): Promise<DirectoryUser | null> {
    const op = `look up user ${idOrUpn}`;
    return orNull(this.g.get(`/users/${userSegment(idOrUpn, op)}`, DirectoryUserSchema, op, { $select: USER_FIELDS }));
  }

  async usersByMail(mail: string): Promise<DirectoryUser[]> {
    const op = `look up the user with mail ${mail}`;
    const page = await this.g.get('/users', pageOf(DirectoryUserSchema), op, { $filter: `mail eq ${odataString(mail)}`, $select: USER_FIELDS, $top: 5 });
    return page.value;
  }

  /** What an admin typed: an id, a UPN, or a mail address (UPN first, then mail). */
  async findUser(text: string): Promise<DirectoryUser | null> {
    const t = text.trim();
    if (isGuid(t)) return this.user(t);
    if (!t.includes('@')) return null;
    const byUpn = await this.user(t);
    if (byUpn) return byUpn;
    const byMail = await this.usersByMail(t);
    return byMail.length === 1 ? byMail[0] : null;
  }

  /** For "did you mean": users whose display name or UPN starts with the text. */
  async usersStartingWith(prefix: string, top = 5): Promise<DirectoryUser[]> {
    const op = `search users starting with "${prefix}"`;
    const lit = odataString(prefix.trim());
    const page = await this.g.get('/users', pageOf(DirectoryUserSchema), op, {
      $filter: `startswith(displayName,${lit}) or startswith(userPrincipalName,${lit})`,
      $select: USER_FIELDS,
      $top: top,
    });
    return page.value.slice(0, top);
  }

  async group(id: string): Promise<DirectoryGroup | null> {
    const op = `look up group ${id}`;
    return orNull(this.g.get(`/groups/${guidSegment(id, 'group id', op)}`, DirectoryGroupSchema, op, { $select: GROUP_FIELDS }));
  }

  /** By id (0 or 1 result) or by exact display name (0..n: names are not unique). */
  /** For "did you mean": groups whose display name starts with the prefix. */
  async groupsStartingWith(prefix: string, top = 5): Promise<DirectoryGroup[]> {
    const op = `search groups starting with "${prefix}"`;
    const page = await this.g.get('/groups', pageOf(DirectoryGroupSchema), op, {
      $filter: `startswith(displayName,${odataString(prefix.trim())})`,
      $select: GROUP_FIELDS,
      $top: top,
    });
    return page.value.slice(0, top);
  }

  async findGroups(idOrName: string): Promise<DirectoryGroup[]> {
    const t = idOrName.trim();
    if (isGuid(t)) {
      const g = await this.group(t);
      return g ? [g] : [];
    }
    const op = `look up group "${t}"`;
    const page = await this.g.get('/groups', pageOf(DirectoryGroupSchema), op, {
      $filter: `displayName eq ${odataString(t)}`,
      $select: GROUP_FIELDS,
      $top: 10,
    });
    return page.value;
  }

  async groupMembers(groupId: string): Promise<DirectoryObject[]> {
    const op = `list the members of group ${groupId}`;
    return this.g.getAll(`/groups/${guidSegment(groupId, 'group id', op)}/members`, DirectoryObjectSchema, op, { $select: MEMBER_FIELDS });
  }

  async groupTransitiveMembers(groupId: string): Promise<DirectoryObject[]> {
    const op = `list all members of group ${groupId}`;
    return this.g.getAll(`/groups/${guidSegment(groupId, 'group id', op)}/transitiveMembers`, DirectoryObjectSchema, op, {
      $select: MEMBER_FIELDS,
    });
  }

  /**
   * A user's sign-in activity (`$select=signInActivity`, which needs AuditLog.Read.All: Graph answers 403 without it,
   * and the caller says "not readable"). Null when the user does not exist.
   */
  async signInActivity(userId: string): Promise<SignInActivity | null> {
    const op = `read the sign-in activity of user ${userId}`;
    const user = await orNull(this.g.get(`/users/${guidSegment(userId, 'user id', op)}`, UserSignInSchema, op, { $select: 'id,signInActivity' }));
    if (!user) return null;
    return user.signInActivity ?? {};
  }

  /** Users in the tenant (members and guests), via `$count` (advanced query): the basis for "scope grows by N %". */
  async userCount(): Promise<number> {
    return this.g.get('/users/$count', z.coerce.number().int().nonnegative(), 'count the users of the tenant', undefined, { ConsistencyLevel: 'eventual' });
  }

  /** Direct member count via `$count` (advanced query); falls back to counting pages where $count is refused. */
  async groupMemberCount(groupId: string): Promise<number> {
    const op = `count the members of group ${groupId}`;
    const path = `/groups/${guidSegment(groupId, 'group id', op)}/members/$count`;
    try {
      return await this.g.get(path, z.coerce.number().int().nonnegative(), op, undefined, { ConsistencyLevel: 'eventual' });
    } catch (err) {
      if (err instanceof GraphError && (err.status === 400 || err.status === 404 || err.status === 501) && !err.isNotFound) {
        return (await this.groupMembers(groupId)).length;
      }
      if (err instanceof GraphError && err.status === 404) {
        // 404 on $count may mean "route unknown" rather than "group unknown": check the group.
        if (await this.group(groupId)) return (await this.groupMembers(groupId)).length;
      }
      throw err;
    }
  }
}
