/**
 * What the service learns from Graph before a scope-change request is stored: who the principals are (or why they
 * cannot be requested) and the risk signals an approver needs. Reads only; nothing here writes to Graph.
 *
 * Scope, as the CTS engine sees it: users assigned to the configuration's service principal, plus the DIRECT user
 * members of assigned groups (no cascade into nested groups), never guests.
 */
import pLimit from 'p-limit';
import { MAX_REQUEST_PRINCIPALS } from '../domain/commands';
import type { SyncConfiguration } from '../config';
import type { RequestPrincipal } from '../domain/scopeRequests';
import type { Newcomer } from '../domain/lookalike';
import { assessRisk, isExternalUser, memberKind, privilegedPeople, type NewcomerFacts } from '../domain/risk';
import type { CtsGraph } from '../graph/gateway';
import type { DirectoryUser } from '../graph/schemas';
import type { RiskReport } from './scopeRequestRecords';
import { scopeSnapshot, type ScopeSnapshot } from './scope';

/** Members checked for privileged roles per request (one Graph read each). */
export const PRIVILEGED_SAMPLE = 50;

export type ProblemCode =
  | 'unknown-configuration'
  | 'not-found'
  | 'ambiguous'
  | 'guest'
  | 'disabled'
  | 'already-in-scope'
  | 'not-in-scope'
  | 'duplicate'
  | 'too-many'
  | 'reason-required'
  | 'graph-unavailable';

export interface ValidationProblem {
  code: ProblemCode;
  title: string;
  /** One line per principal (or one for the whole request). */
  lines: string[];
  hint?: string;
  /** For duplicates: the open request's id. */
  existingId?: string;
}

export interface CheckInput {
  config: SyncConfiguration;
  op: 'add' | 'remove';
  principalType: 'user' | 'group';
  principals: string[];
}

export interface CheckOptions {
  maxGrowthShare: number;
  /** Users in the target tenant, when the composition root can count them. */
  targetTenantUsers?: (tenantId: string) => Promise<number | undefined>;
  /** Adds: the look-alike and dynamic-group checks in the target (services/newcomerChecks.ts); absent = not run. */
  newcomers?: (config: SyncConfiguration, people: Newcomer[]) => Promise<NewcomerFacts>;
}

export type CheckResult = { ok: true; principals: RequestPrincipal[]; risk: RiskReport } | { ok: false; problem: ValidationProblem };

const lower = (s: string) => s.toLowerCase();

/** Runs `fn` over `items`, `width` at a time, answering in the items' order. */
function pool<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const limit = pLimit(width);
  return Promise.all(items.map((t) => limit(() => fn(t))));
}

async function suggestionsFor(graph: CtsGraph, tenantId: string, text: string): Promise<string[]> {
  const local = text
    .split('@')[0]
    .replace(/[._-]+/g, ' ')
    .trim();
  if (!local || /^[0-9a-f-]{36}$/i.test(text)) return [];
  const tries = [local, local.split(' ')[0], local.slice(0, 3)].filter((t, i, a) => t.length >= 2 && a.indexOf(t) === i);
  for (const t of tries) {
    const found = await graph.usersStartingWith(tenantId, t, 3).catch(() => [] as DirectoryUser[]);
    const members = found.filter((u) => !isExternalUser(u));
    if (members.length) return members.map((u) => `${u.displayName ?? u.id} (${u.userPrincipalName ?? u.id})`);
  }
  return [];
}

/** Groups whose name starts like the text, then like its first word: what the person probably meant. */
async function groupSuggestionsFor(graph: CtsGraph, tenantId: string, text: string): Promise<string[]> {
  const t = text.trim();
  if (!t || /^[0-9a-f-]{36}$/i.test(t)) return [];
  const tries = [t, t.split(/\s+/)[0], t.slice(0, 3)].filter((x, i, a) => x.length >= 2 && a.indexOf(x) === i);
  for (const x of tries) {
    const found = await graph.groupsStartingWith(tenantId, x, 3).catch(() => [] as { displayName?: string | null; id: string }[]);
    if (found.length) return found.map((g) => g.displayName ?? g.id);
  }
  return [];
}

async function privilegedAmong(graph: CtsGraph, tenantId: string, users: { id: string; displayName: string }[]): Promise<RiskReport['privileged']> {
  const sample = users.slice(0, PRIVILEGED_SAMPLE);
  const roles = await pool(sample, 5, (u) => graph.roleTemplateIds(tenantId, u.id).catch(() => [] as string[]));
  return privilegedPeople(sample, roles);
}

