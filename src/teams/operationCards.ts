import { describeReason } from '../domain/incidents';
import type { ProvisioningLogEntry, SyncJob } from '../services/views';
import type { Configurations } from '../services/configurations';
import { describeAction, RESTART_WORDS } from '../domain/jobActions';
import type { PendingOperation, StatusDetail, StatusOverview, StatusRow } from '../services/operations';
import type { ProvisionItem, ProvisionReport } from '../services/provisioning';
import type { AuditRecord } from '../domain/audit';
import { plain, renderCard } from './cards';
import { ago, isoDuration, localTime, plural, stateColor, until } from './format';
import type { Reply } from './reply';

/** Turns operation results into card data. Pure apart from the template read; `now` comes from the injected clock. */

export function stateText(job: SyncJob): string {
  const code = job.status.code;
  if (code === 'Quarantine') return `Quarantine: ${describeReason(job.status.quarantine?.reason ?? 'Unknown').title}`;
  if (code === 'NotRun') return 'Not run yet';
  return code;
}

function lastCycle(job: SyncJob, now: number): string {
  const last = job.status.lastExecution;
  if (!last || (!last.timeEnded && !last.timeBegan)) return 'No cycle has run yet.';
  const counts = [
    last.countExported !== null ? `${last.countExported} exported` : undefined,
    last.countEscrowed ? `${last.countEscrowed} failed` : undefined,
    last.countEntitled !== null ? `${last.countEntitled} in scope` : undefined,
  ].filter(Boolean);
  return `Last cycle ${ago(last.timeEnded ?? last.timeBegan, now)}: ${last.state ?? 'unknown'}${counts.length ? `, ${counts.join(', ')}` : ''}.`;
}

/** "Read at …": when the jobs were read, and whether by the monitor's regular poll (Refresh reads them now). */
export function readAtText(read: Pick<StatusOverview, 'readAt' | 'source'>, now: number): string {
  const at = new Date(read.readAt).toISOString();
  if (read.source === 'live') return at;
  const seconds = Math.max(0, Math.round((now - read.readAt) / 1000));
  return `${at} by the monitor's regular poll, ${seconds} s ago (Refresh reads it now)`;
}

export function statusCard(
  rows: StatusRow[],
  configs: Configurations,
  now: number,
  read: Pick<StatusOverview, 'readAt' | 'source'> = { readAt: now, source: 'live' },
): Reply {
  const data = rows.map((r) => {
    if (!r.job)
      return {
        name: r.config.name,
        route: configs.route(r.config),
        state: 'Unknown',
        color: 'Attention',
        detail: `Could not read the job: ${r.error ?? 'unknown error'}`,
        next: '',
      };
    const q = r.job.status.quarantine;
    return {
      name: r.config.name,
      route: configs.route(r.config),
      state: stateText(r.job),
      color: stateColor(r.job.status.code),
      detail: lastCycle(r.job, now),
      next: r.job.status.code === 'Quarantine' ? `Quarantined ${ago(q?.currentBegan ?? q?.seriesBegan, now)}; next attempt ${until(q?.nextAttempt, now)}.` : '',
    };
  });
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.job?.status.code ?? 'Unreadable', (counts.get(r.job?.status.code ?? 'Unreadable') ?? 0) + 1);
  const summary = [...counts].map(([code, n]) => `${n} ${code}`).join(', ');
  return {
    card: renderCard('status', { rows: data, summary: `${plural(rows.length, 'configuration')}: ${summary}.`, readAt: readAtText(read, now) }),
    summary: `Sync status: ${summary}`,
  };
}

function failureLine(e: ProvisioningLogEntry, now: number) {
  const info = e.provisioningStatusInfo?.errorInformation;
  // Names and error text come from the directory and Graph: shown as text, never as Markdown.
  return {
    who: plain(e.sourceIdentity?.displayName ?? e.targetIdentity?.displayName ?? e.sourceIdentity?.id ?? 'unknown object', 200),
    action: plain(e.provisioningAction ?? 'change', 40),
    status: plain(e.provisioningStatusInfo?.status ?? 'failure', 40),
    when: ago(e.activityDateTime, now),
    error: plain([info?.errorCode, info?.reason].filter(Boolean).join(': ') || 'no error details'),
  };
}

