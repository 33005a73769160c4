/**
 * The risk of a scope-change request, computed from facts already gathered (services/scopeRequestChecks reads them
 * from Graph): who counts as external, who holds a privileged role, how much the scope grows, whether a removal
 * trips the accidental-deletion threshold, and the warnings an approver reads. Pure: no I/O.
 */
import { dynamicGroupText, type DynamicGroupSignal } from './dynamicGroupRisk';
import { lookalikeText, type LookalikeSignal } from './lookalike';
import { PRIVILEGED_ROLES, roleName } from './roles';

export const DEFAULT_MAX_GROWTH_SHARE = 0.25;

export interface GroupRisk {
  id: string;
  displayName: string;
  directMembers: number;
  userMembers: number;
  alreadyInScope: number;
  nestedGroups: string[];
  guests: number;
}

export interface PrivilegedPerson {
  id: string;
  displayName: string;
  roles: string[];
}

/** The signals stored with a request (services/scopeRequestRecords' RiskSchema has the same shape). */
export interface RiskSignals {
  usersAffected: number;
  scopeSizeBefore: number;
  groups: GroupRisk[];
  privileged: PrivilegedPerson[];
  privilegedChecked: number;
  targetTenantUsers?: number;
  growthShare?: number;
  growthBasis?: 'target-tenant' | 'current-scope';
  growthWarning: boolean;
  deletesInTarget?: number;
  deletionThreshold?: number | null;
  tripsDeletionThreshold: boolean;
  /** Adds: newcomers whose names resemble a privileged account or a protected name of the target. */
  lookalikes: LookalikeSignal[];
  /** Adds: the target's dynamic groups the newcomers would fall into (or that could not be judged). */
  dynamicGroups: DynamicGroupSignal[];
  warnings: string[];
}

/** What the newcomer checks found in the target (services/newcomerChecks reads it). */
export interface NewcomerFacts {
  targetName: string;
  lookalikes: LookalikeSignal[];
  dynamicGroups: DynamicGroupSignal[];
  /** Checks that could not be made, in words (a read failed or is not possible). */
  unchecked: string[];
}

/** The accidental-deletion threshold as read (graph/jobs' DeletionThreshold, structurally). */
export interface ThresholdFacts {
  enabled: boolean;
  value: number | null;
  defaulted?: boolean;
  source?: string;
}

export interface RiskFacts {
  op: 'add' | 'remove';
  configName: string;
  /** Users whose scope membership the request changes. */
  affected: number;
  scopeSize: number;
  groups: GroupRisk[];
  privileged: PrivilegedPerson[];
  privilegedChecked: number;
  maxGrowthShare: number;
  /** Adds: the target tenant's user count, when known (else growth is measured against the current scope). */
  targetTenantUsers?: number;
  /** Removals: the threshold, or undefined when it could not be read. */
  threshold?: ThresholdFacts;
  /** Adds: look-alike and dynamic-group findings, when the checks ran. */
  newcomers?: NewcomerFacts;
}

/**
 * Guests and external members (B2B users with userType Member, converted guests): CTS syncs internal members only.
 * By userType, the #EXT# UPN, creationType 'Invitation' or any externalUserState.
 */
export const isGuestUpn = (upn: string | null | undefined): boolean => !!upn && upn.includes('#EXT#');
export function isExternalUser(u: {
  userType?: string | null;
  userPrincipalName?: string | null;
  creationType?: string | null;
  externalUserState?: string | null;
}): boolean {
  return u.userType === 'Guest' || isGuestUpn(u.userPrincipalName) || (u.creationType ?? '').toLowerCase() === 'invitation' || !!u.externalUserState;
}

/** A directory member's kind from its @odata.type; a member without one but with a UPN is a user. */
export function memberKind(m: { '@odata.type'?: string | null; userPrincipalName?: string | null }): 'user' | 'group' | 'other' {
  const t = (m['@odata.type'] ?? '').toLowerCase();
  if (t.endsWith('.user')) return 'user';
  if (t.endsWith('.group')) return 'group';
  if (!t && m.userPrincipalName) return 'user';
  return t ? 'other' : 'user';
}

/** The names of the privileged roles among a person's role template ids (empty when none). */
export function privilegedRoleNames(roleTemplateIds: readonly string[]): string[] {
  return roleTemplateIds
    .map((r) => r.toLowerCase())
    .filter((r) => PRIVILEGED_ROLES.has(r))
    .map(roleName);
}

/** People with at least one privileged role, from each person's role template ids (same order as `people`). */
export function privilegedPeople(people: readonly { id: string; displayName: string }[], roleIds: readonly (readonly string[])[]): PrivilegedPerson[] {
  const out: PrivilegedPerson[] = [];
  people.forEach((p, i) => {
    const roles = privilegedRoleNames(roleIds[i] ?? []);
    if (roles.length) out.push({ id: p.id, displayName: p.displayName, roles });
  });
  return out;
}

/** Privileged users or roles in `now` that `before` did not show (what makes a decision stale). */
export function newlyPrivileged(before: readonly PrivilegedPerson[], now: readonly PrivilegedPerson[]): PrivilegedPerson[] {
  return now
    .map((p) => {
      const was = before.find((b) => b.id.toLowerCase() === p.id.toLowerCase());
      return { ...p, roles: p.roles.filter((r) => !was?.roles.includes(r)) };
    })
    .filter((p) => p.roles.length > 0);
}

