/**
 * Cards for scope-change requests. One template, two kinds of view:
 *  - the BASE view, posted to every copy (approvers' channels, the requester's chat): the state in words, no buttons
 *    anyone could misuse, and while pending a `refresh` block so the approvers and the requester fetch their own view;
 *  - a PERSONAL view for one viewer (invoke answers, refreshes, text commands): the buttons that viewer may use.
 * Buttons carry only { requestId, verb, cardVersion }; everything else is read from state when clicked.
 */
import { allowedActions, isTerminal, requiresDeletesAllow, type ScopeRequest } from '../domain/scopeRequests';
import type { Permission } from '../domain/permissions';
import type { StoredScopeRequest } from '../services/scopeRequests';
import { describePrincipals } from '../services/scopeRequestAudit';
import { plain, renderCard, type AdaptiveCard } from './cards';
import { localTime, until, utcTime } from './format';
import { notice, type Reply } from './reply';
import type { ValidationProblem } from '../services/scopeRequests';

export interface Viewer {
  aadObjectId: string;
  permissions: readonly Permission[];
}

export interface ViewOptions {
  now: number;
  /** The person looking; absent for the base view. */
  viewer?: Viewer;
  note?: string;
  noteStyle?: 'warning' | 'good' | 'error';
  /** Base view while pending: who refreshes automatically (max 60). */
  refreshUserIds?: string[];
  /** The configuration's route in words, e.g. "Contoso → Fabrikam". */
  route?: string;
}

const STATUS: Record<ScopeRequest['status'], { label: string; color: string }> = {
  pending: { label: 'Waiting for approval', color: 'Accent' },
  approved: { label: 'Approved', color: 'Accent' },
  executing: { label: 'Approved · applying…', color: 'Accent' },
  done: { label: 'Done', color: 'Good' },
  failed: { label: 'Failed', color: 'Attention' },
  rejected: { label: 'Rejected', color: 'Attention' },
  expired: { label: 'Expired', color: 'Default' },
  cancelled: { label: 'Cancelled', color: 'Default' },
};

const OUTCOME_WORDS: Record<string, string> = {
  assigned: 'added to scope',
  already: 'was already in scope (nothing sent)',
  removed: 'removed from scope',
  absent: 'was already out of scope (nothing sent)',
  failed: 'FAILED',
};

function statusText(rec: StoredScopeRequest, now: number): string {
  const r = rec.request;
  const d = r.decision;
  switch (r.status) {
    case 'pending':
      return `Waiting for someone with scope.approve${rec.request.op === 'remove' || rec.risk.tripsDeletionThreshold ? ' and deletes.allow' : ''}; expires ${until(r.expiresAt, now)}.`;
    case 'approved':
    case 'executing':
      return `Approved by ${d ? plain(d.by.name, 100) : 'an approver'} at ${localTime(d?.at)}; the bot is changing the assignments in Graph now.`;
    case 'done':
      return `Approved by ${d ? plain(d.by.name, 100) : 'an approver'} at ${localTime(d?.at)}; carried out at ${localTime(r.execution?.finishedAt)}.${r.op === 'add' ? ' The next sync cycle creates the accounts in the target tenant.' : ' The next sync cycle removes the accounts from the target tenant.'}`;
    case 'failed':
      return `Approved by ${d ? plain(d.by.name, 100) : 'an approver'} at ${localTime(d?.at)}, but Graph refused part of the change (see below). Nothing more will be retried automatically.`;
    case 'rejected':
      return `Rejected by ${d ? plain(d.by.name, 100) : 'an approver'} at ${localTime(d?.at)}${d?.reason ? `: "${plain(d.reason)}"` : ' (no reason given)'}.`;
    case 'expired':
      return `Nobody decided before ${localTime(r.expiresAt)}; ask again if it is still needed.`;
    case 'cancelled':
      return `Cancelled by ${plain(r.requester.name, 100)} at ${localTime(d?.at)}.`;
  }
}

