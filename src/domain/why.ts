/**
 * `why <user>`: why a user is (not) in the target tenant. Pure: the facts the service read go in, ordered evidence
 * rows and one verdict come out. The verdict is the first blocker in the order an admin would check by hand (the
 * user, the scope, the job, the provisioning logs, the target tenant); the rows after it are still listed, because
 * fixing the first blocker is rarely the end of it.
 */
import { read, unread, type Read } from './doctor';

export { read, unread, type Read };

export type WhyRowStatus = 'pass' | 'blocker' | 'info' | 'unknown';
export type WhyCheck = 'user' | 'scope' | 'job' | 'logs' | 'target';

export type WhyVerdict =
  | 'guest'
  | 'externalMember'
  | 'disabled'
  | 'notInScope'
  | 'nestedOnly'
  | 'jobQuarantined'
  | 'jobPaused'
  | 'jobDisabled'
  | 'exportFailed'
  | 'skipped'
  | 'pendingGuest'
  | 'targetConflict'
  | 'staysGuest'
  | 'synced'
  | 'waiting'
  | 'unknown';

export interface WhyRow {
  check: WhyCheck;
  status: WhyRowStatus;
  /** One line, plain words. */
  title: string;
  /** What was found, and for a blocker what to do. */
  detail: string;
  /** Set on blockers: the verdict this row stands for. */
  verdict?: WhyVerdict;
}

/** The source user as read (user resource: accountEnabled, userType, creationType, externalUserState, mail). */
export interface WhyUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  userType: string | null;
  creationType: string | null;
  externalUserState: string | null;
  accountEnabled: boolean | null;
}

export interface WhyGroup {
  id: string;
  name: string;
}

/** How the user relates to the sync service principal's assignments. */
export interface WhyScope {
  direct: boolean;
  /** Assigned groups the user is a DIRECT member of (synced). */
  groups: WhyGroup[];
  /** Assigned groups that hold the user only through a nested group (not synced). */
  nestedOnly: WhyGroup[];
}

export interface WhyJob {
  /** status.code: Active, Paused, Quarantine, NotRun, NotConfigured. */
  code: string | null;
  /** schedule.state: Active, Paused, Disabled. */
  scheduleState: string | null;
  quarantineReason: string | null;
  quarantineMessage: string | null;
  /** When the next cycle is due, if it can be told (ISO). */
  nextRun: string | null;
}

/** One provisioningObjectSummary entry of this user, reduced to what the card says. */
export interface WhyLogEntry {
  at: string;
  action: string;
  /** provisioningStatusInfo.status: success, warning, failure, skipped. */
  status: string;
  /** The first step that did not succeed, if any. */
  step: { name: string; type: string; status: string; description: string } | null;
  errorCode: string | null;
  reason: string | null;
  targetId: string | null;
}

/** A target-side object with the user's mail or UPN: a user (member or guest) or an organizational contact. */
export interface WhyTargetObject {
  kind: 'user' | 'contact';
  id: string;
  displayName: string;
  userPrincipalName: string | null;
  mail: string | null;
  userType: string | null;
  externalUserState: string | null;
  /** For contacts: the proxy address that collides. */
  proxyAddress?: string | null;
}

export interface WhyFacts {
  config: string;
  sourceName: string;
  targetName: string;
  user: WhyUser;
  scope: Read<WhyScope>;
  job: Read<WhyJob>;
  /** This user's entries for this job in the last 7 days, newest first. */
  logs: Read<WhyLogEntry[]>;
  target: Read<WhyTargetObject[]>;
  /** The userType mapping: true = Constant Member applied Always; false = anything else; null = no mapping. */
  userTypeAlways: Read<boolean | null>;
}

export interface WhyReport {
  verdict: WhyVerdict;
  headline: string;
  rows: WhyRow[];
  /** The target object the logs say this user was created as or matched to (synced fine, or the object in the way). */
  targetObjectId: string | null;
  /** The user is out of scope: offer "Request add to scope". */
  offerScopeRequest: boolean;
  /** The user could be provisioned on demand (a member, enabled, in scope, job not disabled). */
  offerProvision: boolean;
}

const row = (check: WhyCheck, status: WhyRowStatus, title: string, detail: string, verdict?: WhyVerdict): WhyRow =>
  verdict ? { check, status, title, detail, verdict } : { check, status, title, detail };

const cannot = (check: WhyCheck, title: string, reason: string): WhyRow => row(check, 'unknown', title, `Could not check: ${reason}.`);

function isExternal(u: WhyUser): boolean {
  return (u.creationType ?? '').toLowerCase() === 'invitation' || !!u.externalUserState || u.userPrincipalName.includes('#EXT#');
}

