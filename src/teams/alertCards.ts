import type { AlertView } from '../domain/alerts';
import type { IncidentAction } from '../domain/incidents';
import type { ProvisioningLogEntry } from '../services/views';
import type { OutgoingCard } from '../services/ports';
import { plain, renderCard, type AdaptiveCard } from './cards';
import { localTime, utcTime } from './format';
import type { Reply } from './reply';

/** The alert card and the cards its buttons answer with, rendered from the alert in words (AlertView). */

/** Card verbs → incident actions. `deletes.allow` is the deletion threshold's "Allow deletes". */
export const ALERT_VERBS: Readonly<Record<IncidentAction, string>> = {
  restart: 'alert.restart',
  pause: 'alert.pause',
  start: 'alert.start',
  showFailures: 'alert.failures',
  allowDeletes: 'deletes.allow',
  keepBlocked: 'deletes.keepBlocked',
};

/** The drift card's "Run doctor" (src/teams/doctor.ts answers it). */
export const DRIFT_DOCTOR_VERB = 'drift.doctor';

const BUTTONS: Readonly<Record<IncidentAction, { title: string; style: 'default' | 'positive' | 'destructive' }>> = {
  restart: { title: 'Restart', style: 'positive' },
  pause: { title: 'Pause', style: 'default' },
  start: { title: 'Start', style: 'positive' },
  showFailures: { title: 'Show failures', style: 'default' },
  allowDeletes: { title: 'Allow deletes', style: 'destructive' },
  keepBlocked: { title: 'Keep blocked', style: 'default' },
};

const KIND_STATE: Record<AlertView['kind'], string> = {
  quarantine: 'quarantined',
  deletionThreshold: 'holding back deletions',
  paused: 'paused',
  entryErrors: 'failing for some users',
  credentials: 'unreadable with the bot’s credentials',
  disabled: 'disabled after a long quarantine',
  drift: 'drifted from the checked setup',
};

const when = (iso: string | undefined) => utcTime(iso);

