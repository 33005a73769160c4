/**
 * Sample data for every card template, one entry per state the template supports. The card checker renders each
 * and holds the result against Adaptive Cards 1.5 and Teams' limits; a template without samples fails the checker.
 */
const at = '2026-11-23T10:00:00Z';
const fact = (title: string, value: string) => ({ title, value });

export const SAMPLES: Record<string, Record<string, object>> = {
  why: {
    blocked: {
      title: 'Why: Lynne Robbins is only in a nested group: nested groups are not synced', color: 'Attention', subtitle: 'contoso-to-fabrikam · Contoso → Fabrikam',
      facts: [fact('User', 'Lynne Robbins (LynneR@contoso.onmicrosoft.com)'), fact('Source object', '0a1b2c3d-0000-4000-8000-000000000001')],
      rows: [
        { mark: '✅', title: 'Lynne Robbins in Contoso', detail: 'An internal member and enabled.', color: 'Good' },
        { mark: '❌', title: 'In the scope of contoso-to-fabrikam', detail: 'Only through a nested group inside "Sync - Fabrikam".', color: 'Attention' },
        { mark: 'ℹ️', title: 'Provisioning logs (last 7 days)', detail: 'Latest: other skipped.', color: 'Default' },
        { mark: '❔', title: 'In Fabrikam', detail: 'Could not check: needs User.Read.All in Fabrikam.', color: 'Default' },
      ],
      note: 'Fix the first ❌ first.', buttons: [{ title: 'Request add to scope', verb: 'why.request', config: 'contoso-to-fabrikam', id: '0a1b2c3d-0000-4000-8000-000000000001', style: 'default' }],
    },
    synced: {
      title: 'Why: Megan Bowen is synced to Fabrikam', color: 'Good', subtitle: 'c · A → B',
      facts: [fact('User', 'Megan'), fact('Target object', '0a1b2c3d-0000-4000-8000-000000000002')],
      rows: [{ mark: '✅', title: 'In Fabrikam', detail: 'Synced as member.', color: 'Good' }],
      note: '', buttons: [{ title: 'Provision now', verb: 'why.provision', config: 'c', id: '0a1b2c3d-0000-4000-8000-000000000001', style: 'positive' }],
    },
  },
  review: {
    open: {
      title: 'Scope review REV-7K2M9: c', color: 'Accent', summary: '2 items in scope: 0 keep, 1 remove, 1 undecided.',
      facts: [fact('Started', '2026-11-23 by Megan'), fact('Decide by', '2026-12-07'), fact('Undecided at the deadline', 'Keep')],
      note: 'Some facts are missing: last sign-in: not readable (needs AuditLog.Read.All).', outcome: '', reviewId: 'REV-7K2M9',
      items: [
        { id: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61', reviewId: 'REV-7K2M9', page: 1, name: 'Sync - Fabrikam', kind: 'group', facts: '12 direct members', warning: 'privileged: Ada (Global Administrator)', decided: '', decidedColor: 'Default', canDecide: true },
        { id: 'f2d8b4a1-a3c5-4e7f-9b26-8d4cae305f72', reviewId: 'REV-7K2M9', page: 1, name: 'Adele', kind: 'user', facts: 'adele@x · enabled', warning: '', decided: '🗑️ Remove — by Megan · removal request REQ-AAAAA', decidedColor: 'Attention', canDecide: false },
      ],
      pageText: 'Page 1 of 2', hasPrevious: false, hasNext: true, previousPage: 0, nextPage: 2,
    },
    completed: {
      title: 'Scope review REV-7K2M9 completed: c', color: 'Good', summary: '1 item in scope: 1 keep, 0 remove, 0 undecided.', facts: [fact('Deadline', '2026-12-07')],
      note: '', outcome: 'Completed at the deadline: undecided items got Keep.', reviewId: 'REV-7K2M9',
      items: [{ id: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61', reviewId: 'REV-7K2M9', page: 2, name: 'g', kind: 'group', facts: '1 direct member', warning: '', decided: '✅ Keep — by default at the deadline', decidedColor: 'Good', canDecide: false }],
      pageText: 'Page 2 of 2', hasPrevious: true, hasNext: false, previousPage: 1, nextPage: 3,
    },
  },
  doctor: {
    mixed: {
      title: 'Doctor: 1 to fix, 1 warning', color: 'Attention', summary: '2 configurations checked: 30 pass, 1 warn, 1 fail, 0 could not check.',
      configurations: [
        { name: 'contoso-to-fabrikam', route: 'Contoso → Fabrikam', rows: [
          { mark: '❌', title: 'Fabrikam allows inbound sync from Contoso', color: 'Attention', found: 'userSyncInbound.isSyncAllowed is false.', fix: 'A Security Administrator of Fabrikam ticks "Allow users sync into this tenant".' },
          { mark: '⚠️', title: 'Accidental-deletion threshold is enabled', color: 'Default', found: 'Disabled.', fix: 'Tick "Prevent accidental deletion".' },
          { mark: '❔', title: "Bot's Graph permissions in Fabrikam", color: 'Default', found: 'Could not check: no Application.Read.All in Fabrikam.', fix: 'Fix the reason above, then run doctor again.' },
        ] },
        { name: 'contoso-to-northwind', route: 'Contoso → Northwind', rows: [{ mark: '✅', title: 'All 18 checks pass', color: 'Good', found: 'Nothing to fix.', fix: '' }] },
      ],
    },
    healthy: { title: 'Doctor: all checks pass', color: 'Good', summary: '1 configuration checked: 18 pass.', configurations: [{ name: 'c', route: 'A → B', rows: [{ mark: '✅', title: 'All 18 checks pass', color: 'Good', found: 'Nothing to fix.', fix: '' }] }] },
  },
  'allow-deletes': {
    counted: {
      title: 'Allow 27 held-back deletions in c?', text: 't', heading: '27 deletions or disables held back (threshold 20), including:',
      names: [{ name: 'Ada' }, { name: 'Bo' }], andMore: 'and 25 more', askedBy: 'Ada', incident: 'c@1', version: 3, confirmTitle: 'Allow 27 deletions',
    },
    unread: {
      title: 'Allow held-back deletions in c?', text: 't', heading: 'The held-back deletions could not be read: check the provisioning logs before allowing them.',
      names: [], andMore: '', askedBy: 'Ada', incident: 'c@1', version: 1, confirmTitle: 'Allow deletions',
    },
  },
  'alert-failures': {
    some: { configuration: 'fabrikam-to-northwind', summary: 'The 2 latest failed provisioning events.', rows: [{ who: 'Ada', action: 'create', at, error: 'AzureActiveDirectoryConflict', fix: 'Remove the duplicate.' }, { who: 'Bo', action: 'update', at, error: 'x', fix: '' }] },
    none: { configuration: 'c', summary: 'No failed provisioning events in the logs.', rows: [] },
  },
  alert: {
    open: {
      headline: 'Sync job quarantined', color: 'Attention', configuration: 'c', route: 'A → B', stateLabel: 'Open', stateColor: 'Attention', state: 'Open since now.', note: '', noteStyle: 'default',
      explanation: 'e', whatToDo: 'w', facts: [fact('Began', '2026-11-23 10:00 UTC'), fact('Attempts', '3')], deletesHeading: '', deleteNames: [], lastChange: '', driftRows: [], troubleshootingUrl: '', incidentId: 'c@1', version: 1,
      buttons: [{ title: 'Restart', verb: 'alert.restart', incident: 'c@1', style: 'positive' }],
    },
    refusedWithDeletes: {
      headline: 'Deletions held back', color: 'Attention', configuration: 'c', route: 'A → B', stateLabel: 'Still open', stateColor: 'Attention', state: 's', note: 'Not allowed: no role. This needs the permission deletes.allow.', noteStyle: 'attention',
      explanation: 'e', whatToDo: 'w', facts: [], deletesHeading: '600 deletions held back', deleteNames: [{ name: 'Ada' }], lastChange: 'changed', driftRows: [], troubleshootingUrl: 'https://example.com/t', incidentId: 'c@1', version: 2,
      buttons: [{ title: 'Allow deletes', verb: 'deletes.allow', incident: 'c@1', style: 'destructive' }, { title: 'Keep blocked', verb: 'deletes.keepBlocked', incident: 'c@1', style: 'default' }],
    },
    resolved: {
      headline: 'Resolved: q', color: 'Good', configuration: 'c', route: 'A → B', stateLabel: 'Resolved', stateColor: 'Good', state: 'Resolved after 3 min.', note: '', noteStyle: 'default',
      explanation: 'The job is healthy again.', whatToDo: '', facts: [fact('Began', 'x')], deletesHeading: '', deleteNames: [], lastChange: '', driftRows: [], troubleshootingUrl: '', incidentId: 'c@1', version: 3, buttons: [],
    },
    drift: {
      headline: 'Setup drifted', color: 'Attention', configuration: 'c', route: 'A → B', stateLabel: 'Open', stateColor: 'Attention', state: 'Open since now.', note: '', noteStyle: 'default',
      explanation: 'e', whatToDo: 'w', facts: [fact('Began', 'x')], deletesHeading: '', deleteNames: [], lastChange: '', troubleshootingUrl: '', incidentId: 'c@drift@1', version: 2, buttons: [{ title: 'Run doctor', verb: 'drift.doctor', incident: 'c@drift@1', style: 'default' }],
      driftRows: [
        { mark: '❌', title: 'B allows inbound sync from A (B)', change: 'Was pass, now fail: userSyncInbound.isSyncAllowed is false.', who: 'Changed by Ada (ada@b) at 10:00 UTC.', fix: 'A Security Administrator of B ticks "Allow users sync into this tenant".' },
        { mark: '⚠️', title: 'Sync scope grew', change: 'From 10 to 20 users (+100 %).', who: '', fix: 'Check the assignments.' },
        { mark: '✅', title: 'Threshold', change: 'Passes again.', who: 'Could not read who changed it (needs AuditLog.Read.All in B).', fix: '' },
      ],
    },
  },
  'approval-list': {
    empty: { title: 'No open requests', items: [], more: 0 },
    some: { title: '2 requests', items: [{ id: 'REQ-AAAAA', cardVersion: 1, headline: 'h', detail: 'd', canApprove: true, canCancel: false }, { id: 'REQ-BBBBB', cardVersion: 2, headline: 'h', detail: 'd', canApprove: false, canCancel: true }], more: 3 },
  },
  'approval-request': {
    pendingApprover: {
      title: 'Add to sync scope: c', statusLabel: 'Waiting for approval', statusColor: 'Accent', statusText: 's', note: '', noteStyle: 'good', facts: [fact('Request', 'REQ-AAAAA'), fact('Users entering scope', '1')],
      principalsHeading: 'User', principals: [{ line: 'Ada (ada@x)' }], warnings: [{ text: 'w' }], outcome: [], footer: 'f', requestId: 'REQ-AAAAA', cardVersion: 1,
      canApprove: true, canReject: true, canCancel: false, canProvision: false, canRefresh: true, refreshTitle: 'Refresh', canList: true,
    },
    doneRequester: {
      title: 't', statusLabel: 'Done', statusColor: 'Good', statusText: 's', note: 'Provisioning…', noteStyle: 'good', facts: [fact('Request', 'REQ-AAAAA')],
      principalsHeading: 'Users', principals: [{ line: 'a' }, { line: 'b' }], warnings: [], outcome: [{ text: 'a: added to scope' }], footer: 'f', requestId: 'REQ-AAAAA', cardVersion: 4,
      canApprove: false, canReject: false, canCancel: false, canProvision: true, canRefresh: false, refreshTitle: 'Refresh', canList: false,
    },
  },
  'audit-export': {
    preview: { title: 'Audit log export', range: 'r', count: 2, records: '2', expires: 'e', preview: true, lines: [{ line: 'at,actor' }, { line: '1,2' }], ttlMinutes: 10, columns: 'at, actor', csvUrl: 'https://bot.example/api/audit/export?token=t', jsonUrl: 'https://bot.example/api/audit/export?token=t&format=json' },
    empty: { title: 'Audit log export', range: 'r', count: 0, records: '0', expires: 'e', preview: false, lines: [], ttlMinutes: 10, columns: 'c', csvUrl: 'https://bot.example/x', jsonUrl: 'https://bot.example/y' },
  },
  audit: {
    empty: { title: 'Audit log: all', rows: [], empty: true },
    some: { title: 'Audit log: c', rows: [{ when: 'w', who: 'Ada', what: 'job.pause on c', outcome: 'ok', detail: '' }, { when: 'w', who: 'Bo', what: 'x', outcome: 'refused', detail: 'no role' }], empty: false },
  },
  confirm: { pause: { title: 'Pause c?', text: 't', askedBy: 'Ada', permission: 'sync.operate', confirmTitle: 'Pause', opId: 'OP-1' } },
  help: {
    plain: { hint: '', commands: [{ usage: 'status', description: 'd', example: 'status' }], mode: 'demo', configurations: 'c' },
    unknownCommand: { hint: 'I don\'t know "x".', commands: [{ usage: 'status', description: 'd', example: 'status' }], mode: 'demo', configurations: 'c' },
  },
  notice: {
    error: { title: 'Not allowed', text: 't', hint: 'h', style: 'error' },
    plain: { title: 'Done', text: '', hint: '', style: 'default' },
  },
  provision: {
    running: { title: 'Provisioning on c: 0 of 1 done', summary: '1 user: 1 queued.', items: [{ who: 'Ada', state: 'Queued', color: 'Default', note: '', steps: [] }], hasSteps: false, stepLines: [], finished: false },
    finished: { title: 'Provision on demand: c', summary: '2 users: 1 provisioned, 1 skipped.', items: [{ who: 'Ada', state: 'Success', color: 'Good', note: '', steps: [{ text: 's' }] }, { who: 'Bo', state: 'Skipped', color: 'Warning', note: 'not in scope', steps: [] }], hasSteps: true, stepLines: [{ text: 'Ada · Import: success' }], finished: true },
  },
  'request-form': {
    blank: { configurations: [{ title: 'c', value: 'c' }], configuration: 'c', op: 'add', principalType: 'user', principals: '', reason: '', error: '' },
    withError: { configurations: [{ title: 'c', value: 'c' }, { title: 'd', value: 'd' }], configuration: '', op: 'remove', principalType: 'group', principals: 'Eng', reason: 'r', error: 'Say who.' },
  },
  'status-detail': {
    quarantined: {
      name: 'c', route: 'A → B', state: 'Quarantine: credentials', color: 'Attention', reason: 'r', facts: [fact('Last cycle', 'x')], jobId: 'Azure2Azure.\u200babc', failures: [{ who: 'Ada', action: 'create', status: 'failure', when: 'now', error: 'e' }],
      failuresNote: 'None', troubleshootingUrl: 'https://example.com', readAt: 'now',
      actions: [{ title: 'Restart', verb: 'job.restart', config: 'c', scope: 'default' }, { title: 'Back to all', verb: 'status.refresh', config: 'c', scope: '' }],
    },
    unreadable: { name: 'c', route: 'A → B', state: 'Unknown', color: 'Default', reason: '', facts: [fact('Job', 'could not be read')], jobId: '', failures: [], failuresNote: 'Could not read', troubleshootingUrl: '', readAt: 'now', actions: [{ title: 'Refresh', verb: 'status.detail', config: 'c', scope: '' }] },
  },
  status: {
    some: { summary: '2 configurations', readAt: 'now', rows: [{ name: 'c', route: 'A → B', state: 'Active', color: 'Good', detail: 'd', next: '' }, { name: 'd', route: 'A → C', state: 'Quarantine: x', color: 'Attention', detail: 'd', next: 'next attempt in 5 min' }] },
  },
  subscriptions: {
    none: { title: 'Subscriptions', summary: 'None.', rows: [], hint: '' },
    some: { title: 'Subscriptions', summary: 's', rows: [{ topic: 'Alerts', configuration: 'all', state: 'active', detail: 'd' }], hint: 'h' },
  },
  welcome: {
    fresh: { place: 'chat', configurations: 'c', note: '', noteStyle: 'default' },
    refused: { place: 'channel', configurations: 'c', note: 'Not allowed: needs alerts.manage.', noteStyle: 'attention' },
  },
  whoami: {
    member: { name: 'Ada', upn: 'ada@x', objectId: 'o', tenant: 't', userType: 'Member', roles: 'none', permissions: [], resolvedAt: 'now' },
    operator: { name: 'Ada', upn: 'ada@x', objectId: 'o', tenant: 't', userType: 'Member', roles: 'Hybrid Identity Administrator', permissions: [{ name: 'sync.read', meaning: 'see status' }], resolvedAt: 'now' },
  },
};