/** The signals and the warnings an approver reads, from the gathered facts. */
export function assessRisk(f: RiskFacts): RiskSignals {
  const warnings: string[] = [];
  const risk: RiskSignals = {
    usersAffected: f.affected,
    scopeSizeBefore: f.scopeSize,
    groups: f.groups,
    privileged: f.privileged,
    privilegedChecked: f.privilegedChecked,
    growthWarning: false,
    tripsDeletionThreshold: false,
    lookalikes: [],
    dynamicGroups: [],
    warnings,
  };
  for (const g of f.groups) {
    warnings.push(`${g.displayName}: ${g.directMembers} direct members, ${g.alreadyInScope} of them already in scope.`);
    if (g.nestedGroups.length)
      warnings.push(
        `${g.displayName} contains nested groups (${g.nestedGroups.join(', ')}): their members are NOT synced; only direct members of an assigned group are in scope.`,
      );
    if (g.guests)
      warnings.push(`${g.displayName} has ${g.guests} guest${g.guests === 1 ? '' : 's'}: guests are skipped (cross-tenant sync syncs members only).`);
  }
  if (f.privileged.length) {
    warnings.push(
      `${f.privileged.length} of the people hold privileged directory roles: ${f.privileged
        .slice(0, 5)
        .map((p) => `${p.displayName} (${p.roles.join(', ')})`)
        .join('; ')}${f.privileged.length > 5 ? '; …' : ''}.`,
    );
  }
  if (f.op === 'add') {
    const tenantUsers = f.targetTenantUsers;
    const basis = tenantUsers ?? f.scopeSize;
    if (tenantUsers !== undefined) risk.targetTenantUsers = tenantUsers;
    if (basis > 0) {
      risk.growthShare = f.affected / basis;
      risk.growthBasis = tenantUsers !== undefined ? 'target-tenant' : 'current-scope';
      risk.growthWarning = risk.growthShare > f.maxGrowthShare;
      if (risk.growthWarning) {
        const of = tenantUsers !== undefined ? `the target tenant's ${tenantUsers} users` : `the ${f.scopeSize} users in scope now`;
        warnings.push(`Adds ${f.affected} users, ${Math.round(risk.growthShare * 100)}% of ${of} (more than ${Math.round(f.maxGrowthShare * 100)}%).`);
      }
    }
    if (f.newcomers) {
      risk.lookalikes = f.newcomers.lookalikes;
      risk.dynamicGroups = f.newcomers.dynamicGroups;
      warnings.push(...newcomerWarnings(f.newcomers));
    }
    return risk;
  }
  risk.deletesInTarget = f.affected;
  const threshold = f.threshold;
  if (!threshold) warnings.push('The deletion threshold could not be read.');
  else {
    risk.deletionThreshold = threshold.enabled ? threshold.value : null;
    risk.tripsDeletionThreshold = threshold.enabled && threshold.value !== null && f.affected > threshold.value;
    // A warning-level finding: with the threshold off nothing holds a mass deletion back for review.
    if (!threshold.enabled)
      warnings.push(
        `Warning: the accidental-deletion threshold of ${f.configName} is ${threshold.source === 'invalid' ? 'unreadable (treated as off)' : 'off'}: nothing holds these deletions back for review. Turn it on (the portal's default is 500).`,
      );
    else if (threshold.defaulted) warnings.push(`The accidental-deletion threshold is on without a value: the portal's default of ${threshold.value} applies.`);
  }
  if (f.affected) warnings.push(`The next cycle deletes or disables ${f.affected} B2B account${f.affected === 1 ? '' : 's'} in the target tenant.`);
  if (risk.tripsDeletionThreshold) {
    warnings.push(
      `That is more than the accidental-deletion threshold of ${risk.deletionThreshold}: the job will hold the deletions and quarantine until someone allows them.`,
    );
  }
  return risk;
}

/** The look-alike and dynamic-group lines an approver reads (look-alikes first: they are the sharper warning). */
export function newcomerWarnings(n: NewcomerFacts): string[] {
  return [
    ...n.lookalikes.slice(0, 10).map((l) => lookalikeText(l, n.targetName)),
    ...(n.lookalikes.length > 10 ? [`…and ${n.lookalikes.length - 10} more look-alike names.`] : []),
    ...n.dynamicGroups.slice(0, 10).map((d) => dynamicGroupText(d, n.targetName)),
    ...n.unchecked,
  ];
}

/** Signals in `now` that `before` did not have (what makes a decision on the old card stale). */
export function newNewcomerSignals(before: Pick<RiskSignals, 'lookalikes' | 'dynamicGroups'>, now: NewcomerFacts): NewcomerFacts {
  const seenL = new Set(before.lookalikes.map((l) => `${l.principalId}|${l.field}|${l.resemblesId ?? l.resembles}`.toLowerCase()));
  const seenD = new Set(
    before.dynamicGroups.map((d) =>
      `${d.groupId}|${d.verdict}|${d.principals
        .map((p) => p.id)
        .sort()
        .join(',')}`.toLowerCase(),
    ),
  );
  return {
    ...now,
    lookalikes: now.lookalikes.filter((l) => !seenL.has(`${l.principalId}|${l.field}|${l.resemblesId ?? l.resembles}`.toLowerCase())),
    dynamicGroups: now.dynamicGroups.filter(
      (d) =>
        d.verdict === 'match' &&
        !seenD.has(
          `${d.groupId}|${d.verdict}|${d.principals
            .map((p) => p.id)
            .sort()
            .join(',')}`.toLowerCase(),
        ),
    ),
    unchecked: [],
  };
}