const problem = (code: ProblemCode, title: string, lines: string[], hint?: string): CheckResult => ({
  ok: false,
  problem: { code, title, lines, ...(hint ? { hint } : {}) },
});

/**
 * Resolves and checks every principal of a request, then computes its risk. Every principal is checked so one answer
 * lists every problem; the first problem's kind names the answer.
 */
export async function checkRequest(graph: CtsGraph, input: CheckInput, options: CheckOptions): Promise<CheckResult> {
  const { config, op } = input;
  const src = config.sourceTenantId;
  const scope = await scopeSnapshot(graph, config);
  return input.principalType === 'user' ? checkUsers(graph, input, scope) : checkGroups(graph, input, scope);

  async function checkUsers(graph: CtsGraph, input: CheckInput, scope: ScopeSnapshot): Promise<CheckResult> {
    const found = await pool(input.principals, 5, async (text) => ({ text, user: await graph.findUser(src, text) }));
    const issues: { code: ProblemCode; line: string }[] = [];
    const principals: RequestPrincipal[] = [];
    const seen = new Set<string>();
    for (const { text, user } of found) {
      if (!user) {
        const close = await suggestionsFor(graph, src, text);
        issues.push({
          code: 'not-found',
          line: `No user "${text}" in ${config.name}'s source tenant.${close.length ? ` Did you mean ${close.join(', ')}?` : ''}`,
        });
        continue;
      }
      const name = user.displayName ?? user.userPrincipalName ?? user.id;
      const id = lower(user.id);
      if (isExternalUser(user)) {
        issues.push({
          code: 'guest',
          line: `${name} is a ${user.userType === 'Guest' ? 'guest' : 'B2B (external)'} account: cross-tenant sync only syncs internal members, so it would be skipped.`,
        });
        continue;
      }
      if (user.accountEnabled === false && op === 'add') {
        issues.push({ code: 'disabled', line: `${name}'s account is disabled: enable it first, or the sync would create a disabled account.` });
        continue;
      }
      if (op === 'add' && scope.directUsers.has(id)) {
        issues.push({ code: 'already-in-scope', line: `${name} is already in scope (assigned directly).` });
        continue;
      }
      if (op === 'add' && scope.viaGroup.has(id)) {
        issues.push({ code: 'already-in-scope', line: `${name} is already in scope as a direct member of the group ${scope.viaGroup.get(id)!.join(', ')}.` });
        continue;
      }
      if (op === 'remove' && !scope.directUsers.has(id)) {
        const via = scope.viaGroup.get(id);
        issues.push({
          code: 'not-in-scope',
          line: via
            ? `${name} is not assigned directly; they are in scope through the group ${via.join(', ')}. Remove them from that group, or request the group's removal.`
            : `${name} is not in ${config.name}'s scope, so there is nothing to remove.`,
        });
        continue;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      principals.push({ id, displayName: name, ...(user.userPrincipalName ? { userPrincipalName: user.userPrincipalName } : {}) });
    }
    if (issues.length)
      return problem(
        issues[0].code,
        TITLES[issues[0].code],
        issues.map((i) => i.line),
        HINTS[issues[0].code],
      );

    const affected = op === 'add' ? principals : principals.filter((p) => !scope.viaGroup.has(p.id));
    const privileged = op === 'add' ? await privilegedAmong(graph, src, principals) : [];
    const people: Newcomer[] = [];
    for (const { user } of found) {
      if (user && affected.some((p) => p.id === lower(user.id)) && !people.some((n) => n.id === lower(user.id))) {
        people.push({ id: lower(user.id), displayName: user.displayName ?? null, mail: user.mail ?? null, userPrincipalName: user.userPrincipalName ?? null });
      }
    }
    return { ok: true, principals, risk: await riskOf(affected.length, [], privileged, Math.min(principals.length, PRIVILEGED_SAMPLE), people) };
  }

  async function checkGroups(graph: CtsGraph, input: CheckInput, scope: ScopeSnapshot): Promise<CheckResult> {
    const issues: { code: ProblemCode; line: string }[] = [];
    const picked: { id: string; name: string }[] = [];
    for (const text of input.principals) {
      const groups = await graph.findGroups(src, text);
      if (groups.length === 0) {
        const close = await groupSuggestionsFor(graph, src, text);
        issues.push({
          code: 'not-found',
          line: `No group "${text}" in ${config.name}'s source tenant.${close.length ? ` Did you mean ${close.map((n) => `"${n}"`).join(', ')}?` : ''}`,
        });
        continue;
      }
      if (groups.length > 1) {
        issues.push({ code: 'ambiguous', line: `${groups.length} groups are called "${text}": ${groups.map((g) => g.id).join(', ')}. Give the object id.` });
        continue;
      }
      const g = groups[0];
      const id = lower(g.id);
      const name = g.displayName ?? g.id;
      const assigned = scope.groups.some((x) => x.id === id);
      if (op === 'add' && assigned) {
        issues.push({ code: 'already-in-scope', line: `The group ${name} is already assigned to ${config.name}.` });
        continue;
      }
      if (op === 'remove' && !assigned) {
        issues.push({ code: 'not-in-scope', line: `The group ${name} is not assigned to ${config.name}, so there is nothing to remove.` });
        continue;
      }
      if (!picked.some((p) => p.id === id)) picked.push({ id, name });
    }
    if (issues.length)
      return problem(
        issues[0].code,
        TITLES[issues[0].code],
        issues.map((i) => i.line),
        GROUP_HINTS[issues[0].code] ?? HINTS[issues[0].code],
      );

    const groupRisk: RiskReport['groups'] = [];
    const affected = new Set<string>();
    const users: { id: string; displayName: string }[] = [];
    const newcomerMembers: { id: string; displayName?: string | null; userPrincipalName?: string | null }[] = [];
    for (const g of picked) {
      const members = await graph.groupMembers(src, g.id);
      const userMembers = members.filter((m) => memberKind(m) === 'user');
      const guests = userMembers.filter(isExternalUser);
      const members_ = userMembers.filter((m) => !isExternalUser(m));
      const inScope = members_.filter((m) => scope.directUsers.has(lower(m.id)) || scope.viaGroup.has(lower(m.id)));
      groupRisk.push({
        id: g.id,
        displayName: g.name,
        directMembers: members.length,
        userMembers: userMembers.length,
        alreadyInScope: inScope.length,
        nestedGroups: members.filter((m) => memberKind(m) === 'group').map((m) => m.displayName ?? m.id),
        guests: guests.length,
      });
      for (const m of members_) {
        const id = lower(m.id);
        if (op === 'add') {
          if (!scope.directUsers.has(id) && !scope.viaGroup.has(id) && !affected.has(id)) {
            affected.add(id);
            newcomerMembers.push(m);
          }
          users.push({ id, displayName: m.displayName ?? m.userPrincipalName ?? id });
        } else {
          // Leaves scope only if no direct assignment and no other assigned group keeps them.
          const others = (scope.viaGroup.get(id) ?? []).filter((n) => !picked.some((p) => p.name === n));
          if (!scope.directUsers.has(id) && others.length === 0) affected.add(id);
        }
      }
    }
    const privileged = op === 'add' ? await privilegedAmong(graph, src, users) : [];
    const people: Newcomer[] = newcomerMembers
      .filter((m) => affected.has(lower(m.id)))
      .map((m) => ({ id: lower(m.id), displayName: m.displayName ?? null, userPrincipalName: m.userPrincipalName ?? null }));
    return {
      ok: true,
      principals: picked.map((p) => ({ id: p.id, displayName: p.name })),
      risk: await riskOf(affected.size, groupRisk, privileged, Math.min(users.length, PRIVILEGED_SAMPLE), people),
    };
  }

  /** Reads what the risk rules need beyond the members (tenant size for adds, the deletion threshold for removals). */
  async function riskOf(
    affected: number,
    groups: RiskReport['groups'],
    privileged: RiskReport['privileged'],
    privilegedChecked: number,
    people: Newcomer[] = [],
  ): Promise<RiskReport> {
    const base = {
      op,
      configName: config.name,
      affected,
      scopeSize: scope.size,
      groups,
      privileged,
      privilegedChecked,
      maxGrowthShare: options.maxGrowthShare,
    };
    if (op === 'add') {
      const [targetTenantUsers, newcomers] = await Promise.all([
        options.targetTenantUsers?.(config.targetTenantId).catch(() => undefined),
        // Newcomers already in scope are not new to the target: only those the request brings in are judged.
        people.length && options.newcomers ? options.newcomers(config, people).catch(() => undefined) : Promise.resolve(undefined),
      ]);
      return assessRisk({ ...base, ...(targetTenantUsers !== undefined ? { targetTenantUsers } : {}), ...(newcomers ? { newcomers } : {}) });
    }
    const threshold = await graph.deletionThreshold(config.sourceTenantId, config.servicePrincipalId).catch(() => undefined);
    return assessRisk({ ...base, ...(threshold ? { threshold } : {}) });
  }
}

const TITLES: Record<ProblemCode, string> = {
  'unknown-configuration': 'Unknown configuration',
  'not-found': 'Not found',
  ambiguous: 'Which group?',
  guest: 'Guests cannot be synced',
  disabled: 'Disabled account',
  'already-in-scope': 'Already in scope',
  'not-in-scope': 'Not in scope',
  duplicate: 'Already requested',
  'too-many': 'Too many at once',
  'reason-required': 'A reason is required',
  'graph-unavailable': 'Could not check the directory',
};

const HINTS: Partial<Record<ProblemCode, string>> = {
  'not-found': 'Use the user principal name (name@domain) or the object id.',
  guest: 'Guests in the source tenant are never synced; invite the person to the target tenant directly instead.',
  'already-in-scope': 'Nothing to do: they will be (or already are) synced on the next cycle.',
};

/** Advice for groups: the user advice (UPNs) would mislead. */
const GROUP_HINTS: Partial<Record<ProblemCode, string>> = {
  'not-found': "Give the group's display name exactly (quotes are optional) or its object id; separate several groups with commas.",
  'already-in-scope': "Nothing to do: the group's direct members are (or will be) synced on the next cycle.",
};

export function problemTitle(code: ProblemCode): string {
  return TITLES[code];
}

/**
 * The privileged-role signal read afresh for a stored add request (for the users it names, or the user members of the
 * groups it names, sampled as at request time). Roles change after a request is made; an approver must decide on
 * what is true now. Returns undefined for removals (they grant nothing).
 */
export async function currentPrivileged(
  graph: CtsGraph,
  config: SyncConfiguration,
  request: { op: 'add' | 'remove'; principalType: 'user' | 'group'; principals: { id: string; displayName: string }[] },
): Promise<RiskReport['privileged'] | undefined> {
  if (request.op !== 'add') return undefined;
  const src = config.sourceTenantId;
  if (request.principalType === 'user') return privilegedAmong(graph, src, request.principals);
  const users: { id: string; displayName: string }[] = [];
  for (const g of request.principals) {
    for (const m of await graph.groupMembers(src, g.id)) {
      if (memberKind(m) === 'user' && !isExternalUser(m) && !users.some((u) => u.id === lower(m.id)))
        users.push({ id: lower(m.id), displayName: m.displayName ?? m.userPrincipalName ?? m.id });
    }
  }
  return privilegedAmong(graph, src, users);
}

export function problemOf(code: ProblemCode, lines: string[], hint?: string): ValidationProblem {
  return { code, title: problemTitle(code), lines, ...(hint ? { hint } : {}) };
}

/** What is wrong with a request before anything is read: no reason, nobody named, too many named. */
export function requestShapeProblem(input: {
  op: 'add' | 'remove';
  principalType: 'user' | 'group';
  principals: string[];
  reason: string;
}): ValidationProblem | null {
  if (!input.reason.trim()) return problemOf('reason-required', ['Say why the change is needed: end the request with "because <reason>".']);
  if (!input.principals.length) return problemOf('not-found', [`Say which ${input.principalType}s to ${input.op}.`]);
  if (input.principals.length > MAX_REQUEST_PRINCIPALS) {
    return problemOf(
      'too-many',
      [`At most ${MAX_REQUEST_PRINCIPALS} ${input.principalType}s per request; you gave ${input.principals.length}.`],
      'Split it into several requests.',
    );
  }
  return null;
}

/** An open request already asks for some of the same change. */
export function duplicateProblem(
  existingId: string,
  configuration: string,
  input: { op: 'add' | 'remove'; principalType: 'user' | 'group' },
): ValidationProblem {
  const direction = input.op === 'add' ? 'to' : 'from';
  return {
    ...problemOf(
      'duplicate',
      [`Request ${existingId} already asks to ${input.op} ${direction} ${configuration} some of the same ${input.principalType}s and is still open.`],
      `See "pending", or wait for ${existingId} to be decided.`,
    ),
    existingId,
  };
}
