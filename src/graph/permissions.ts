/**
 * The application permissions the bot's app needs, per tenant role, from the Graph permission tables (reference
 * graph-sync.md §6). The README's table is rendered from this list (and a test keeps the two equal).
 */
export interface PermissionRow {
  for: string;
  source?: string;
  home?: string;
  target?: string;
  /**
   * The same permissions as data, for `doctor` (it compares them with the bot's app role assignments): per tenant
   * role, all of the groups, each satisfied by any one of its names. A test keeps them equal to the text.
   */
  needs: Partial<Record<'source' | 'home' | 'target', readonly (readonly string[])[]>>;
}

export const GRAPH_PERMISSIONS: readonly PermissionRow[] = [
  {
    for: 'read jobs, schema, secrets (deletion threshold); start, pause, restart, provision on demand',
    source: "`Synchronization.ReadWrite.All` (or `Application.ReadWrite.OwnedBy` if the bot's app owns the CTS app)",
    needs: { source: [['Synchronization.ReadWrite.All', 'Application.ReadWrite.OwnedBy']] },
  },
  {
    for: 'read scope (`appRoleAssignedTo`), users, groups',
    source: '`Application.Read.All`, `User.Read.All`, `GroupMember.Read.All`',
    needs: { source: [['Application.Read.All'], ['User.Read.All'], ['GroupMember.Read.All']] },
  },
  {
    for: 'add/remove scope assignments (approvals)',
    source: '`AppRoleAssignment.ReadWrite.All` + `Application.Read.All`',
    needs: { source: [['AppRoleAssignment.ReadWrite.All'], ['Application.Read.All']] },
  },
  {
    for: 'provisioning logs (failures, staged deletes)',
    source: '`AuditLog.Read.All` + `Directory.Read.All`',
    needs: { source: [['AuditLog.Read.All'], ['Directory.Read.All']] },
  },
  {
    for: "the caller's roles (transitive) and groups",
    home: '`User.Read.All` + `GroupMember.Read.All` + `RoleManagement.Read.Directory` (without it Graph hides `roleTemplateId`; or `Directory.Read.All`)',
    needs: { home: [['User.Read.All'], ['GroupMember.Read.All'], ['RoleManagement.Read.Directory', 'Directory.Read.All']] },
  },
  {
    for: 'cross-tenant access policy: inbound sync allowed (`isSyncAllowed`), inbound consent',
    target: '`Policy.Read.All`',
    needs: { target: [['Policy.Read.All']] },
  },
  { for: 'cross-tenant access policy: outbound consent', source: '`Policy.Read.All`', needs: { source: [['Policy.Read.All']] } },
  { for: "target tenant size (approvals' growth warning)", target: '`User.Read.All`', needs: { target: [['User.Read.All']] } },
  {
    for: "add requests' look-alike and dynamic-group warnings (risk-signals.md)",
    target:
      '`RoleManagement.Read.Directory` (privileged role holders; or `Directory.Read.All`) + `Group.Read.All` (dynamic groups, their rules and app assignments; or `Directory.Read.All`)',
    needs: {
      target: [
        ['RoleManagement.Read.Directory', 'Directory.Read.All'],
        ['Group.Read.All', 'Directory.Read.All'],
      ],
    },
  },
  {
    for: 'doctor: dynamic groups fed by synced attributes',
    target: '`GroupMember.Read.All` (or `Directory.Read.All`)',
    needs: { target: [['GroupMember.Read.All', 'Directory.Read.All']] },
  },
  {
    for: 'drift alerts: who changed a cross-tenant access policy (directory audit log)',
    source: '`AuditLog.Read.All`',
    target: '`AuditLog.Read.All`',
    needs: { source: [['AuditLog.Read.All']], target: [['AuditLog.Read.All']] },
  },
];

export function permissionTable(rows: readonly PermissionRow[] = GRAPH_PERMISSIONS): string {
  const lines = ['| For | Source tenant(s) | Home tenant | Target tenant(s) |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.for} | ${r.source ?? ''} | ${r.home ?? ''} | ${r.target ?? ''} |`);
  return lines.join('\n');
}

/** What one tenant role needs, one entry per feature (the `for` column), for the doctor's permission check. */
export function permissionNeeds(
  role: 'source' | 'home' | 'target',
  rows: readonly PermissionRow[] = GRAPH_PERMISSIONS,
): { feature: string; allOf: readonly (readonly string[])[] }[] {
  return rows.filter((r) => r.needs[role]?.length).map((r) => ({ feature: r.for, allOf: r.needs[role]! }));
}

/**
 * Microsoft Graph's application permission (app role) ids, the same in every tenant: an appRoleAssignment names
 * its permission only by this id. From the Microsoft Graph permissions reference. UNVERIFIED against a live tenant:
 * the doctor reads the tenant's own Microsoft Graph service principal (appRoles by value) first and falls back to
 * this table only when that read fails.
 */
export const GRAPH_APP_ROLE_IDS: Readonly<Record<string, string>> = {
  '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30': 'Application.Read.All',
  '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9': 'Application.ReadWrite.All',
  '18a4783c-866b-4cc7-a460-3d5e5662c884': 'Application.ReadWrite.OwnedBy',
  '06b708a9-e830-4db3-a914-8e69da51d44f': 'AppRoleAssignment.ReadWrite.All',
  'b0afded3-3588-46d8-8b3d-9842eff778da': 'AuditLog.Read.All',
  '7ab1d382-f21e-4acd-a863-ba3e13f7da61': 'Directory.Read.All',
  '19dbc75e-c2e2-444c-a770-ec69d8559fc7': 'Directory.ReadWrite.All',
  '98830695-27a2-44f7-8c18-0c3ebc9698f6': 'GroupMember.Read.All',
  '5b567255-7703-4780-807c-7be8301ae99b': 'Group.Read.All',
  '246dd0d5-5bd0-4def-940b-0421030a5b68': 'Policy.Read.All',
  '483bed4a-2ad3-4361-a73b-c83ccdbdc53c': 'RoleManagement.Read.Directory',
  '9b50c33d-700f-43b1-b2eb-87e89b703581': 'Synchronization.ReadWrite.All',
  '5ba43d2f-fa88-4db2-bd1c-a67c5f0fb1ce': 'Synchronization.Read.All',
  'df021288-bdef-4463-88db-98f22de89214': 'User.Read.All',
};

/** Microsoft Graph's own application id: the resource of every Graph permission assignment. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * The simulator's stand-in for the bot's app registration, used when a loopback (simulator) tenant names no
 * client id: the simulator knows no credentials, so any id would do, but doctor must find its service principal.
 */
export const SIMULATOR_BOT_APP_ID = '5e1d0c7a-0b07-4c75-8a11-000000000b07';
