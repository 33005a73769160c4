/** The permissions the bot checks. Kept apart from policy.ts so the command catalogue can name them without a cycle. */
export const PERMISSIONS = ['sync.read', 'sync.operate', 'scope.request', 'scope.approve', 'deletes.allow', 'alerts.manage'] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
