/**
 * Dynamic-group bait: which of the target tenant's dynamic groups an account would fall into once synced, judged on
 * the attributes it would get there (membershipRule.ts), and what that membership grants. Pure: no I/O.
 */
import { evaluateRuleText, type AttributeLookup } from './membershipRule';
import { roleName } from './roles';

export interface DynamicGroupView {
  id: string;
  displayName: string;
  membershipRule: string;
  /** 'Paused' rules add nobody; null/'On' are live. */
  processingState: string | null;
  isAssignableToRole: boolean;
  /** The apps the group is assigned to. */
  appRoleAssignments: readonly string[];
  /** Directory role template ids the group holds. */
  directoryRoles: readonly string[];
}

export interface DynamicGroupSignal {
  groupId: string;
  groupName: string;
  rule: string;
  /** Who would join (match), or whom the bot could not judge (cannotEvaluate). */
  verdict: 'match' | 'cannotEvaluate';
  principals: { id: string; displayName: string }[];
  reason?: string;
  isAssignableToRole: boolean;
  appRoleAssignments: string[];
  /** Role names. */
  directoryRoles: string[];
}

/** One signal per group and verdict: the newcomers who would join it, or whom the rule could not be judged for. */
export function dynamicGroupSignals(
  newcomers: readonly { id: string; displayName: string; lookup: AttributeLookup }[],
  groups: readonly DynamicGroupView[],
): DynamicGroupSignal[] {
  const out: DynamicGroupSignal[] = [];
  for (const g of groups) {
    if ((g.processingState ?? '').toLowerCase() === 'paused') continue;
    const joins: { id: string; displayName: string }[] = [];
    const unknown: { id: string; displayName: string }[] = [];
    let reason: string | undefined;
    for (const n of newcomers) {
      const v = evaluateRuleText(g.membershipRule, n.lookup);
      if (v.kind === 'match') joins.push({ id: n.id, displayName: n.displayName });
      else if (v.kind === 'cannotEvaluate') {
        unknown.push({ id: n.id, displayName: n.displayName });
        reason ??= v.reason;
      }
    }
    const base = {
      groupId: g.id,
      groupName: g.displayName,
      rule: g.membershipRule,
      isAssignableToRole: g.isAssignableToRole,
      appRoleAssignments: [...g.appRoleAssignments],
      directoryRoles: g.directoryRoles.map(roleName),
    };
    if (joins.length) out.push({ ...base, verdict: 'match', principals: joins });
    if (unknown.length) out.push({ ...base, verdict: 'cannotEvaluate', principals: unknown, ...(reason ? { reason } : {}) });
  }
  return out;
}

const names = (ps: readonly { displayName: string }[]): string => {
  const shown = ps
    .slice(0, 5)
    .map((p) => p.displayName)
    .join(', ');
  return ps.length > 5 ? `${shown} and ${ps.length - 5} more` : shown;
};

/** What membership grants, in words ("" when nothing we can see). */
function grants(s: DynamicGroupSignal): string {
  const parts: string[] = [];
  if (s.isAssignableToRole) parts.push(s.directoryRoles.length ? `it is role-assignable and holds ${s.directoryRoles.join(', ')}` : 'it is role-assignable');
  if (s.appRoleAssignments.length)
    parts.push(`it is assigned to ${s.appRoleAssignments.slice(0, 3).join(', ')}${s.appRoleAssignments.length > 3 ? ' and more apps' : ''}`);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

/** The line an approver reads. */
export function dynamicGroupText(s: DynamicGroupSignal, tenantName: string): string {
  if (s.verdict === 'match') {
    const who =
      s.principals.length === 1 ? `${s.principals[0].displayName} would join` : `${s.principals.length} of the people would join (${names(s.principals)})`;
    return `${who} the dynamic group “${s.groupName}” in ${tenantName}, rule ${s.rule}${grants(s)}.`;
  }
  const who = s.principals.length === 1 ? s.principals[0].displayName : `${s.principals.length} of the people`;
  return `Cannot evaluate whether ${who} would join the dynamic group “${s.groupName}” in ${tenantName}: ${s.reason ?? 'the rule is beyond what the bot evaluates'}${grants(s)}.`;
}