function outcomeLines(rec: StoredScopeRequest): { text: string }[] {
  const r = rec.request;
  const lines: { text: string }[] = [];
  const names = new Map(r.principals.map((p) => [p.id.toLowerCase(), p.userPrincipalName ?? p.displayName]));
  for (const x of r.execution?.results ?? []) {
    const rid = rec.graphRequestIds[x.principalId];
    lines.push({
      text: `${plain(names.get(x.principalId.toLowerCase()) ?? x.principalId)}: ${OUTCOME_WORDS[x.outcome]}${x.error ? ` — ${plain(x.error, 300)}` : ''}${rid ? ` (Graph request id ${rid})` : ''}`,
    });
  }
  if (r.execution?.error) lines.push({ text: `Error: ${plain(r.execution.error, 300)}` });
  if (rec.provisioned)
    lines.push({
      text: `Provisioned on demand by ${plain(rec.provisioned.by, 100)} at ${localTime(rec.provisioned.at)}: ${plain(rec.provisioned.summary, 300)}`,
    });
  return lines;
}

export interface Abilities {
  canApprove: boolean;
  canReject: boolean;
  canCancel: boolean;
  canProvision: boolean;
}

/** What a viewer may do with the request as it stands (the click is checked again, with fresh roles). */
export function abilitiesOf(rec: StoredScopeRequest, viewer: Viewer | undefined, now: number): Abilities {
  const r = rec.request;
  if (!viewer) return { canApprove: false, canReject: false, canCancel: false, canProvision: false };
  const allowed = allowedActions(r, {
    now,
    actor: { aadObjectId: viewer.aadObjectId, name: '' },
    actorPermissions: viewer.permissions,
    needsDeletesAllow: requiresDeletesAllow(r) || rec.risk.tripsDeletionThreshold,
  });
  return {
    canApprove: allowed.approve,
    // The requester's way out is Cancel; a Reject button beside it would say the same thing twice.
    canReject: allowed.reject && viewer.aadObjectId !== r.requester.aadObjectId,
    canCancel: allowed.cancel,
    canProvision: r.status === 'done' && r.op === 'add' && r.principalType === 'user' && !rec.provisioned && viewer.permissions.includes('sync.operate'),
  };
}

export function requestCard(rec: StoredScopeRequest, options: ViewOptions): AdaptiveCard {
  const r = rec.request;
  const { now } = options;
  const status = STATUS[r.status];
  const abilities = abilitiesOf(rec, options.viewer, now);
  const verb = r.op === 'add' ? 'add' : 'remove';
  const count = r.principals.length;
  const what = r.principalType === 'group' ? (count === 1 ? 'a group' : `${count} groups`) : count === 1 ? 'a user' : `${count} users`;
  const risk = rec.risk;
  const facts = [
    { title: 'Request', value: r.id },
    { title: 'Configuration', value: `${r.configuration}${options.route ? ` (${options.route})` : ''}` },
    { title: 'Change', value: `${verb} ${what} ${r.op === 'add' ? 'to' : 'from'} sync scope` },
    { title: 'Requested by', value: `${plain(r.requester.name, 100)}, ${utcTime(r.createdAt)}` },
    { title: 'Reason', value: plain(r.reason) },
    {
      title: r.op === 'add' ? 'Users entering scope' : 'Accounts deleted in target',
      value: String(r.op === 'add' ? risk.usersAffected : (risk.deletesInTarget ?? risk.usersAffected)),
    },
  ];
  const principals = r.principals.slice(0, 50).map((p) => ({ line: `${plain(p.displayName, 120)}${p.userPrincipalName ? ` (${p.userPrincipalName})` : ''}` }));
  const pending = r.status === 'pending';
  const data = {
    title: `${r.op === 'add' ? 'Add to' : 'Remove from'} sync scope: ${r.configuration}`,
    statusLabel: status.label,
    statusColor: status.color,
    statusText: statusText(rec, now),
    note: options.note ?? '',
    noteStyle: options.noteStyle === 'error' ? 'attention' : options.noteStyle === 'good' ? 'good' : 'warning',
    facts,
    principalsHeading: r.principalType === 'group' ? (count === 1 ? 'Group' : 'Groups') : count === 1 ? 'User' : 'Users',
    principals,
    warnings: isTerminal(r.status) ? [] : risk.warnings.map((w) => ({ text: plain(w, 400) })),
    outcome: outcomeLines(rec),
    footer: `${r.id} · card version ${r.cardVersion}${pending ? ' · the bot re-checks your roles when you click' : ''}`,
    requestId: r.id,
    cardVersion: r.cardVersion,
    ...abilities,
    canRefresh: pending || r.status === 'executing' || r.status === 'approved',
    refreshTitle: options.viewer ? 'Refresh' : 'Show my options',
    // A personal view may have replaced the "pending" list (its Details button): give the way back to it.
    canList: !!options.viewer && !isTerminal(r.status),
  };
  const card = renderCard('approval-request', data);
  if (!options.viewer && pending && options.refreshUserIds?.length) {
    card.refresh = {
      action: { type: 'Action.Execute', verb: 'approval.refresh', data: { requestId: r.id, verb: 'approval.refresh', cardVersion: r.cardVersion } },
      // Teams refreshes a card automatically for at most 60 users; the requester comes first.
      userIds: options.refreshUserIds.slice(0, 60),
    };
  }
  return card;
}