export function userRow(f: WhyFacts): WhyRow {
  const u = f.user;
  const title = `${u.displayName} in ${f.sourceName}`;
  if ((u.userType ?? '').toLowerCase() === 'guest') {
    return row(
      'user',
      'blocker',
      title,
      `${u.userPrincipalName} is a guest in ${f.sourceName}. Cross-tenant sync only syncs members of the source tenant; guests are skipped. Sync them from their home tenant instead.`,
      'guest',
    );
  }
  if (isExternal(u)) {
    return row(
      'user',
      'blocker',
      title,
      `${u.userPrincipalName} is an external member (invited through B2B${u.externalUserState ? `, ${u.externalUserState}` : ''}). Cross-tenant sync skips external users; only internal members are synced.`,
      'externalMember',
    );
  }
  if (u.accountEnabled === false) {
    return row(
      'user',
      'blocker',
      title,
      `${u.userPrincipalName} is disabled (accountEnabled false). CTS does not create disabled users, and disables the copy of one it synced before. Enable the account in ${f.sourceName} first.`,
      'disabled',
    );
  }
  return row('user', 'pass', title, `${u.userPrincipalName} is an internal member and enabled.`);
}

const names = (gs: WhyGroup[]) => gs.map((g) => `"${g.name}"`).join(', ');

export function scopeRow(f: WhyFacts): WhyRow {
  const title = `In the scope of ${f.config}`;
  if (!f.scope.ok) return cannot('scope', title, f.scope.reason);
  const s = f.scope.value;
  if (s.direct)
    return row('scope', 'pass', title, `Assigned directly to the configuration${s.groups.length ? `, and a direct member of ${names(s.groups)}` : ''}.`);
  if (s.groups.length) return row('scope', 'pass', title, `A direct member of the assigned group ${names(s.groups)}.`);
  if (s.nestedOnly.length) {
    return row(
      'scope',
      'blocker',
      title,
      `Only through a nested group inside ${names(s.nestedOnly)}. Members of nested groups are not synced: assign the user, or the nested group itself. Use "Request add to scope".`,
      'nestedOnly',
    );
  }
  return row('scope', 'blocker', title, 'Not assigned, and not a member of any assigned group. Use "Request add to scope" to ask for it.', 'notInScope');
}

function when(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, ' UTC') : 'unknown';
}

export function jobRow(f: WhyFacts): WhyRow {
  const title = `The ${f.config} job`;
  if (!f.job.ok) return cannot('job', title, f.job.reason);
  const j = f.job.value;
  const state = (j.scheduleState ?? '').toLowerCase();
  if ((j.code ?? '').toLowerCase() === 'quarantine' || j.quarantineReason) {
    const why = [j.quarantineReason, j.quarantineMessage].filter(Boolean).join(': ');
    return row(
      'job',
      'blocker',
      title,
      `Quarantined${why ? ` (${why})` : ''}: nobody is provisioned until it is fixed and restarted. Type "status ${f.config}" for details.`,
      'jobQuarantined',
    );
  }
  if (state === 'disabled') return row('job', 'blocker', title, `Disabled: no cycle runs. Start it again with "start ${f.config}".`, 'jobDisabled');
  if (state === 'paused' || (j.code ?? '').toLowerCase() === 'paused')
    return row('job', 'blocker', title, `Paused: no cycle runs until "start ${f.config}".`, 'jobPaused');
  return row('job', 'pass', title, `Running. Next cycle: ${when(j.nextRun)}.`);
}

/** Plain words for the codes the provisioning logs carry; anything else is shown with Graph's own reason. */
export function plainReason(code: string | null, reason: string | null): string {
  const c = (code ?? '').toLowerCase();
  if (c === 'noteffectivelyentitled' || /scope/.test(c)) return 'skipped: out of scope (not assigned, in a nested group only, or not a member)';
  if (c === 'redundantexport') return 'nothing to change: the target already matches';
  if (/conflict|duplicate/.test(c)) return "matching conflict: another object in the target tenant already has this user's mail or proxy address";
  if (c === 'azuredirectoryb2bmanagementpolicycheckfailure') return 'the cross-tenant access policies do not allow automatic redemption (check both tenants)';
  if (c === 'invitationcreationfailure') return 'inviting the user into the target failed: B2B collaboration with this tenant is restricted';
  if (c === 'azureactivedirectoryquotalimitexceeded') return 'the target directory has reached its object quota';
  if (c === 'azureactivedirectoryinsufficientrights') return 'the target user holds an admin role, so it cannot be deleted';
  if (/cannotupdateobjectsoriginatedinexternalservice/.test(c)) return 'a property of the target user is mastered by Exchange Online and cannot be written';
  const r = (reason ?? '').trim();
  return r ? `export error: ${r}` : 'export error';
}

function entryLine(e: WhyLogEntry): string {
  return `${e.action} ${e.status} at ${when(e.at)}`;
}