export function statusDetailCard(d: StatusDetail, configs: Configurations, now: number): Reply {
  const job = d.job;
  const q = job?.status.quarantine;
  const facts: { title: string; value: string }[] = [];
  if (job) {
    facts.push({ title: 'Last cycle', value: lastCycle(job, now) });
    facts.push({ title: 'Last success', value: ago(job.status.lastSuccessfulExecution?.timeEnded, now) });
    if (q) {
      facts.push({ title: 'Quarantined', value: `${ago(q.currentBegan ?? q.seriesBegan, now)} (${plural(q.seriesCount ?? 1, 'attempt')})` });
      facts.push({ title: 'Next attempt', value: until(q.nextAttempt, now) });
      if (q.error?.code || q.error?.message) facts.push({ title: 'Graph error', value: plain([q.error.code, q.error.message].filter(Boolean).join(': ')) });
    }
    facts.push({ title: 'Schedule', value: `${job.schedule?.state ?? 'unknown'}, every ${isoDuration(job.schedule?.interval)}` });
  } else {
    facts.push({ title: 'Job', value: `could not be read: ${d.jobError ?? 'unknown error'}` });
  }
  facts.push({
    title: 'Scope',
    value: d.scope ? `${plural(d.scope.users, 'user')} and ${plural(d.scope.groups, 'group')} assigned` : `could not be read: ${d.scopeError}`,
  });
  facts.push({
    title: 'Deletion threshold',
    value: d.threshold
      ? d.threshold.enabled
        ? `on: a cycle stops above ${d.threshold.value ?? 500} deletions`
        : d.threshold.source === 'invalid'
          ? 'unreadable settings (treat as off)'
          : 'off: no protection against mass deletion'
      : `could not be read: ${d.thresholdError}`,
  });

  const code = job?.status.code;
  const actions: { title: string; verb: string; config: string; scope: string }[] = [];
  const name = d.config.name;
  if (code === 'Paused' || code === 'Quarantine' || code === 'NotConfigured') actions.push({ title: 'Start', verb: 'job.start', config: name, scope: '' });
  if (code && code !== 'Paused') actions.push({ title: 'Pause', verb: 'job.pause', config: name, scope: '' });
  if (code === 'Quarantine' && q?.reason === 'TooManyDeletes')
    actions.push({ title: 'Allow deletes', verb: 'job.restart', config: name, scope: 'forceDeletes' });
  if (code) actions.push({ title: 'Restart', verb: 'job.restart', config: name, scope: 'default' });
  actions.push({ title: 'Refresh', verb: 'status.detail', config: name, scope: '' });
  // The row click replaced the overview with this card: give the way back.
  actions.push({ title: 'Back to all', verb: 'status.refresh', config: name, scope: '' });

  return {
    card: renderCard('status-detail', {
      name,
      route: configs.route(d.config),
      state: job ? stateText(job) : 'Unknown',
      color: stateColor(code ?? ''),
      reason: q ? `${describeReason(q.reason ?? 'Unknown').explanation} ${describeReason(q.reason ?? 'Unknown').whatToDo}` : '',
      facts,
      failures: (d.failures ?? []).map((f) => failureLine(f, now)),
      failuresNote: d.failures ? 'None in the provisioning logs.' : `Could not read the provisioning logs: ${d.failuresError}`,
      troubleshootingUrl: job?.status.troubleshootingUrl ?? '',
      jobId: job ? breakableId(job.id) : '',
      actions,
      readAt: localTime(new Date(now).toISOString()),
    }),
    summary: `${name}: ${job ? stateText(job) : 'unreadable'}`,
  };
}

export function confirmCard(op: PendingOperation, permission: string): Reply {
  const a = op.action;
  const what = describeAction(a);
  const text =
    a.kind === 'pause'
      ? `Pausing stops ${op.configuration} from syncing until someone starts it again. Its state is kept.`
      : a.kind === 'restart'
        ? `A restart ${RESTART_WORDS[a.scope]}.`
        : `Starting resumes ${op.configuration} from where it stopped.`;
  return {
    card: renderCard('confirm', {
      title: `${capitalise(what)} ${op.configuration}?`,
      text,
      askedBy: plain(op.proposedBy.name, 100),
      permission,
      confirmTitle: capitalise(what),
      opId: op.id,
    }),
    summary: `Confirm: ${what} ${op.configuration}`,
  };
}

export function operationResultCard(op: PendingOperation): Reply {
  const what = capitalise(describeAction(op.action));
  const by = op.decidedBy ? `${plain(op.decidedBy.name, 100)} at ${localTime(op.decidedAt)}` : 'unknown';
  switch (op.status) {
    case 'cancelled':
      return resultNotice(`${what} ${op.configuration}: cancelled`, `Cancelled by ${by}. Nothing was sent.`);
    case 'executing':
      return resultNotice(`${what} ${op.configuration}: in progress`, `Confirmed by ${by}; waiting for Microsoft Graph.`, 'default');
    case 'pending':
      return resultNotice(
        `${what} ${op.configuration}: expired`,
        'This confirmation is more than 15 minutes old and was not used. Ask again if it is still needed.',
        'warning',
      );
    default: {
      const o = op.outcome;
      const id = o?.requestId ? ` (Graph request id ${o.requestId})` : '';
      return resultNotice(
        `${what} ${op.configuration}: ${o?.ok ? 'done' : 'failed'}`,
        `${o?.message ?? ''}${id}`.trim(),
        o?.ok ? 'good' : 'error',
        `Confirmed by ${by}.`,
      );
    }
  }
}

