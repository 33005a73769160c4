/**
 * Who may do what. Decisions are made from the caller's *fresh* Entra role template ids and group ids
 * (resolved by the service, never taken from card data) against a policy: built-in defaults,
 * overridden per permission and optionally per configuration by the CTS_POLICY file.
 */
import { z } from 'zod';
import { PERMISSIONS, Permission, isPermission } from './permissions';
import { ROLE, roleName } from './roles';

export { PERMISSIONS, isPermission };
export type { Permission };

/** Who holds a permission. `anyMember`: every member (not guest) of the home tenant. */
export interface Grant {
  roles: readonly string[];
  groups: readonly string[];
  anyMember: boolean;
}

export interface Policy {
  permissions: Readonly<Record<Permission, Grant>>;
  /** Keyed by configuration name as written in the file; looked up case-insensitively. */
  configurations: Readonly<Record<string, Partial<Record<Permission, Grant>>>>;
}

export interface PolicySubject {
  tenantId: string;
  homeTenantId: string;
  userType: 'Member' | 'Guest' | 'Unknown';
  roleTemplateIds: readonly string[];
  groupIds: readonly string[];
}

export type Decision = { allowed: true; via: string } | { allowed: false; permission: Permission; reason: string; grantedBy: string[] };

/** Plain words for each permission, used in refusals and `whoami`. */
export const PERMISSION_DESCRIPTIONS: Readonly<Record<Permission, string>> = {
  'sync.read': 'see sync status and the audit log',
  'sync.operate': 'start, pause and restart sync jobs and provision users on demand',
  'scope.request': 'ask for users or groups to be added to or removed from sync scope',
  'scope.approve': 'approve or reject scope-change requests',
  'deletes.allow': 'approve removals and let held-back deletions go through',
  'alerts.manage': 'subscribe chats and channels to alerts and approvals',
};

const OPERATORS = [ROLE.hybridIdentityAdministrator, ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator, ROLE.globalAdministrator];

const grant = (roles: readonly string[], anyMember = false): Grant => ({ roles, groups: [], anyMember });

export const DEFAULT_PERMISSIONS: Readonly<Record<Permission, Grant>> = {
  'sync.read': grant([ROLE.globalReader, ROLE.securityReader, ROLE.reportsReader, ...OPERATORS]),
  'sync.operate': grant(OPERATORS),
  'scope.request': grant([], true),
  'scope.approve': grant([ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator, ROLE.hybridIdentityAdministrator, ROLE.globalAdministrator]),
  'deletes.allow': grant([ROLE.hybridIdentityAdministrator, ROLE.globalAdministrator]),
  'alerts.manage': grant(OPERATORS),
};

export const DEFAULT_POLICY: Policy = { permissions: DEFAULT_PERMISSIONS, configurations: {} };

// ---------------------------------------------------------------------------------------------
// The CTS_POLICY file

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = (what: string) =>
  z.string({ invalid_type_error: `must be a ${what}: a GUID string like 62e90394-69f5-4237-9190-012177145e10` }).regex(GUID, {
    message: `must be a ${what}: a GUID like 62e90394-69f5-4237-9190-012177145e10`,
  });

const GrantFileSchema = z
  .object({
    roles: z.array(guid('role template id')).optional(),
    groups: z.array(guid('group object id')).optional(),
    anyMember: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
  })
  .strict();

const PermissionKey = z.enum(PERMISSIONS, {
  errorMap: () => ({ message: `is not a permission: use one of ${PERMISSIONS.join(', ')}` }),
});

const PermissionsFileSchema = z.record(PermissionKey, GrantFileSchema);

export const PolicyFileSchema = z
  .object({
    schemaVersion: z.literal(1, { errorMap: () => ({ message: 'must be 1' }) }).optional(),
    permissions: PermissionsFileSchema.optional(),
    configurations: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
          message: 'is not a configuration name: letters, digits, dot, dash, underscore, like contoso-to-fabrikam',
        }),
        z.object({ permissions: PermissionsFileSchema }).strict(),
      )
      .optional(),
  })
  .strict();

export type ParsePolicyResult = { ok: true; policy: Policy } | { ok: false; problems: string[] };

function jsonPath(path: readonly (string | number)[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `["${p}"]`)).join('');
}

