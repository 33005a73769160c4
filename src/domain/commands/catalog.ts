/** One entry per user-facing verb: usage, example, description, the permission its route checks, manifest listing. */
import type { Permission } from '../permissions';
import { MAX_AUDIT_COUNT, MAX_PROVISION_USERS, type CommandKind } from './types';

export interface CommandInfo {
  kind: CommandKind;
  /** What the person types first (`audit export` is two words). ≤ 32 chars (Teams manifest limit). */
  name: string;
  usage: string;
  example: string;
  /** ≤ 128 chars (Teams manifest limit). */
  description: string;
  /** The permission the route checks before acting; absent = anyone in the home tenant. */
  permission?: Permission;
  /** Listed in the Teams app manifest's command list (Teams shows at most 10). */
  manifest: boolean;
}

/** One entry per user-facing verb, in help order. */
export const COMMANDS: readonly CommandInfo[] = [
  {
    kind: 'help',
    name: 'help',
    usage: 'help',
    example: 'help',
    description: 'List the commands and what each one does.',
    manifest: true,
  },
  {
    kind: 'whoami',
    name: 'whoami',
    usage: 'whoami',
    example: 'whoami',
    description: 'Show who the bot thinks you are, your Entra roles and what you may do.',
    manifest: true,
  },
  {
    kind: 'status',
    name: 'status',
    usage: 'status [<configuration>]',
    example: 'status contoso-to-fabrikam',
    description: 'Show the state of the sync jobs: running, paused or quarantined, last run, and errors.',
    permission: 'sync.read',
    manifest: true,
  },
  {
    kind: 'start',
    name: 'start',
    usage: 'start [<configuration>]',
    example: 'start contoso-to-fabrikam',
    description: 'Start or resume a paused or quarantined sync job.',
    permission: 'sync.operate',
    manifest: false,
  },
  {
    kind: 'pause',
    name: 'pause',
    usage: 'pause [<configuration>]',
    example: 'pause contoso-to-fabrikam',
    description: 'Pause a sync job; it keeps its state and resumes with start.',
    permission: 'sync.operate',
    manifest: false,
  },
  {
    kind: 'restart',
    name: 'restart',
    usage: 'restart [<configuration>] [default|quarantine|escrows|watermark]',
    example: 'restart contoso-to-fabrikam watermark',
    description: 'Restart a sync job, optionally resetting quarantine, escrows or the watermark (re-evaluate every object).',
    permission: 'sync.operate',
    manifest: true,
  },
  {
    kind: 'provision',
    name: 'provision',
    usage: 'provision <user> [<user> …] [to <configuration>]',
    example: 'provision adele@contoso.com to contoso-to-fabrikam',
    description: `Provision up to ${MAX_PROVISION_USERS} users now instead of waiting for the next sync cycle (5 per 10 s).`,
    permission: 'sync.operate',
    manifest: true,
  },
  {
    kind: 'request',
    name: 'request',
    usage: 'request add|remove user|group <who> [, <who> …] [to|from <configuration>] because <reason>',
    example: 'request add user adele@contoso.com, alex@contoso.com to contoso-to-fabrikam because new project team',
    description: 'Ask to add people or groups to sync scope, or remove them; an approver decides. Alone, opens a form.',
    permission: 'scope.request',
    manifest: true,
  },
  {
    kind: 'pending',
    name: 'pending',
    usage: 'pending',
    example: 'pending',
    description: 'List the scope-change requests waiting for a decision.',
    permission: 'scope.request',
    manifest: true,
  },
  {
    kind: 'approve',
    name: 'approve',
    usage: 'approve <request id>',
    example: 'approve REQ-7K2M9',
    description: 'Approve a scope-change request someone else made.',
    permission: 'scope.approve',
    manifest: false,
  },
  {
    kind: 'reject',
    name: 'reject',
    usage: 'reject <request id> [because <reason>]',
    example: 'reject REQ-7K2M9 because wrong group',
    description: 'Reject a scope-change request, optionally saying why.',
    permission: 'scope.approve',
    manifest: false,
  },
  {
    kind: 'cancel',
    name: 'cancel',
    usage: 'cancel <request id>',
    example: 'cancel REQ-7K2M9',
    description: 'Withdraw a scope-change request you made that is still pending.',
    permission: 'scope.request',
    manifest: false,
  },
  {
    kind: 'subscribe',
    name: 'subscribe',
    usage: 'subscribe alerts|approvals [<configuration>|all]',
    example: 'subscribe alerts contoso-to-fabrikam',
    description: 'Post alerts (quarantine, deletions held back) or approval requests to this chat or channel.',
    permission: 'alerts.manage',
    manifest: true,
  },
  {
    kind: 'unsubscribe',
    name: 'unsubscribe',
    usage: 'unsubscribe alerts|approvals [<configuration>|all]',
    example: 'unsubscribe alerts all',
    description: 'Stop posting alerts or approval requests to this chat or channel.',
    permission: 'alerts.manage',
    manifest: false,
  },
  {
    kind: 'subscriptions',
    name: 'subscriptions',
    usage: 'subscriptions',
    example: 'subscriptions',
    description: 'List what this chat or channel is subscribed to.',
    permission: 'sync.read',
    manifest: false,
  },
  {
    kind: 'audit',
    name: 'audit',
    usage: `audit [<configuration>] [<count 1–${MAX_AUDIT_COUNT}>]`,
    example: 'audit contoso-to-fabrikam 20',
    description: 'Show the latest actions taken through the bot: who did what, when, and the outcome.',
    permission: 'sync.read',
    manifest: true,
  },
  {
    kind: 'auditExport',
    name: 'audit export',
    usage: 'audit export [from <yyyy-mm-dd>] [to <yyyy-mm-dd>]',
    example: 'audit export from 2026-01-01 to 2026-01-31',
    description: 'Export the audit log for a date range as a file.',
    permission: 'sync.read',
    manifest: false,
  },
  {
    kind: 'doctor',
    name: 'doctor',
    usage: 'doctor [<configuration>|all]',
    example: 'doctor contoso-to-fabrikam',
    description: 'Check the configuration CTS depends on in both tenants (policies, job, threshold, scope, mappings, bot permissions).',
    permission: 'sync.read',
    manifest: false,
  },
  {
    kind: 'why',
    name: 'why',
    usage: 'why <user> [in <configuration>]',
    example: 'why adele@contoso.com in contoso-to-fabrikam',
    description: 'Explain why a user is or is not in the target tenant: the user, scope, job, provisioning logs, target conflicts.',
    permission: 'sync.read',
    manifest: true,
  },
  {
    kind: 'review',
    name: 'review',
    usage: 'review [<configuration>]',
    example: 'review contoso-to-fabrikam',
    description: 'Start a scope review: approvers mark each assigned group and user Keep or Remove.',
    permission: 'scope.approve',
    manifest: false,
  },
  {
    kind: 'reviewStatus',
    name: 'review status',
    usage: 'review status [<configuration>]',
    example: 'review status contoso-to-fabrikam',
    description: 'Show the open (or last) scope review of a configuration and what is decided.',
    permission: 'scope.approve',
    manifest: false,
  },
];

export function commandInfo(kind: CommandKind): CommandInfo | undefined {
  const k = kind === 'requestForm' ? 'request' : kind;
  return COMMANDS.find((c) => c.kind === k);
}