function resultNotice(title: string, text: string, style: 'good' | 'error' | 'warning' | 'default' = 'default', hint = ''): Reply {
  return { card: renderCard('notice', { title, text, hint, style }), summary: `${title}`, outcome: style === 'error' ? 'failed' : 'ok' };
}

function itemLine(item: ProvisionItem) {
  const who = item.user ? `${item.user.displayName} (${item.user.userPrincipalName})` : item.input;
  let state: string;
  let color = 'Default';
  if (item.state === 'invalid') {
    state = 'Not sent';
    color = 'Warning';
  } else if (item.state === 'queued') state = item.ahead ? `Queued (${plural(item.ahead, 'call')} ahead; Graph allows 5 per 10 s)` : 'Queued';
  else if (item.state === 'running') state = 'Running';
  else if (item.error) {
    state = 'Failed';
    color = 'Attention';
  } else {
    const r = item.result!;
    state = r.understood ? `${capitalise(r.outcome)}${r.action ? `: ${r.action}` : ''}` : 'Result unknown: check the provisioning logs';
    color = r.outcome === 'success' ? 'Good' : r.outcome === 'failure' ? 'Attention' : 'Warning';
  }
  const steps = (item.result?.steps ?? []).map((s) => ({
    text: `${item.user?.userPrincipalName ?? item.input} · ${s.type ?? s.name ?? 'Step'}: ${s.status ?? ''} ${s.description ?? ''}`.trim(),
  }));
  return {
    who,
    state,
    color,
    note: plain(item.error ?? item.note ?? (item.result?.summary && item.result.outcome !== 'success' ? item.result.summary : '') ?? '', 300),
    steps,
  };
}

/** One word per user's outcome, for the summary line and the approval card: what the audit log says, not "done". */
export function provisionOutcome(item: ProvisionItem): string {
  if (item.state === 'invalid') return 'not sent';
  if (item.state === 'queued') return 'queued';
  if (item.state === 'running') return 'running';
  if (item.error) return 'failed';
  const r = item.result;
  if (!r || !r.understood) return 'unknown';
  return r.outcome === 'success' ? 'provisioned' : r.outcome === 'failure' ? 'failed' : r.outcome;
}

export function provisionSummary(items: ProvisionItem[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(provisionOutcome(i), (counts.get(provisionOutcome(i)) ?? 0) + 1);
  return [...counts].map(([word, n]) => `${n} ${word}`).join(', ');
}

export function provisionCard(report: ProvisionReport): Reply {
  const sendable = report.items.filter((i) => i.state !== 'invalid');
  const done = sendable.filter((i) => i.state === 'done').length;
  const title = report.finished
    ? `Provision on demand: ${report.configuration}`
    : `Provisioning on ${report.configuration}: ${done} of ${sendable.length} done`;
  const lines = report.items.map(itemLine);
  // Steps are many lines per user: the card stays short (a phone screen for 20 users) and shows them on demand.
  const stepLines = lines.flatMap((l) => l.steps);
  return {
    card: renderCard('provision', {
      title,
      summary: `${plural(report.items.length, 'user')}: ${provisionSummary(report.items)}.`,
      items: lines,
      hasSteps: stepLines.length > 0,
      stepLines,
      finished: report.finished,
    }),
    summary: title,
  };
}

export function auditCard(records: AuditRecord[], scope: string): Reply {
  const rows = records.map((r) => ({
    when: localTime(r.at),
    who: r.actor === 'system' ? 'system' : r.actor.name ? plain(r.actor.name, 100) : r.actor.aadObjectId,
    what: `${r.action}${r.configuration ? ` on ${r.configuration}` : ''}${r.target ? ` (${r.target})` : ''}`,
    outcome: r.outcome,
    detail: plain([r.detail, r.graphRequestId ? `request ${r.graphRequestId}` : ''].filter(Boolean).join(' · ')),
  }));
  return {
    card: renderCard('audit', { title: `Audit log: ${scope}`, rows, empty: rows.length === 0 }),
    summary: `Audit log: ${rows.length} entries`,
  };
}

/**
 * Job ids run to ~70 characters without a space ("Azure2Azure.<guid>.<guid>"): on a phone they run off the card. A
 * zero-width space after each dot lets the line wrap there.
 */
export function breakableId(id: string): string {
  return id.replace(/\./g, '.\u200b');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