/** A line shown on one viewer's copy (the answer to their click), e.g. why the click was refused. */
export interface CardNote {
  text: string;
  style: 'attention' | 'warning' | 'good';
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function renderAlert(view: AlertView, note?: CardNote): OutgoingCard {
  const open = view.status === 'open';
  const taken = view.actionTaken;
  // An action that failed, or after which the job was seen in the same trouble, did not fix it: say so, keep the advice.
  const notFixed = open && !!taken && (!taken.ok || !!taken.stillOpenAt);
  const takenLine = taken ? `${capitalise(taken.action)} by ${plain(taken.by, 100)} at ${localTime(taken.at)}` : '';
  const facts: { title: string; value: string }[] = [{ title: 'Began', value: when(view.openedAt) }];
  if (open && view.nextAttempt) facts.push({ title: 'Next retry', value: when(view.nextAttempt) });
  if (view.seriesCount) facts.push({ title: 'Attempts', value: String(view.seriesCount) });
  if (view.errorCode || view.errorMessage)
    facts.push({ title: 'Graph error', value: plain([view.errorCode, view.errorMessage].filter(Boolean).join(': '), 300) });
  let state: string;
  if (!open) {
    const who = taken
      ? ` ${takenLine}.`
      : view.acknowledged
        ? ` Acknowledged by ${plain(view.acknowledged.by, 100)}: ${plain(view.acknowledged.note, 200)}.`
        : '';
    state = `Resolved after ${view.durationMinutes ?? 1} min (${localTime(view.resolvedAt)}).${who}`;
  } else if (taken && !taken.ok) state = `${takenLine} failed: ${plain(taken.message, 200)}. The problem is not fixed.`;
  else if (taken && taken.stillOpenAt)
    state = `${takenLine} did not resolve it: the job was still ${KIND_STATE[view.kind]} at ${localTime(taken.stillOpenAt)}.`;
  else if (taken) state = `${takenLine}; waiting for the next check to confirm it worked.`;
  else if (view.acknowledged)
    state = `Acknowledged by ${plain(view.acknowledged.by, 100)}: ${plain(view.acknowledged.note, 200)} (${localTime(view.acknowledged.at)}).`;
  else state = `Open since ${localTime(view.openedAt)}.`;
  const deletes = view.stagedDeletes;
  const deletesHeading = deletes && open ? heldBackHeading(deletes) : '';
  if (view.allowDeletes) {
    const a = view.allowDeletes;
    facts.push({
      title: 'Deletions allowed',
      value: `by ${plain(a.by, 100)} at ${localTime(a.at)}${a.count !== undefined ? ` (${a.count} held back)` : ''}${a.outcome ? `: ${plain(a.outcome.message, 300)}` : ': waiting for Microsoft Graph'}`,
    });
  }
  const data = {
    headline: open ? view.title : `Resolved: ${view.title}`,
    color: open ? 'Attention' : 'Good',
    configuration: view.configuration,
    route: `${view.sourceTenant} → ${view.targetTenant}`,
    stateLabel: open ? (notFixed ? 'Still open' : taken ? 'Action taken' : view.acknowledged ? 'Acknowledged' : 'Open') : 'Resolved',
    stateColor: open ? 'Attention' : 'Good',
    state,
    note: note?.text ?? '',
    noteStyle: note?.style ?? 'default',
    explanation: open ? view.explanation : view.kind === 'drift' ? "Every drifted setting passes the doctor's checks again." : 'The job is healthy again.',
    whatToDo: open && (!taken || notFixed) ? view.whatToDo : '',
    facts,
    deletesHeading,
    deleteNames: deletesHeading ? [...deletes!.names.map((n) => ({ name: plain(n, 80) })), ...(andMore(deletes!) ? [{ name: andMore(deletes!) }] : [])] : [],
    lastChange: open && view.lastChange ? plain(view.lastChange, 300) : '',
    driftRows: driftRows(view),
    troubleshootingUrl: view.troubleshootingUrl && /^https:\/\//.test(view.troubleshootingUrl) ? view.troubleshootingUrl : '',
    incidentId: view.incidentId,
    version: view.version,
    buttons: [
      ...view.actions.map((a) => ({ title: BUTTONS[a].title, verb: ALERT_VERBS[a], incident: view.incidentId, style: BUTTONS[a].style })),
      // A drift card's one button: the whole doctor report for this configuration, as a new message.
      ...(view.kind === 'drift' && open ? [{ title: 'Run doctor', verb: DRIFT_DOCTOR_VERB, incident: view.incidentId, style: 'default' as const }] : []),
    ],
  };
  const card = renderCard('alert', data);
  return { card, summary: `${view.configuration}: ${data.headline}` };
}

const VERDICT_MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const;

/** A drift card's rows: each drifted setting (was → now, who changed it, the doctor's fix), then scope growth. */
function driftRows(view: AlertView): { mark: string; title: string; change: string; who: string; fix: string }[] {
  const d = view.drift;
  if (!d) return [];
  const rows = d.items.map((item) => {
    const title = plain(`${item.title}${item.tenant ? ` (${item.tenant})` : ''}`, 200);
    const change = item.restoredAt
      ? `Passes again since ${localTime(item.restoredAt)} (was ${item.to}).`
      : plain(`Was ${item.from}, now ${item.to}: ${item.found}`, 500);
    const a = item.actor;
    const who = !a
      ? ''
      : a.known
        ? plain(`Changed by ${a.name} at ${localTime(a.at)}${a.activity ? ` (${a.activity})` : ''}.`, 300)
        : plain(`Could not read who changed it (${a.reason}).`, 300);
    return { mark: VERDICT_MARK[item.restoredAt ? 'pass' : item.to], title, change, who, fix: item.restoredAt ? '' : plain(item.fix, 500) };
  });
  const g = d.scopeGrowth;
  if (g) {
    const by = g.percent === null ? 'from an empty scope' : `+${g.percent} %`;
    rows.push({
      mark: g.settledAt ? VERDICT_MARK.pass : VERDICT_MARK.warn,
      title: 'Sync scope grew',
      change: `From ${g.from} to ${g.to} users (${by}) at ${localTime(g.at)}${g.settledAt ? `; no further growth at ${localTime(g.settledAt)}` : ''}.`,
      who: '',
      fix: g.settledAt ? '' : `Check the groups and users assigned to ${view.configuration} (type "audit ${view.configuration}"); remove what should not sync.`,
    });
  }
  return rows;
}

/** "27 deletions or disables held back (threshold 20), including:" — the number the admin decides on. */
export function heldBackHeading(d: NonNullable<AlertView['stagedDeletes']>): string {
  const threshold = d.threshold !== undefined ? ` (threshold ${d.threshold}${d.thresholdDefaulted ? ', the portal default' : ''})` : '';
  return `${d.count}${d.more ? ' or more' : ''} deletion${d.count === 1 ? '' : 's'} or disables held back${threshold}${d.names.length ? ', including:' : ''}`;
}

/** "and 17 more" after the names shown, or '' when every one is named. */
export function andMore(d: NonNullable<AlertView['stagedDeletes']>): string {
  const rest = d.count - d.names.length;
  return rest > 0 ? `and ${rest}${d.more ? ' or more' : ''} more` : '';
}

/** The confirmation for "Allow deletes": the count, threshold and names, tied to this incident and version. */
export function allowDeletesCard(view: AlertView, askedBy: string): AdaptiveCard {
  const d = view.stagedDeletes;
  return renderCard('allow-deletes', {
    title: `Allow ${d ? `${d.count}${d.more ? ' or more' : ''} ` : ''}held-back deletions in ${view.configuration}?`,
    text: `Restarting ${view.configuration} with ForceDeletes lets the deletions and disables held back by the accidental-deletion threshold go through on the next cycle: these B2B accounts are deleted or disabled in ${view.targetTenant}.`,
    heading: d ? heldBackHeading(d) : 'The held-back deletions could not be read: check the provisioning logs before allowing them.',
    names: (d?.names ?? []).map((n) => ({ name: plain(n, 80) })),
    andMore: d ? andMore(d) : '',
    askedBy,
    incident: view.incidentId,
    version: view.version,
    confirmTitle: d ? `Allow ${d.count} deletions` : 'Allow deletions',
  });
}

export function failuresCard(configuration: string, entries: ProvisioningLogEntry[]): AdaptiveCard {
  const rows = entries.map((e) => ({
    who: plain(e.sourceIdentity?.displayName ?? e.targetIdentity?.displayName ?? e.sourceIdentity?.id ?? 'unknown', 80),
    action: e.provisioningAction ?? 'other',
    at: when(e.activityDateTime ?? undefined),
    error: plain(
      [e.provisioningStatusInfo?.errorInformation?.errorCode, e.provisioningStatusInfo?.errorInformation?.reason].filter(Boolean).join(': ') ||
        'no error detail',
      300,
    ),
    fix: plain(e.provisioningStatusInfo?.errorInformation?.recommendedAction ?? '', 300),
  }));
  return renderCard('alert-failures', {
    configuration,
    summary: rows.length ? `The ${rows.length} latest failed provisioning events, newest first.` : 'No failed provisioning events in the logs.',
    rows,
  });
}

export function welcomeCard(place: string, configurations: string[], note?: CardNote): AdaptiveCard {
  return renderCard('welcome', { place, configurations: configurations.join(', ') || 'none', note: note?.text ?? '', noteStyle: note?.style ?? 'default' });
}

/** A refused or failed click, said on top of the card the person clicked (which stays as it was). */
export function noteOf(reply: Reply): CardNote {
  const text = 'summary' in reply ? reply.summary : reply.text;
  return { text: plain(text, 400), style: reply.outcome === 'refused' || reply.outcome === 'failed' ? 'attention' : 'warning' };
}

export function cardOfReply(reply: Reply): AdaptiveCard {
  if ('card' in reply) return reply.card;
  return renderCard('notice', { title: reply.text, text: '', hint: '', style: 'default' });
}