export function logsRow(f: WhyFacts, scope: WhyRow['status']): WhyRow {
  const title = 'Provisioning logs (last 7 days)';
  if (!f.logs.ok) return cannot('logs', title, f.logs.reason);
  const latest = f.logs.value[0];
  if (!latest) return row('logs', 'info', title, `No provisioning event for this user in ${f.config}.`);
  const status = latest.status.toLowerCase();
  const count = f.logs.value.length > 1 ? ` (${f.logs.value.length} events; the latest shown)` : '';
  const step = latest.step ? ` at step ${latest.step.name}` : '';
  const code = latest.errorCode ? ` (${latest.errorCode})` : '';
  if (status === 'failure') {
    return row(
      'logs',
      'blocker',
      title,
      `Latest: ${entryLine(latest)}${step}: ${plainReason(latest.errorCode, latest.reason ?? latest.step?.description ?? null)}${code}${count}.`,
      'exportFailed',
    );
  }
  if (status === 'skipped') {
    const words = plainReason(
      latest.errorCode ?? (latest.step?.type.toLowerCase() === 'scoping' ? 'NotEffectivelyEntitled' : null),
      latest.reason ?? latest.step?.description ?? null,
    );
    // Scope unread: the skip may be history or the reason; the scope row already says it could not check.
    if (scope === 'unknown') {
      return row('logs', 'info', title, `Latest: ${entryLine(latest)}${step}: ${words}${code}. Whether the user is in scope now could not be checked${count}.`);
    }
    // A skip from before the user entered scope is history, not a blocker: the next cycle evaluates the user again.
    if (scope === 'pass')
      return row(
        'logs',
        'info',
        title,
        `Latest: ${entryLine(latest)}${step}: ${words}${code}. The user is in scope now, so the next cycle evaluates it again${count}.`,
      );
    return row('logs', 'blocker', title, `Latest: ${entryLine(latest)}${step}: ${words}${code}${count}.`, 'skipped');
  }
  const target = latest.targetId ? `; target object ${latest.targetId}` : '';
  return row('logs', status === 'success' ? 'pass' : 'info', title, `Latest: ${entryLine(latest)}${target}${count}.`);
}

/**
 * A B2B member (external member): what CTS creates in the target. A member with the user's mail that is one of these
 * is most likely the copy CTS manages; an internal member with that mail is something else in the way.
 */
function isB2bMember(o: WhyTargetObject): boolean {
  return o.kind === 'user' && (o.userType ?? '').toLowerCase() === 'member' && ((o.userPrincipalName ?? '').includes('#EXT#') || !!o.externalUserState);
}

/** The newest entry that names a target object: what CTS created or matched for this user. */
export function syncedTargetId(logs: Read<WhyLogEntry[]>): string | null {
  if (!logs.ok) return null;
  return logs.value.find((e) => e.status.toLowerCase() === 'success' && e.targetId)?.targetId ?? null;
}

function describe(o: WhyTargetObject): string {
  if (o.kind === 'contact') return `contact "${o.displayName}" (${o.id}) with proxy address ${o.proxyAddress ?? o.mail ?? 'the same mail'}`;
  return `${(o.userType ?? 'user').toLowerCase()} ${o.userPrincipalName ?? o.displayName} (${o.id})`;
}

export function targetRows(f: WhyFacts): WhyRow[] {
  const title = `In ${f.targetName}`;
  if (!f.target.ok) return [cannot('target', title, f.target.reason)];
  const synced = syncedTargetId(f.logs);
  const always = f.userTypeAlways.ok ? f.userTypeAlways.value : null;
  const rows: WhyRow[] = [];
  for (const o of f.target.value) {
    const ours = synced !== null && o.id.toLowerCase() === synced.toLowerCase();
    if (o.kind === 'contact') {
      rows.push(
        row(
          'target',
          'blocker',
          title,
          `A ${describe(o)}: CTS cannot create the user while the contact holds that address. Remove or change the contact in ${f.targetName}.`,
          'targetConflict',
        ),
      );
      continue;
    }
    const guest = (o.userType ?? '').toLowerCase() === 'guest';
    const pending = (o.externalUserState ?? '').toLowerCase() === 'pendingacceptance';
    if (guest && pending) {
      rows.push(
        row(
          'target',
          'blocker',
          title,
          `A guest with the same mail is pending acceptance: ${describe(o)}${ours ? ', matched by CTS' : ''}. It stays a guest that cannot sign in until the invitation is redeemed or the guest is removed.`,
          'pendingGuest',
        ),
      );
    } else if (guest) {
      const stays = always !== true;
      rows.push(
        row(
          'target',
          stays ? 'blocker' : 'info',
          title,
          stays
            ? `An existing guest ${describe(o)}${ours ? ', matched by CTS' : ''}. It stays Guest: the userType mapping does not apply Member "Always".`
            : `An existing guest ${describe(o)}; the userType mapping applies Member "Always", so the next cycle converts it.`,
          stays ? 'staysGuest' : undefined,
        ),
      );
    } else if (ours) {
      rows.push(row('target', 'pass', title, `Synced as member ${o.userPrincipalName ?? o.displayName} (object ${o.id}).`));
    } else if (synced === null && isB2bMember(o)) {
      // No log entry names the object (none in 7 days, or the logs could not be read): an external member with this
      // mail is most likely the copy CTS made earlier, not a conflict.
      rows.push(
        row(
          'target',
          'pass',
          title,
          `An external member with this mail, most likely the copy CTS manages: ${o.userPrincipalName ?? o.displayName} (object ${o.id}). No log entry in the window names it.`,
        ),
      );
    } else {
      rows.push(
        row(
          'target',
          'blocker',
          title,
          `An existing member with the same mail: ${describe(o)}, not the object CTS manages for this user. Remove it or change its mail.`,
          'targetConflict',
        ),
      );
    }
  }
  if (!rows.length) {
    rows.push(
      row(
        'target',
        synced ? 'info' : 'pass',
        title,
        synced
          ? `The object ${synced} the logs name was not found by mail or UPN (its mail may differ).`
          : 'No user or contact with this mail or UPN: nothing in the way.',
      ),
    );
  }
  return rows;
}