export function requestSummary(rec: StoredScopeRequest): string {
  const r = rec.request;
  return `${r.id}: ${r.requester.name} asks to ${r.op} ${describePrincipals(r)} ${r.op === 'add' ? 'to' : 'from'} ${r.configuration} — ${STATUS[r.status].label}`;
}

export function requestReply(rec: StoredScopeRequest, options: ViewOptions): Reply {
  return { card: requestCard(rec, options), summary: requestSummary(rec) };
}

/** The list shown by `pending`: at most 10 requests so the card stays small. */
export function pendingCard(records: StoredScopeRequest[], viewer: Viewer, now: number): Reply {
  const shown = records.slice(0, 10);
  const items = shown.map((rec) => {
    const r = rec.request;
    const a = abilitiesOf(rec, viewer, now);
    return {
      id: r.id,
      cardVersion: r.cardVersion,
      headline: `${plain(r.requester.name, 80)} asks to ${r.op} ${plain(describePrincipals(r), 200)} ${r.op === 'add' ? 'to' : 'from'} ${r.configuration}`,
      detail: `${plain(r.reason, 200)} · asked ${localTime(r.createdAt)} · expires ${until(r.expiresAt, now)}${rec.risk.warnings.length ? ` · ${rec.risk.warnings.length} warning(s)` : ''}`,
      canApprove: a.canApprove,
      canCancel: a.canCancel,
    };
  });
  return {
    card: renderCard('approval-list', {
      title: records.length ? `${records.length} request${records.length === 1 ? '' : 's'} waiting for a decision` : 'No open requests',
      items,
      more: records.length - shown.length,
    }),
    summary: `${records.length} scope-change request(s) waiting`,
  };
}

export interface FormValues {
  configuration?: string;
  op?: string;
  principalType?: string;
  principals?: string;
  reason?: string;
}

export function requestFormCard(configurations: string[], values: FormValues = {}, error = ''): Reply {
  return {
    card: renderCard('request-form', {
      configurations: configurations.map((c) => ({ title: c, value: c })),
      configuration: values.configuration ?? (configurations.length === 1 ? configurations[0] : ''),
      op: values.op ?? 'add',
      principalType: values.principalType ?? 'user',
      principals: values.principals ?? '',
      reason: values.reason ?? '',
      error,
    }),
    summary: 'Request a sync scope change',
  };
}

export function problemReply(problem: ValidationProblem): Reply {
  const lines = problem.lines.slice(0, 20).map((l) => plain(l, 400));
  if (problem.lines.length > 20) lines.push(`…and ${problem.lines.length - 20} more.`);
  return notice(problem.title, lines.join('\n\n'), {
    hint: `Nothing was requested.${problem.hint ? ` ${problem.hint}` : ''}`,
    style: problem.code === 'graph-unavailable' ? 'error' : 'warning',
    outcome: problem.code === 'not-found' ? 'not-found' : problem.code === 'graph-unavailable' ? 'failed' : 'invalid',
  });
}