function describeIssue(issue: z.ZodIssue): string {
  const at = jsonPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; ${allowedKeysAt(issue.path)}`;
    case 'invalid_type':
      if (issue.path.length === 0) return `$: must be a JSON object like {"permissions": {…}, "configurations": {…}}`;
      if (issue.received === 'undefined') return `${at}: is required, like {"sync.operate": {"roles": ["<role template id>"]}}`;
      if (issue.path[issue.path.length - 1] === 'permissions' || issue.path[issue.path.length - 1] === 'configurations') {
        return `${at}: must be an object like {"${issue.path[issue.path.length - 1] === 'permissions' ? 'sync.operate' : 'contoso-to-fabrikam'}": {…}}`;
      }
      if (issue.expected === 'array') return `${at}: must be a list of GUIDs like ["62e90394-69f5-4237-9190-012177145e10"]`;
      if (issue.expected === 'object') return `${at}: must be an object like {"roles": ["<role template id>"], "groups": ["<group object id>"]}`;
      return `${at}: ${issue.message.startsWith('must') ? issue.message : `must be ${issue.expected}, got ${issue.received}`}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

function allowedKeysAt(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'allowed: schemaVersion, permissions, configurations';
  if (path.length === 2 && path[0] === 'configurations') return 'allowed: permissions';
  return 'allowed: roles, groups, anyMember';
}

const toGrant = (g: z.infer<typeof GrantFileSchema>): Grant => ({
  roles: (g.roles ?? []).map((r) => r.toLowerCase()),
  groups: (g.groups ?? []).map((r) => r.toLowerCase()),
  anyMember: g.anyMember ?? false,
});

function toGrants(p: Partial<Record<Permission, z.infer<typeof GrantFileSchema>>> | undefined): Partial<Record<Permission, Grant>> {
  const out: Partial<Record<Permission, Grant>> = {};
  for (const perm of PERMISSIONS) {
    const g = p?.[perm];
    if (g) out[perm] = toGrant(g);
  }
  return out;
}

/**
 * Parses the CTS_POLICY document (JSON text or an already-parsed value). A permission named in the file
 * *replaces* the default holders of that permission; one named under a configuration replaces them for
 * that configuration only.
 */
export function parsePolicy(json: unknown): ParsePolicyResult {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      return { ok: false, problems: [`$: is not valid JSON (${(e as Error).message})`] };
    }
  }
  const parsed = PolicyFileSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(describeIssue) };
  const file = parsed.data;
  const configurations: Record<string, Partial<Record<Permission, Grant>>> = {};
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const [name, c] of Object.entries(file.configurations ?? {})) {
    const clash = seen.get(name.toLowerCase());
    if (clash) problems.push(`${jsonPath(['configurations', name])}: same name as "${clash}" apart from case; keep one`);
    seen.set(name.toLowerCase(), name);
    configurations[name] = toGrants(c.permissions);
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    policy: { permissions: { ...DEFAULT_PERMISSIONS, ...toGrants(file.permissions) }, configurations },
  };
}

// ---------------------------------------------------------------------------------------------
// Decisions

export function grantFor(policy: Policy, permission: Permission, configuration?: string): Grant {
  if (configuration !== undefined) {
    const key = configuration.toLowerCase();
    const entry = Object.entries(policy.configurations).find(([name]) => name.toLowerCase() === key);
    const specific = entry?.[1][permission];
    if (specific) return specific;
  }
  return policy.permissions[permission] ?? DEFAULT_PERMISSIONS[permission];
}

/** The holders of a grant in words: role names, groups, members. */
export function describeGrant(g: Grant): string[] {
  const words = g.roles.map((r) => roleName(r));
  for (const id of g.groups) words.push(`members of group ${id}`);
  if (g.anyMember) words.push('any member (not guest) of the home tenant');
  return words;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function evaluate(policy: Policy, caller: PolicySubject, permission: Permission, configuration?: string): Decision {
  const g = grantFor(policy, permission, configuration);
  const grantedBy = describeGrant(g);
  const where = configuration ? ` for ${configuration}` : '';
  const refuse = (reason: string): Decision => ({ allowed: false, permission, reason, grantedBy });
  const holders = grantedBy.length ? grantedBy.join(', ') : 'nobody (the policy grants it to no one)';

  if (!caller.tenantId || !same(caller.tenantId, caller.homeTenantId)) {
    return refuse(`You are signed in from another organisation (tenant ${caller.tenantId || 'unknown'}); this bot only acts for people in its home tenant.`);
  }
  const role = g.roles.find((r) => caller.roleTemplateIds.some((c) => same(c, r)));
  if (role) return { allowed: true, via: `role ${roleName(role)}` };
  const group = g.groups.find((id) => caller.groupIds.some((c) => same(c, id)));
  if (group) return { allowed: true, via: `group ${group}` };
  if (g.anyMember && caller.userType === 'Member') return { allowed: true, via: 'member of the home tenant' };

  const need = `You need the ${permission} permission (to ${PERMISSION_DESCRIPTIONS[permission]})${where}.`;
  if (g.anyMember && caller.userType === 'Guest') {
    return refuse(`${need} Guests cannot have it; it is granted to: ${holders}.`);
  }
  if (g.anyMember && caller.userType === 'Unknown') {
    return refuse(`${need} The bot could not confirm that you are a member of the home tenant; it is granted to: ${holders}.`);
  }
  return refuse(`${need} It is granted to: ${holders}.`);
}

/** Every permission the caller holds (for `whoami`), in catalogue order. */
export function permissionsOf(policy: Policy, caller: PolicySubject, configuration?: string): Permission[] {
  return PERMISSIONS.filter((p) => evaluate(policy, caller, p, configuration).allowed);
}
