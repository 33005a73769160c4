import { z } from 'zod';
import type { TenantGraph } from './client';
import { GraphError, orNull } from './errors';
import { guidSegment, jobIdSegment, odataString } from './odata';
import { GRAPH_APP_ROLE_IDS, MICROSOFT_GRAPH_APP_ID } from './permissions';
import { AppRoleAssignmentSchema, DirectoryAuditSchema, SecretsSchema, pageOf, type DirectoryAudit } from './schemas';
import type { JobRef } from './jobs';

/** The reads only `doctor` needs: the bot's own permissions, saved-credential validation, scope mode, dynamic groups. */

const SpIdSchema = z.object({ id: z.string(), appId: z.string().nullish() }).passthrough();
const GraphSpSchema = z
  .object({ id: z.string(), appRoles: z.array(z.object({ id: z.string(), value: z.string().nullish() }).passthrough()).nullish() })
  .passthrough();
const DynamicGroupSchema = z.object({ id: z.string(), displayName: z.string().nullish(), membershipRule: z.string().nullish() }).passthrough();

export interface BotPermissions {
  servicePrincipalId: string;
  /** Graph application permissions by name; an id we cannot name is kept as the id. */
  granted: string[];
}

export class DoctorReads {
  constructor(private readonly g: TenantGraph) {}

  /**
   * The bot's service principal in this tenant (alternate key `appId`) and its Graph app role assignments.
   * Null when the app has no service principal here (never consented in this tenant).
   */
  async botPermissions(appId: string): Promise<BotPermissions | null> {
    const op = `read the bot's own service principal (app ${appId})`;
    const sp = await orNull(
      this.g.get(`/servicePrincipals(appId=${odataString(guidSegment(appId, 'application id', op))})`, SpIdSchema, op, { $select: 'id,appId' }),
    );
    if (!sp) return null;
    const op2 = "read the bot's Graph permissions (appRoleAssignments)";
    const assignments = await this.g.getAll(
      `/servicePrincipals/${guidSegment(sp.id, 'service principal id', op2)}/appRoleAssignments`,
      AppRoleAssignmentSchema,
      op2,
    );
    // Only Microsoft Graph's roles count; resourceDisplayName is not reliable, so Graph's roles are matched by id:
    // the tenant's own Microsoft Graph service principal names them (appRoles by value), the id table is the fallback.
    const graphSp = await this.graphServicePrincipal();
    const names = new Map((graphSp?.appRoles ?? []).filter((r) => r.value).map((r) => [r.id.toLowerCase(), r.value!]));
    const granted = assignments
      .filter((a) => !graphSp || a.resourceId.toLowerCase() === graphSp.id.toLowerCase())
      .map((a) => names.get(a.appRoleId.toLowerCase()) ?? GRAPH_APP_ROLE_IDS[a.appRoleId.toLowerCase()] ?? a.appRoleId);
    return { servicePrincipalId: sp.id, granted: [...new Set(granted)] };
  }

  /** Microsoft Graph's service principal in this tenant with its app roles; null when it cannot be read (the table is used). */
  private async graphServicePrincipal(): Promise<z.output<typeof GraphSpSchema> | null> {
    const op = "read Microsoft Graph's service principal (its app roles)";
    try {
      return await orNull(this.g.get(`/servicePrincipals(appId=${odataString(MICROSOFT_GRAPH_APP_ID)})`, GraphSpSchema, op, { $select: 'id,appRoles' }));
    } catch {
      return null;
    }
  }

  /** POST validateCredentials with the saved credentials: 204 = valid; a 400 carries why (the other errors throw). */
  async validateSavedCredentials(ref: JobRef): Promise<{ valid: boolean; message?: string }> {
    const op = `validate the saved credentials of job ${ref.label ?? ref.jobId}`;
    const path = `/servicePrincipals/${guidSegment(ref.servicePrincipalId, 'service principal id', op)}/synchronization/jobs/${jobIdSegment(ref.jobId, op)}/validateCredentials`;
    try {
      await this.g.call({ method: 'POST', path, body: { useSavedCredentials: true, credentials: [] }, operation: op, idempotent: true });
      return { valid: true };
    } catch (e) {
      if (e instanceof GraphError && e.status === 400) return { valid: false, message: e.graphMessage ?? e.code };
      throw e;
    }
  }

  /** The `SyncAll` secret: true = "sync all users and groups"; null when absent (the portal's default is assigned only). */
  async syncAll(servicePrincipalId: string): Promise<boolean | null> {
    const op = `read the scope setting of service principal ${servicePrincipalId}`;
    const secrets = await this.g.get(
      `/servicePrincipals/${guidSegment(servicePrincipalId, 'service principal id', op)}/synchronization/secrets`,
      SecretsSchema,
      op,
    );
    const v = secrets.value.find((s) => s.key === 'SyncAll')?.value;
    return v == null ? null : v.toLowerCase() === 'true';
  }

  /**
   * Directory audit records of one category since a time (GET /auditLogs/directoryAudits, $filter on category and
   * activityDateTime): the drift alert names who changed a policy from them. Needs AuditLog.Read.All (403 without).
   */
  async directoryAudits(category: string, since: Date): Promise<DirectoryAudit[]> {
    const op = `read the directory audit log (${category} changes since ${since.toISOString()})`;
    // OData: a DateTimeOffset literal is written bare; the category is a quoted string.
    return this.g.getAll(
      '/auditLogs/directoryAudits',
      DirectoryAuditSchema,
      op,
      {
        $filter: `category eq ${odataString(category)} and activityDateTime ge ${since.toISOString()}`,
      },
      500,
    );
  }

  /** Dynamic groups and their rules (for "a mapping feeds a dynamic group"). */
  async dynamicGroups(): Promise<{ name: string; rule: string }[]> {
    const op = 'list the dynamic groups';
    // A lambda filter on groupTypes is an advanced query: ConsistencyLevel: eventual and $count=true (graph/targetRisk.ts).
    const page = pageOf(DynamicGroupSchema);
    const groups: z.infer<typeof DynamicGroupSchema>[] = [];
    let next: { path: string; query?: Record<string, string> } | undefined = {
      path: '/groups',
      query: { $filter: "groupTypes/any(c:c eq 'DynamicMembership')", $select: 'id,displayName,membershipRule', $count: 'true' },
    };
    for (let pages = 0; next && pages < 100; pages++) {
      const answer: z.infer<typeof page> = await this.g.get(next.path, page, op, next.query, { ConsistencyLevel: 'eventual' });
      groups.push(...answer.value);
      next = answer['@odata.nextLink'] ? { path: this.g.relativeLink(answer['@odata.nextLink'], op) } : undefined;
    }
    return groups.filter((g) => g.membershipRule).map((g) => ({ name: g.displayName ?? g.id, rule: g.membershipRule! }));
  }
}