const HEADLINES: Record<WhyVerdict, (f: WhyFacts) => string> = {
  guest: (f) => `${f.user.displayName} is a guest in ${f.sourceName}: guests are not synced`,
  externalMember: (f) => `${f.user.displayName} is an external member in ${f.sourceName}: not synced`,
  disabled: (f) => `${f.user.displayName} is disabled in ${f.sourceName}`,
  notInScope: (f) => `${f.user.displayName} is not in the scope of ${f.config}`,
  nestedOnly: (f) => `${f.user.displayName} is only in a nested group: nested groups are not synced`,
  jobQuarantined: (f) => `The ${f.config} job is quarantined`,
  jobPaused: (f) => `The ${f.config} job is paused`,
  jobDisabled: (f) => `The ${f.config} job is disabled`,
  exportFailed: (f) => `The last export of ${f.user.displayName} to ${f.targetName} failed`,
  skipped: (f) => `The last cycle skipped ${f.user.displayName}`,
  pendingGuest: (f) => `A guest with the same mail is pending acceptance in ${f.targetName}`,
  targetConflict: (f) => `Another object in ${f.targetName} is in the way`,
  staysGuest: (f) => `${f.user.displayName} is an existing guest in ${f.targetName} and stays Guest`,
  synced: (f) => `${f.user.displayName} is synced to ${f.targetName}`,
  waiting: (f) => `${f.user.displayName} is in scope and waits for the next cycle`,
  unknown: () => 'Could not check everything',
};

/** The evidence in order and the verdict: the first blocker, else synced / waiting / could not check. */
export function explain(f: WhyFacts): WhyReport {
  const scope = scopeRow(f);
  const rows = [userRow(f), scope, jobRow(f), logsRow(f, scope.status), ...targetRows(f)];
  const first = rows.find((r) => r.status === 'blocker');
  const fromLogs = syncedTargetId(f.logs);
  const byMail = fromLogs === null && f.target.ok ? (f.target.value.filter(isB2bMember).length === 1 ? f.target.value.find(isB2bMember)!.id : null) : null;
  const synced = fromLogs ?? byMail;
  const targetOk = rows.some((r) => r.check === 'target' && r.status === 'pass' && synced !== null);
  const verdict: WhyVerdict = first?.verdict ?? (rows.some((r) => r.status === 'unknown') ? 'unknown' : targetOk ? 'synced' : 'waiting');
  const user = rows[0];
  const jobOk = f.job.ok && !['jobDisabled', 'jobQuarantined'].includes(rows[2].verdict ?? '');
  return {
    verdict,
    headline: HEADLINES[verdict](f),
    rows,
    targetObjectId: synced,
    offerScopeRequest: scope.verdict === 'notInScope' || scope.verdict === 'nestedOnly',
    offerProvision: user.status === 'pass' && scope.status === 'pass' && jobOk,
  };
}

/** The next cycle: the last one's end plus the schedule's interval (ISO 8601 duration such as PT40M). */
export function nextCycle(lastEnded: string | null | undefined, interval: string | null | undefined): string | null {
  if (!lastEnded || !interval) return null;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(interval);
  const t = Date.parse(lastEnded);
  if (!m || Number.isNaN(t)) return null;
  const ms = ((+(m[1] ?? 0) * 24 + +(m[2] ?? 0)) * 60 + +(m[3] ?? 0)) * 60_000 + +(m[4] ?? 0) * 1000;
  if (ms <= 0) return null;
  return new Date(t + ms).toISOString();
}
