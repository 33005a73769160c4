/**
 * The application permissions the bot's app needs, per tenant role, from the Graph permission tables (reference
 * graph-sync.md §6). The README's table is rendered from this list (and a test keeps the two equal).
 */
export interface PermissionRow {
  for: string;
  source?: string;
  home?: string;
  target?: string;
}

export const GRAPH_PERMISSIONS: readonly PermissionRow[] = [
  {
    for: 'read jobs, schema, secrets (deletion threshold); start, pause, restart, provision on demand',
    source: "`Synchronization.ReadWrite.All` (or `Application.ReadWrite.OwnedBy` if the bot's app owns the CTS app)",
  },
  { for: 'read scope (`appRoleAssignedTo`), users, groups', source: '`Application.Read.All`, `User.Read.All`, `GroupMember.Read.All`' },
  { for: 'add/remove scope assignments (approvals)', source: '`AppRoleAssignment.ReadWrite.All` + `Application.Read.All`' },
  { for: 'provisioning logs (failures, staged deletes)', source: '`AuditLog.Read.All` + `Directory.Read.All`' },
  {
    for: "the caller's roles (transitive) and groups",
    home: '`User.Read.All` + `GroupMember.Read.All` + `RoleManagement.Read.Directory` (without it Graph hides `roleTemplateId`; or `Directory.Read.All`)',
  },
  { for: 'cross-tenant access policy: inbound sync allowed (`isSyncAllowed`), inbound consent', target: '`Policy.Read.All`' },
  { for: 'cross-tenant access policy: outbound consent', source: '`Policy.Read.All`' },
  { for: "target tenant size (approvals' growth warning)", target: '`User.Read.All`' },
];

export function permissionTable(rows: readonly PermissionRow[] = GRAPH_PERMISSIONS): string {
  const lines = ['| For | Source tenant(s) | Home tenant | Target tenant(s) |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.for} | ${r.source ?? ''} | ${r.home ?? ''} | ${r.target ?? ''} |`);
  return lines.join('\n');
}
