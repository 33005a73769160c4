import type { Clock } from '../domain/clock';
import type { Permission } from '../domain/permissions';
import { evaluate, permissionsOf, type Policy } from '../domain/policy';
import { GraphPermissionMissingError } from '../graph/errors';

/** What the home tenant's directory says about a caller. Implemented over Graph; a test can substitute a failing one. */
export interface CallerDirectory {
  /** undefined when the object id is not a user of the home tenant. */
  getUser(userId: string): Promise<{ id: string; displayName: string; userPrincipalName?: string; userType: 'Member' | 'Guest' | 'Unknown' } | undefined>;
  /** Directory role template ids held directly or through groups. */
  roleTemplateIds(userId: string): Promise<string[]>;
  /** Ids of every group the user is in, transitively (for group-based policies). */
  groupIds(userId: string): Promise<string[]>;
}

export interface CallerIdentity {
  aadObjectId: string;
  tenantId: string;
}

export interface ResolvedCaller {
  aadObjectId: string;
  tenantId: string;
  displayName?: string;
  userPrincipalName?: string;
  userType: 'Member' | 'Guest' | 'Unknown';
  roleTemplateIds: string[];
  /**
   * Set when the roles could not be read because the bot's app lacks a Graph permission: `roleTemplateIds` is then
   * empty for that reason, not because the caller holds no role, and every refusal says so.
   */
  rolesProblem?: string;
  groupIds: string[];
  resolvedAt: number;
}

export type AccessDecision =
  | { allowed: true; via: string; caller: ResolvedCaller }
  | { allowed: false; permission: Permission; reason: string; grantedBy: string[]; caller?: ResolvedCaller };

/** Reads are served from a cache of at most this age; every change resolves roles afresh. */
export const ROLE_CACHE_MS = 5 * 60 * 1000;

/**
 * Answers "may this caller do that?" Roles are resolved in the home tenant from the caller's object id; they are
 * cached briefly for reads and resolved again right before any change, so a removed role stops changes at once.
 */
export class AccessService {
  private readonly cache = new Map<string, ResolvedCaller>();
  private readonly inflight = new Map<string, Promise<ResolvedCaller>>();

  constructor(
    private readonly homeTenantId: string,
    private readonly directory: CallerDirectory,
    private readonly policy: Policy,
    private readonly clock: Clock,
    private readonly cacheMs = ROLE_CACHE_MS,
    /** Told about configuration problems found while resolving a caller (the composition root logs them). */
    private readonly onProblem: (problem: string) => void = () => undefined,
  ) {}

  async resolve(caller: CallerIdentity, options: { fresh: boolean }): Promise<ResolvedCaller> {
    if (caller.tenantId !== this.homeTenantId) {
      // Never ask the home directory about a foreign object id; the policy refuses foreign tenants anyway.
      return { ...caller, userType: 'Unknown', roleTemplateIds: [], groupIds: [], resolvedAt: this.clock.now() };
    }
    const cached = this.cache.get(caller.aadObjectId);
    if (!options.fresh && cached && this.clock.now() - cached.resolvedAt < this.cacheMs) return cached;
    // Concurrent turns for one user share one directory read.
    const key = `${caller.aadObjectId}:${options.fresh}`;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const work = this.lookup(caller).finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  async check(caller: CallerIdentity, permission: Permission, options: { fresh: boolean; configuration?: string }): Promise<AccessDecision> {
    const resolved = await this.resolve(caller, options);
    const verdict = evaluate(this.policy, this.facts(resolved), permission, options.configuration);
    if (verdict.allowed) return { allowed: true, via: verdict.via, caller: resolved };
    // Never a silent "no role": when the roles were unreadable, the refusal names the missing permission.
    const reason = resolved.rolesProblem ? `Your directory roles could not be read, so no role could be checked. ${resolved.rolesProblem}` : verdict.reason;
    return { allowed: false, permission: verdict.permission, reason, grantedBy: verdict.grantedBy, caller: resolved };
  }

  permissions(resolved: ResolvedCaller, configuration?: string): Permission[] {
    return permissionsOf(this.policy, this.facts(resolved), configuration);
  }

  private facts(resolved: ResolvedCaller) {
    return {
      tenantId: resolved.tenantId,
      homeTenantId: this.homeTenantId,
      userType: resolved.userType,
      roleTemplateIds: resolved.roleTemplateIds,
      groupIds: resolved.groupIds,
    };
  }

  private async lookup(caller: CallerIdentity): Promise<ResolvedCaller> {
    const user = await this.directory.getUser(caller.aadObjectId);
    let rolesProblem: string | undefined;
    const roles = () =>
      this.directory.roleTemplateIds(caller.aadObjectId).catch((err) => {
        if (!(err instanceof GraphPermissionMissingError)) throw err;
        rolesProblem = err.message;
        this.onProblem(err.message);
        return [] as string[];
      });
    const [roleTemplateIds, groupIds] = user ? await Promise.all([roles(), this.directory.groupIds(caller.aadObjectId)]) : [[], []];
    const resolved: ResolvedCaller = {
      aadObjectId: caller.aadObjectId,
      tenantId: caller.tenantId,
      displayName: user?.displayName,
      userPrincipalName: user?.userPrincipalName,
      userType: user?.userType ?? 'Unknown',
      roleTemplateIds: roleTemplateIds.map((r) => r.toLowerCase()),
      ...(rolesProblem ? { rolesProblem } : {}),
      groupIds: groupIds.map((g) => g.toLowerCase()),
      resolvedAt: this.clock.now(),
    };
    this.cache.set(caller.aadObjectId, resolved);
    return resolved;
  }
}
