import type { TenantGraph } from './client';
import { GraphError, GraphOutcomeUnknownError, GraphResponseInvalidError } from './errors';
import { guidSegment } from './odata';
import { AppRoleAssignmentSchema, ServicePrincipalSchema, type AppRoleAssignment, type ServicePrincipal } from './schemas';

/** The CTS app exposes one role; assigning "default access" instead gets users silently skipped. */
export const CTS_ACCESS_ROLE = 'msiam_access';
const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';

export type PrincipalType = 'User' | 'Group';

export interface EnsureAssignedResult {
  assignment: AppRoleAssignment;
  /** False when it was already there (including "someone else just added it"). */
  created: boolean;
  /** Graph's `request-id` of the POST that created it, when this call created it. */
  requestId?: string;
}

/** Who is in a configuration's scope: appRoleAssignedTo on the CTS service principal. */
export class SyncScope {
  private readonly roleIds = new Map<string, string>();

  constructor(private readonly g: TenantGraph) {}

  async servicePrincipal(spId: string): Promise<ServicePrincipal> {
    const op = `read service principal ${spId}`;
    return this.g.get(`/servicePrincipals/${guidSegment(spId, 'service principal id', op)}`, ServicePrincipalSchema, op, {
      $select: 'id,appId,displayName,appRoles',
    });
  }

  /**
   * The `msiam_access` role id from the service principal's appRoles (cached: app roles do not change). On the CTS
   * app `msiam_access` is the role's displayName and its `value` is null (CTS Graph guide, step 6), so match the
   * displayName (or a value, should a tenant carry one); failing that, the single enabled role open to users.
   */
  async accessRoleId(spId: string): Promise<string> {
    const cached = this.roleIds.get(spId.toLowerCase());
    if (cached) return cached;
    const sp = await this.servicePrincipal(spId);
    const id = pickAccessRole(sp, spId);
    this.roleIds.set(spId.toLowerCase(), id);
    return id;
  }

  async listAssignments(spId: string): Promise<AppRoleAssignment[]> {
    const op = `list who is assigned to service principal ${spId}`;
    return this.g.getAll(`/servicePrincipals/${guidSegment(spId, 'service principal id', op)}/appRoleAssignedTo`, AppRoleAssignmentSchema, op);
  }

  /** A bare POST: not safe to repeat after an unknown outcome; prefer ensureAssigned. */
  async assign(spId: string, principalId: string, type: PrincipalType = 'User'): Promise<{ assignment: AppRoleAssignment; requestId?: string }> {
    const op = `assign ${type.toLowerCase()} ${principalId} to service principal ${spId}`;
    const sp = guidSegment(spId, 'service principal id', op);
    const principal = guidSegment(principalId, `${type.toLowerCase()} id`, op);
    const appRoleId = await this.accessRoleId(sp);
    const answer = await this.g.call({
      method: 'POST',
      path: `/servicePrincipals/${sp}/appRoleAssignedTo`,
      body: { principalId: principal, resourceId: sp, appRoleId },
      operation: op,
      schema: AppRoleAssignmentSchema,
    });
    return { assignment: answer.data, requestId: answer.requestId };
  }

  async unassign(spId: string, assignmentId: string): Promise<{ requestId?: string }> {
    const op = `remove assignment ${assignmentId} from service principal ${spId}`;
    const sp = guidSegment(spId, 'service principal id', op);
    // Assignment ids are base64url-ish strings, not GUIDs.
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(assignmentId)) throw new GraphError({ operation: op, status: 400, code: 'InvalidAssignmentId' });
    const answer = await this.g.call({ method: 'DELETE', path: `/servicePrincipals/${sp}/appRoleAssignedTo/${assignmentId}`, operation: op });
    return { requestId: answer.requestId };
  }

  /**
   * Assigns only if absent: list first, POST if missing, and treat "already exists" (or an unknown
   * outcome that a re-read shows succeeded) as done. Safe to call again after any failure.
   */
  async ensureAssigned(spId: string, principalId: string, type: PrincipalType = 'User'): Promise<EnsureAssignedResult> {
    const find = async () => {
      const roleId = await this.accessRoleId(spId);
      return (await this.listAssignments(spId)).find(
        (a) => a.principalId.toLowerCase() === principalId.toLowerCase() && a.appRoleId.toLowerCase() === roleId.toLowerCase(),
      );
    };
    const existing = await find();
    if (existing) return { assignment: existing, created: false };
    try {
      return { ...(await this.assign(spId, principalId, type)), created: true };
    } catch (err) {
      const alreadyThere = err instanceof GraphError && (err.status === 409 || (err.status === 400 && /already exists/i.test(err.graphMessage ?? '')));
      if (alreadyThere || err instanceof GraphOutcomeUnknownError) {
        const now = await find();
        if (now) return { assignment: now, created: !alreadyThere };
      }
      throw err;
    }
  }

  /**
   * Removes every access assignment of this principal; absent (or already deleted) counts as done. A DELETE whose
   * outcome is unknown (5xx, lost answer) is settled by reading the assignments again, never by sending it again.
   */
  async ensureUnassigned(spId: string, principalId: string): Promise<{ removed: number; requestId?: string }> {
    const mineIn = (list: AppRoleAssignment[]) => list.filter((a) => a.principalId.toLowerCase() === principalId.toLowerCase());
    const mine = mineIn(await this.listAssignments(spId));
    let removed = 0;
    let requestId: string | undefined;
    for (const a of mine) {
      try {
        requestId = (await this.unassign(spId, a.id)).requestId ?? requestId;
        removed++;
      } catch (err) {
        if (err instanceof GraphOutcomeUnknownError) {
          if (mineIn(await this.listAssignments(spId)).some((x) => x.id === a.id)) throw err;
          removed++;
          continue;
        }
        if (!(err instanceof GraphError && err.isNotFound)) throw err;
      }
    }
    return { removed, requestId };
  }
}

/** Which app role puts a principal in scope; anything ambiguous is a configuration error naming what was found. */
export function pickAccessRole(sp: ServicePrincipal, spId: string = sp.id): string {
  const enabled = sp.appRoles.filter((r) => r.isEnabled !== false);
  const named = (r: ServicePrincipal['appRoles'][number]) => [r.displayName, r.value].some((v) => (v ?? '').trim().toLowerCase() === CTS_ACCESS_ROLE);
  const role = enabled.find(named);
  if (role) return role.id;
  if (sp.appRoles.length === 0) return DEFAULT_ACCESS_ROLE;
  const forUsers = enabled.filter((r) => (r.allowedMemberTypes ?? []).some((t) => t.toLowerCase() === 'user'));
  if (forUsers.length === 1) return forUsers[0].id;
  const found = sp.appRoles.map((r) => `${r.displayName ?? r.value ?? '(unnamed)'} [${r.id}${r.isEnabled === false ? ', disabled' : ''}]`).join(', ');
  throw new GraphResponseInvalidError(
    `find the ${CTS_ACCESS_ROLE} app role of service principal ${spId}`,
    `no enabled role named ${CTS_ACCESS_ROLE} and ${forUsers.length === 0 ? 'no' : forUsers.length} enabled role(s) open to users; roles found: ${found}. Check that the configuration names the cross-tenant sync service principal`,
  );
}
